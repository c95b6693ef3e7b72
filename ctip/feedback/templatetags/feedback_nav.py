"""``{% feedback_nav_link %}``: the staff nav link to feedback, for those who may see it."""

from django import template

from ctip.feedback.selectors import (
    user_can_manage_channels,
    user_can_read_feedback,
    user_can_triage,
    user_sees_feedback_nav,
)

register = template.Library()


@register.inclusion_tag("feedback/_nav_link.html", takes_context=True)
def feedback_nav_link(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    visible = bool(user and user.is_authenticated and user_sees_feedback_nav(user))
    match = getattr(request, "resolver_match", None)
    reader = visible and user_can_read_feedback(user)
    return {
        "visible": visible,
        "target": "feedback:list" if reader else "feedback:dashboard",
        "current": bool(match and match.app_name == "feedback"),
    }


@register.simple_tag(takes_context=True)
def feedback_permissions(context) -> dict:
    """What the feedback sub-navigation may offer the current user."""
    user = getattr(context.get("request"), "user", None)
    return {
        "read": user_can_read_feedback(user),
        "channels": user_can_read_feedback(user) or user_can_manage_channels(user),
        "paper": user_can_triage(user),
    }
