"""Reads of `feedback`, each guarded by one scoping function.

Who sees what (docs/feedback.md):
- Triage roles (programme manager, M&E officer, case supervisor) see the feedback of channels
  owned by their organisation's subtree, except safeguarding items.
- Safeguarding items (about a staff member's conduct) are seen only by members of the auth
  group "safeguarding" whose organisation is the implementer: outside the country project's line
  management, so nobody can bury a complaint about themselves. For everyone else they do not
  exist: 404, absent from lists, counts and dashboards.
- Channel set-up, posters and paper sheets: programme manager and M&E officer.
- Donors see the dashboard's suppressed aggregates only.
Out of scope is 404, never a hint that the item exists.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncMonth
from django.http import Http404

from ctip.core.models import OrganisationKind, Role, User
from ctip.core.suppression import THRESHOLD, suppress_breakdown, suppress_count
from ctip.feedback import receipts, texts
from ctip.feedback.models import (
    Author,
    Channel,
    Feedback,
    FeedbackAction,
    FeedbackMessage,
    FeedbackTheme,
    PaperSheet,
    Status,
)

SAFEGUARDING_GROUP = "safeguarding"
TRIAGE_ROLES = {Role.PROGRAMME_MANAGER, Role.ME_OFFICER, Role.CASE_SUPERVISOR}
CHANNEL_ROLES = {Role.PROGRAMME_MANAGER, Role.ME_OFFICER}
DASHBOARD_ROLES = TRIAGE_ROLES | {Role.DONOR}


# --- who may do what ---------------------------------------------------------------------------


def _placed(user) -> bool:
    return bool(user and user.is_authenticated and user.organisation_id is not None)


def user_is_safeguarding(user) -> bool:
    """A member of the safeguarding group, placed at the implementer (above every project)."""
    if not _placed(user):
        return False
    if user.organisation.kind != OrganisationKind.IMPLEMENTER:
        return False
    cached = getattr(user, "_feedback_safeguarding", None)
    if cached is None:
        cached = user.groups.filter(name=SAFEGUARDING_GROUP).exists()
        user._feedback_safeguarding = cached
    return cached


def user_can_triage(user) -> bool:
    return _placed(user) and user.role in TRIAGE_ROLES


def user_can_manage_channels(user) -> bool:
    return _placed(user) and user.role in CHANNEL_ROLES


def user_can_read_feedback(user) -> bool:
    return user_can_triage(user) or user_is_safeguarding(user)


def user_can_see_dashboard(user) -> bool:
    return _placed(user) and (user.role in DASHBOARD_ROLES or user_is_safeguarding(user))


def user_sees_feedback_nav(user) -> bool:
    return user_can_read_feedback(user) or user_can_see_dashboard(user)


# --- channels ----------------------------------------------------------------------------------


def channels_visible_to(user) -> QuerySet[Channel]:
    if not (user_can_read_feedback(user) or user_can_see_dashboard(user)):
        return Channel.objects.none()
    return Channel.objects.filter(organisation__path__startswith=user.organisation.path)


def channel_get(user, slug: str) -> Channel:
    try:
        return channels_visible_to(user).select_related("organisation").get(slug=slug)
    except Channel.DoesNotExist as exc:
        raise Http404("No such channel.") from exc


def channel_public_get(slug: str) -> Channel:
    """The channel behind a public address (any state: a closed one still shows replies)."""
    try:
        return Channel.objects.get(slug=slug)
    except Channel.DoesNotExist as exc:
        raise Http404("No such form.") from exc


# --- feedback ----------------------------------------------------------------------------------


def feedback_visible_to(user: User) -> QuerySet[Feedback]:
    """THE scoping function of `feedback`: every staff read path starts here."""
    if not user_can_read_feedback(user):
        return Feedback.objects.none()
    allowed = Q(pk__in=[])
    if user_can_triage(user):
        allowed |= Q(safeguarding=False)
    if user_is_safeguarding(user):
        allowed |= Q(safeguarding=True)
    in_subtree = Q(channel__organisation__path__startswith=user.organisation.path)
    return Feedback.objects.filter(in_subtree).filter(allowed)


def feedback_get(user, uuid) -> Feedback:
    try:
        return (
            feedback_visible_to(user)
            .select_related("channel", "channel__organisation", "assigned_to")
            .get(uuid=uuid)
        )
    except (Feedback.DoesNotExist, ValueError) as exc:
        raise Http404("No such feedback.") from exc


@dataclass(frozen=True)
class FeedbackFilters:
    status: str = ""
    channel: str = ""
    theme: str = ""
    tag: str = ""
    source: str = ""
    mine: bool = False
    awaiting: bool = False
    spam: bool = False
    safeguarding: bool = False


def feedback_list(user, filters: FeedbackFilters) -> QuerySet[Feedback]:
    items = feedback_visible_to(user).filter(spam=filters.spam)
    if filters.status:
        items = items.filter(status=filters.status)
    if filters.channel:
        items = items.filter(channel__slug=filters.channel)
    if filters.theme:
        items = items.filter(theme_rows__theme=filters.theme)
    if filters.tag:
        items = items.filter(tags__label=filters.tag)
    if filters.source:
        items = items.filter(source=filters.source)
    if filters.mine:
        items = items.filter(assigned_to=user)
    if filters.awaiting:
        items = items.filter(awaiting_reply=True)
    if filters.safeguarding:
        items = items.filter(safeguarding=True)
    return (
        items.distinct()
        .select_related("channel", "assigned_to")
        .prefetch_related("theme_rows", "tags")
        .order_by("-received_on", "id")
    )


def feedback_counts(user) -> dict[str, int]:
    """Open work in the user's scope (safeguarding items only for the safeguarding group)."""
    items = feedback_visible_to(user).filter(spam=False)
    result = items.aggregate(
        new=Count("pk", filter=Q(status=Status.NEW)),
        open=Count("pk", filter=~Q(status=Status.CLOSED)),
        awaiting=Count("pk", filter=Q(awaiting_reply=True) & ~Q(status=Status.CLOSED)),
        safeguarding=Count("pk", filter=Q(safeguarding=True) & ~Q(status=Status.CLOSED)),
    )
    return result


def users_who_can_triage(feedback: Feedback) -> QuerySet[User]:
    """People an item may be assigned to: those who can see it."""
    ancestors = [p for p in feedback.channel.organisation.path.split("/") if p]
    users = User.objects.filter(is_active=True, organisation_id__in=ancestors)
    if feedback.safeguarding:
        return users.filter(
            organisation__kind=OrganisationKind.IMPLEMENTER, groups__name=SAFEGUARDING_GROUP
        ).order_by("username")
    return users.filter(role__in=TRIAGE_ROLES).order_by("username")


# --- receipts ----------------------------------------------------------------------------------


def feedback_by_receipt(code: str, channel: Channel | None = None) -> Feedback | None:
    """The feedback a well-formed code belongs to, or None.

    A code of another channel, a code never issued and a printed sheet not yet entered all give
    None, by the same single query after the same hashing work.
    """
    candidates = receipts.code_hash_candidates(code)
    items = Feedback.objects.filter(receipt_hash__in=candidates, spam=False)
    if channel is not None:
        items = items.filter(channel=channel)
    return items.select_related("channel").first()


def conversation(feedback: Feedback) -> list[FeedbackMessage]:
    return list(feedback.messages.order_by("seq"))


def paper_sheet_for_entry(user, code: str) -> PaperSheet | None:
    """The printed sheet with this code among the channels the clerk may enter for."""
    if not user_can_triage(user):
        return None
    candidates = receipts.code_hash_candidates(code)
    return (
        PaperSheet.objects.filter(
            receipt_hash__in=candidates, channel__in=channels_visible_to(user)
        )
        .select_related("channel", "batch")
        .first()
    )


# --- what changed ------------------------------------------------------------------------------


def actions_visible_to(user) -> QuerySet[FeedbackAction]:
    if not user_can_read_feedback(user):
        return FeedbackAction.objects.none()
    return FeedbackAction.objects.filter(organisation__path__startswith=user.organisation.path)


def action_get(user, uuid) -> FeedbackAction:
    try:
        return actions_visible_to(user).get(uuid=uuid)
    except (FeedbackAction.DoesNotExist, ValueError) as exc:
        raise Http404("No such action.") from exc


def action_feedback(user, action: FeedbackAction) -> QuerySet[Feedback]:
    """The items behind an action that this user may see (safeguarding ones stay hidden)."""
    return feedback_visible_to(user).filter(actions=action).order_by("-received_on", "id")


def actions_list(user) -> QuerySet[FeedbackAction]:
    """Actions in scope, each with the number of linked items this user may see."""
    return (
        actions_visible_to(user)
        .select_related("organisation")
        .annotate(
            linked=Count(
                "feedback", filter=Q(feedback__in=feedback_visible_to(user)), distinct=True
            )
        )
        .order_by("-taken_on", "-id")
    )


# --- dashboard ---------------------------------------------------------------------------------


def counted_feedback(path: str, start: dt.date, end: dt.date) -> QuerySet[Feedback]:
    """What indicators and dashboards count: received in the range, under ``path``, not spam,
    and never safeguarding items (those are counted only on the safeguarding group's page)."""
    return Feedback.objects.filter(
        channel__organisation__path__startswith=path,
        received_on__gte=start,
        received_on__lte=end,
        spam=False,
        safeguarding=False,
    )


def theme_counts(items: QuerySet[Feedback]) -> dict[str, int]:
    rows = (
        FeedbackTheme.objects.filter(feedback__in=items)
        .values("theme")
        .annotate(n=Count("feedback", distinct=True))
    )
    return {row["theme"]: row["n"] for row in rows}


def replied_filter():
    return Exists(FeedbackMessage.objects.filter(feedback=OuterRef("pk"), author_kind=Author.STAFF))


def satisfaction_by_channel(items: QuerySet[Feedback]) -> list[dict]:
    """Mean satisfaction per channel; a mean over fewer than 5 answers is not shown."""
    rows = (
        items.filter(satisfaction__isnull=False)
        .values("channel__slug", "channel__name")
        .annotate(n=Count("pk"), mean=Avg("satisfaction"))
        .order_by("channel__slug")
    )
    result = []
    for row in rows:
        shown = row["n"] >= THRESHOLD
        result.append(
            {
                "slug": row["channel__slug"],
                "name": row["channel__name"],
                "n": suppress_count(row["n"]),
                "mean": round(row["mean"], 1) if shown else None,
            }
        )
    return result


# --- indicators (FBK-1, FBK-2) and the dashboard -----------------------------------------------


def fbk1_counts(items: QuerySet[Feedback]) -> dict[str, int]:
    """FBK-1: of the items received, how many were acknowledged within 7 days, and how many
    are closed with a reply the sender can read."""
    week_after = ExpressionWrapper(
        F("received_on") + dt.timedelta(days=7), output_field=DateField()
    )
    return items.aggregate(
        received=Count("pk"),
        acknowledged_in_7_days=Count(
            "pk", filter=Q(acknowledged_on__isnull=False, acknowledged_on__lte=week_after)
        ),
        closed_with_reply=Count("pk", filter=Q(status=Status.CLOSED) & Q(replied_filter())),
    )


def fbk2_counts(items: QuerySet[Feedback]) -> dict:
    """FBK-2: counts by theme (an item counts once per theme it has; "none" for no theme) and by
    channel. Raw counts: callers suppress."""
    by_theme = theme_counts(items)
    with_theme = items.filter(Exists(FeedbackTheme.objects.filter(feedback=OuterRef("pk")))).count()
    total = items.count()
    themes = {code: by_theme.get(code, 0) for code in texts.THEMES}
    themes["none"] = total - with_theme
    channels = dict(
        items.values_list("channel__slug").annotate(n=Count("pk")).order_by("channel__slug")
    )
    return {"total": total, "theme": themes, "channel": channels}


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _months_back(end: dt.date, count: int) -> list[dt.date]:
    months = []
    year, month = end.year, end.month
    for _n in range(count):
        months.append(dt.date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(months))


def dashboard_data(path: str, period, *, months: int = 6) -> dict:
    """Everything the dashboard shows, suppressed (counts 1–4 as "<5"; shares and means only
    over 5 or more items). Safeguarding items and spam are never counted here."""
    items = counted_feedback(path, period.start, period.end)
    fbk1 = fbk1_counts(items)
    fbk2 = fbk2_counts(items)
    enough = fbk1["received"] >= THRESHOLD
    first_months = _months_back(period.end, months)
    span = counted_feedback(path, first_months[0], period.end)
    per_month = dict(
        span.annotate(month=TruncMonth("received_on")).values_list("month").annotate(n=Count("pk"))
    )
    per_month = {_as_date(k): v for k, v in per_month.items()}
    theme_month_rows = (
        FeedbackTheme.objects.filter(feedback__in=span)
        .annotate(month=TruncMonth("feedback__received_on"))
        .values("theme", "month")
        .annotate(n=Count("feedback", distinct=True))
    )
    grid: dict[str, dict[dt.date, int]] = {}
    for row in theme_month_rows:
        grid.setdefault(row["theme"], {})[_as_date(row["month"])] = row["n"]
    channel_counts = {
        c.slug: fbk2["channel"].get(c.slug, 0)
        for c in Channel.objects.filter(organisation__path__startswith=path).order_by("slug")
    }
    return {
        "received": suppress_count(fbk1["received"]),
        "acknowledged_share": _share(fbk1["acknowledged_in_7_days"], fbk1["received"])
        if enough
        else None,
        "closed_share": _share(fbk1["closed_with_reply"], fbk1["received"]) if enough else None,
        "by_theme": suppress_breakdown(fbk2["theme"]),
        "by_channel": suppress_breakdown(channel_counts),
        "by_month": [(f"{m:%Y-%m}", suppress_count(per_month.get(m, 0))) for m in first_months],
        "theme_months": [
            (code, [suppress_count(grid.get(code, {}).get(m, 0)) for m in first_months])
            for code in texts.THEMES
            if code in grid
        ],
        "satisfaction": satisfaction_by_channel(items),
    }


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
