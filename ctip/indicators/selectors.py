"""Who may see which indicators: the organisations a user may report on (their subtree, the
one scoping function of `core`), and whether they see the suppressed (public) version."""

from django.db.models import QuerySet
from django.http import Http404

from ctip.cases.selectors import survivors_visible_to
from ctip.core.models import Organisation, User
from ctip.core.selectors import organisation_get, organisations_visible_to, user_can_read_records


def report_scopes_for(user: User) -> QuerySet[Organisation]:
    """The organisations ``user`` may choose as a report's scope, in tree order."""
    return organisations_visible_to(user).order_by("path")


def report_scope_get(user: User, code: str | None) -> Organisation:
    """The chosen organisation (default: the user's own, or the top of what they see); an
    organisation outside the user's subtree is 404, never a hint that it exists."""
    if code:
        return organisation_get(user, code)
    if user.is_authenticated and user.organisation_id:
        return user.organisation
    top = report_scopes_for(user).first()
    if top is None:
        raise Http404("No organisation to report on.")
    return top


def report_is_public_for(user: User) -> bool:
    """Roles that may not read survivors' records (donor, PSE officer, system administrator)
    see suppressed aggregates only: what leaves the programme."""
    return not user_can_read_records(user)


def review_codes_visible_to(user: User, codes: list[str]) -> set[str]:
    """Which of these survivor codes the user may open (one query); the others are listed
    without a link."""
    if not codes:
        return set()
    return set(survivors_visible_to(user).filter(code__in=codes).values_list("code", flat=True))
