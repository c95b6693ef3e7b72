"""Reads of `screening`. Every read of screens starts from ``screens_visible_to``, the one
scoping function of this app: out of scope answers 404. The frameworks directory is reference
data (public instruments), readable by every signed-in user."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from ctip.core.models import Organisation, Role, User
from ctip.core.selectors import user_can_read_records
from ctip.screening.models import ConsentState, Screen
from ctip.services.models import ProtectionFramework

# Roles that record screens with the person (and may then register and refer, with consent).
SCREENING_ROLES = {Role.CASE_WORKER, Role.CASE_SUPERVISOR}
# Roles that keep the frameworks directory.
FRAMEWORK_EDITORS = {Role.PROGRAMME_MANAGER, Role.ME_OFFICER, Role.SYSADMIN}


def screens_visible_to(user: User) -> QuerySet[Screen]:
    """Screens owned in the user's subtree, for roles that see records; none for the rest."""
    if not user.is_authenticated:
        return Screen.objects.none()
    if not user_can_read_records(user):
        return Screen.objects.none()
    return Screen.objects.filter(organisation__path__startswith=user.organisation.path)


def screen_get(user: User, pk: int) -> Screen:
    try:
        return (
            screens_visible_to(user)
            .select_related("organisation", "screened_by", "survivor", "referral__to_provider")
            .get(pk=pk)
        )
    except Screen.DoesNotExist as exc:
        raise Http404("No such screen.") from exc


def user_may_screen(user: User) -> bool:
    return (
        user.is_authenticated
        and user.role in SCREENING_ROLES
        and user.organisation_id is not None
        and user_can_read_records(user)
    )


def user_may_edit_frameworks(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in FRAMEWORK_EDITORS)


@dataclass(frozen=True)
class ScreenFilters:
    channel: str = ""
    language: str = ""
    consent: str = ""
    suggests: str = ""  # "yes", "no" or ""
    organisation: str = ""
    start: dt.date | None = None
    end: dt.date | None = None


def screen_list(user: User, filters: ScreenFilters) -> QuerySet[Screen]:
    queryset = screens_visible_to(user).select_related("organisation", "survivor")
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.language:
        queryset = queryset.filter(language=filters.language)
    if filters.consent:
        queryset = queryset.filter(consent=filters.consent)
    if filters.suggests in ("yes", "no"):
        queryset = queryset.filter(suggests_referral=filters.suggests == "yes")
    if filters.organisation:
        queryset = queryset.filter(organisation__code=filters.organisation)
    if filters.start:
        queryset = queryset.filter(screened_on__gte=filters.start)
    if filters.end:
        queryset = queryset.filter(screened_on__lte=filters.end)
    return queryset.order_by("-screened_on", "id")


# --- counts ----------------------------------------------------------------------------------

MEASURES = {
    "screens": Q(),
    "positive": Q(any_positive=True),
    "suggested": Q(suggests_referral=True),
    "consented": Q(consent=ConsentState.GIVEN),
    "referred": Q(consent=ConsentState.GIVEN, referral__isnull=False),
}


def _aggregates() -> dict:
    return {
        name: Count("pk", filter=condition) if condition else Count("pk")
        for name, condition in MEASURES.items()
    }


def screen_counts(queryset: QuerySet[Screen]) -> dict[str, int]:
    """The five counts in one aggregate query."""
    return queryset.aggregate(**_aggregates())


def screen_counts_by(queryset: QuerySet[Screen], field: str) -> list[dict]:
    """The five counts per value of ``field`` (one grouped query), largest first."""
    rows = queryset.values(field).annotate(**_aggregates()).order_by("-screens", field)
    return [{"key": row[field], **{name: row[name] for name in MEASURES}} for row in rows]


def screen_counts_by_month(queryset: QuerySet[Screen]) -> list[dict]:
    from django.db.models.functions import TruncMonth

    rows = (
        queryset.annotate(month=TruncMonth("screened_on"))
        .values("month")
        .annotate(**_aggregates())
        .order_by("month")
    )
    return [{"key": row["month"], **{name: row[name] for name in MEASURES}} for row in rows]


# --- frameworks -------------------------------------------------------------------------------


def frameworks_listed() -> QuerySet[ProtectionFramework]:
    return ProtectionFramework.objects.filter(active=True)


def framework_countries() -> list[tuple[str, int]]:
    """Countries with national instruments, and how many (regional ones count for none)."""
    rows = (
        frameworks_listed()
        .exclude(country="")
        .values("country")
        .annotate(n=Count("pk"))
        .order_by("country")
    )
    return [(row["country"], row["n"]) for row in rows]


def framework_get(pk: int, *, include_unlisted: bool = False) -> ProtectionFramework:
    queryset = ProtectionFramework.objects.all() if include_unlisted else frameworks_listed()
    try:
        return queryset.get(pk=pk)
    except ProtectionFramework.DoesNotExist as exc:
        raise Http404("No such framework.") from exc


def organisation_for_self_screen(code: str) -> Organisation:
    """The partner (or site) whose self-screen page this is; 404 for anything else."""
    try:
        return Organisation.objects.get(code=code, kind__in=("partner", "site"))
    except Organisation.DoesNotExist as exc:
        raise Http404("No such page.") from exc
