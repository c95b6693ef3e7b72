"""Small presentation helpers of the services pages."""

from django import template

register = template.Library()

# Statuses by the colour the existing badge styles give them: done, waiting, stopped.
DONE = {"completed", "service_started", "accepted"}
ACTIVE = {"ongoing", "pending"}
WAITING = {"sent"}


@register.filter
def status_badge(status: str) -> str:
    """The CSS class of a status badge (reuses the case pages' colours)."""
    if status in DONE:
        return "badge badge-need-met"
    if status in ACTIVE:
        return "badge badge-open"
    if status in WAITING:
        return "badge badge-need-open"
    return "badge badge-closed"
