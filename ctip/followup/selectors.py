"""Reads of `followup`. Every record hangs on a survivor, so every read path (pages, API,
commands, indicators) starts from `cases.selectors.survivors_visible_to` — the scoping function
of `cases` — through `followups_visible_to` and its siblings here; out of scope is 404.

Follow-up consent is checked at read time as well as written down: the worklist, the reminders
and the contact details only ever show survivors whose latest follow-up consent is "given", so
a withdrawal stops them the moment it is recorded, before the daily sweep cancels what was
pending (`services.followup_sync`).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import (
    Exists,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from ctip.cases.models import Consent, ConsentPurpose, Survivor
from ctip.cases.selectors import PII_COLUMNS, survivors_visible_to
from ctip.core.models import Organisation, OrganisationKind, Role, User
from ctip.core.selectors import organisations_visible_to, user_can_read_pii
from ctip.followup import scoring
from ctip.followup.dates import months_between
from ctip.followup.models import (
    Assessment,
    AttemptResult,
    Cohort,
    CohortMember,
    ContactAttempt,
    ContactRoute,
    FollowUp,
    FollowupResult,
    FollowupSettings,
    FollowupStatus,
    LoadedDefinition,
    OutcomeEvent,
)

REMINDER_DAYS = 14
# Roles that contact survivors and so have a worklist.
WORKLIST_ROLES = {Role.CASE_WORKER, Role.CASE_SUPERVISOR}


# --- consent ----------------------------------------------------------------------------------


def followup_consent(survivor_field: str = "pk") -> Subquery:
    """Whether the survivor's latest follow-up consent decision is "given" (NULL: none)."""
    latest = Consent.objects.filter(
        survivor_id=OuterRef(survivor_field), purpose=ConsentPurpose.FOLLOW_UP
    ).order_by("-decided_on", "-id")
    return Subquery(latest.values("given")[:1])


def with_consent(queryset: QuerySet, survivor_field: str) -> QuerySet:
    """Only rows whose survivor has follow-up consent in force."""
    return queryset.annotate(_followup_consent=followup_consent(survivor_field)).filter(
        _followup_consent=True
    )


def without_consent(queryset: QuerySet, survivor_field: str) -> QuerySet:
    """Rows whose survivor has no follow-up consent in force (withdrawn or never given)."""
    given = Consent.objects.filter(
        survivor_id=OuterRef(survivor_field), purpose=ConsentPurpose.FOLLOW_UP
    ).order_by("-decided_on", "-id")
    return queryset.annotate(_followup_consent=Subquery(given.values("given")[:1])).exclude(
        _followup_consent=True
    )


def consent_given_on(survivor: Survivor) -> dt.date | None:
    """The date of the follow-up consent in force, None when there is none."""
    latest = (
        survivor.consents.filter(purpose=ConsentPurpose.FOLLOW_UP)
        .order_by("-decided_on", "-id")
        .first()
    )
    return latest.decided_on if latest and latest.given else None


# --- the scoping functions --------------------------------------------------------------------


def _survivor_ids(user: User):
    return survivors_visible_to(user).values("pk")


def followups_visible_to(user: User) -> QuerySet[FollowUp]:
    queryset = FollowUp.objects.filter(survivor__in=_survivor_ids(user))
    if not user_can_read_pii(user):
        queryset = queryset.defer("note")
    return queryset


def assessments_visible_to(user: User) -> QuerySet[Assessment]:
    queryset = Assessment.objects.filter(survivor__in=_survivor_ids(user))
    if not user_can_read_pii(user):
        queryset = queryset.defer("answers")
    return queryset


def outcome_events_visible_to(user: User) -> QuerySet[OutcomeEvent]:
    queryset = OutcomeEvent.objects.filter(survivor__in=_survivor_ids(user))
    if not user_can_read_pii(user):
        queryset = queryset.defer("note")
    return queryset


def attempts_visible_to(user: User) -> QuerySet[ContactAttempt]:
    queryset = ContactAttempt.objects.filter(survivor__in=_survivor_ids(user))
    if not user_can_read_pii(user):
        queryset = queryset.defer("note")
    return queryset


def routes_usable_by(user: User) -> QuerySet[ContactRoute]:
    """Contact details: PII roles only, and only while follow-up consent is in force."""
    if not user_can_read_pii(user):
        return ContactRoute.objects.none()
    return with_consent(
        ContactRoute.objects.filter(survivor__in=_survivor_ids(user)), "survivor_id"
    )


def followup_get(user: User, uuid) -> FollowUp:
    try:
        return (
            followups_visible_to(user)
            .select_related("survivor", "survivor__organisation", "survivor__case_worker")
            .defer(*(f"survivor__{c}" for c in PII_COLUMNS))
            .get(uuid=uuid)
        )
    except (FollowUp.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404("No such follow-up.") from exc


def route_get(user: User, survivor: Survivor, pk) -> ContactRoute:
    try:
        return routes_usable_by(user).get(pk=pk, survivor=survivor)
    except (ContactRoute.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such contact route.") from exc


# --- settings and definitions -----------------------------------------------------------------


def ancestor_ids(organisation: Organisation) -> list[int]:
    return [int(part) for part in organisation.path.strip("/").split("/") if part]


def project_of(organisation: Organisation) -> Organisation | None:
    """The country project an organisation belongs to (itself if it is one)."""
    return (
        Organisation.objects.filter(
            pk__in=ancestor_ids(organisation), kind=OrganisationKind.COUNTRY_PROJECT
        )
        .order_by("-path")
        .first()
    )


def settings_for(organisation: Organisation) -> FollowupSettings:
    """The follow-up settings of the organisation's country project (defaults if none saved)."""
    project = project_of(organisation)
    if project is None:
        return FollowupSettings()
    found = FollowupSettings.objects.filter(organisation=project).first()
    return found or FollowupSettings(organisation=project)


def catalogue_for(organisation: Organisation | None) -> scoring.Catalogue:
    """Shipped definitions, overridden by those loaded higher up the tree, then lower down:
    the nearest organisation's file wins."""
    catalogue = scoring.shipped().copy()
    if organisation is None:
        return catalogue
    ids = ancestor_ids(organisation)
    depth = {pk: index for index, pk in enumerate(ids)}
    loaded = sorted(
        LoadedDefinition.objects.filter(organisation_id__in=ids, active=True),
        key=lambda row: (depth[row.organisation_id], row.loaded_at, row.pk),
    )
    for row in loaded:
        catalogue.add(scoring.parse(row.content))
    return catalogue


def definitions_visible_to(user: User) -> QuerySet[LoadedDefinition]:
    """Loaded definitions on the user's own node, above it and below it."""
    if not user.is_authenticated or user.organisation_id is None:
        return LoadedDefinition.objects.none()
    return LoadedDefinition.objects.filter(
        Q(organisation_id__in=ancestor_ids(user.organisation))
        | Q(organisation__in=organisations_visible_to(user))
    ).select_related("organisation")


# --- the worklist -----------------------------------------------------------------------------


def worklist(
    user: User, *, today: dt.date, days: int = REMINDER_DAYS, everyone: bool = False
) -> QuerySet[FollowUp]:
    """Pending follow-ups due within ``days`` (and overdue ones) of the user's survivors —
    or, for a supervisor asking for ``everyone``, of every survivor in their subtree — whose
    follow-up consent is in force."""
    if user.role not in WORKLIST_ROLES:
        return FollowUp.objects.none()
    queryset = followups_visible_to(user).filter(
        status=FollowupStatus.PENDING, due_on__lte=today + dt.timedelta(days=days)
    )
    if not (everyone and user.role == Role.CASE_SUPERVISOR):
        queryset = queryset.filter(survivor__case_worker=user)
    return (
        with_consent(queryset, "survivor_id")
        .select_related("survivor", "survivor__case_worker", "survivor__organisation")
        .defer(*(f"survivor__{c}" for c in PII_COLUMNS))
        .annotate(
            in_cohort=Exists(
                CohortMember.objects.filter(
                    survivor_id=OuterRef("survivor_id"),
                    left_on__isnull=True,
                    cohort__closed_on__isnull=True,
                )
            ),
            last_contact=Subquery(
                ContactAttempt.objects.filter(
                    survivor_id=OuterRef("survivor_id"),
                    result__in=[AttemptResult.REACHED, AttemptResult.REFUSED],
                )
                .order_by("-attempted_on")
                .values("attempted_on")[:1]
            ),
        )
        .order_by("due_on", "survivor__code")
    )


def due_for_reminder(
    *, scope: Organisation | None, today: dt.date, days: int = REMINDER_DAYS
) -> dict[User, list[FollowUp]]:
    """For `ctip remind`: each case worker's pending follow-ups due within ``days`` or overdue,
    consent in force. Survivors with no case worker are listed under None."""
    queryset = FollowUp.objects.filter(
        status=FollowupStatus.PENDING, due_on__lte=today + dt.timedelta(days=days)
    )
    if scope is not None:
        queryset = queryset.filter(survivor__organisation__path__startswith=scope.path)
    queryset = (
        with_consent(queryset, "survivor_id")
        .select_related("survivor", "survivor__case_worker", "survivor__organisation")
        .defer("note", *(f"survivor__{c}" for c in PII_COLUMNS))
        .order_by("survivor__case_worker__username", "due_on", "survivor__code")
    )
    grouped: dict[User, list[FollowUp]] = defaultdict(list)
    for followup in queryset:
        grouped[followup.survivor.case_worker].append(followup)
    return dict(grouped)


# --- retention (Kaplan–Meier observations) ----------------------------------------------------


@dataclass(frozen=True)
class Observation:
    """One survivor on the retention curve: months from case opening to the first loss of
    contact (``lost``) or to the last time they were reached (censored)."""

    months: float
    lost: bool
    sex: str
    organisation_id: int


def retention_observations(survivors: QuerySet[Survivor], as_of: dt.date) -> list[Observation]:
    """The Kaplan–Meier input of FUP-2, one grouped query over ``survivors``.

    The event is the first follow-up with result ``lost`` (at its ``done_on``, or ``due_on`` when
    empty) on or before ``as_of``; survivors never lost are censored at their last ``reached``
    follow-up; survivors with neither add nothing.
    """
    lost_on = Coalesce("followups__done_on", "followups__due_on")
    rows = (
        survivors.order_by()
        .annotate(
            first_lost=Min(
                lost_on,
                filter=Q(followups__result=FollowupResult.LOST)
                & (
                    Q(followups__done_on__lte=as_of)
                    | Q(followups__done_on__isnull=True, followups__due_on__lte=as_of)
                ),
            ),
            last_reached=Max(
                "followups__done_on",
                filter=Q(followups__result=FollowupResult.REACHED, followups__done_on__lte=as_of),
            ),
        )
        .filter(Q(first_lost__isnull=False) | Q(last_reached__isnull=False))
        .values_list("opened_on", "first_lost", "last_reached", "sex", "organisation_id")
    )
    observations = []
    for opened, lost, reached, sex, organisation_id in rows:
        end = lost if lost is not None else reached
        observations.append(
            Observation(
                max(months_between(opened, end), 0.0), lost is not None, sex, organisation_id
            )
        )
    return observations


# --- the timeline -----------------------------------------------------------------------------


@dataclass
class InstrumentSeries:
    code: str
    label: str
    unit: str
    higher_is_better: bool
    mid: float | None
    cutoff: float | None
    score_min: float
    score_max: float
    assessments: list[Assessment] = field(default_factory=list)


def assessment_series(
    assessments: list[Assessment], catalogue: scoring.Catalogue, language: str
) -> list[InstrumentSeries]:
    """A survivor's assessments grouped by instrument, oldest first."""
    series: dict[str, InstrumentSeries] = {}
    for assessment in sorted(assessments, key=lambda a: (a.taken_on, a.pk)):
        code = assessment.instrument_code
        if code not in series:
            instrument = catalogue.instruments.get(code)
            series[code] = InstrumentSeries(
                code=code,
                label=instrument.short_name if instrument else code,
                unit=scoring.localised(instrument.unit, language) if instrument else "",
                higher_is_better=assessment.higher_is_better,
                mid=assessment.mid,
                cutoff=assessment.cutoff,
                score_min=instrument.score_min if instrument else 0,
                score_max=instrument.score_max if instrument else 0,
            )
        series[code].assessments.append(assessment)
    return list(series.values())


# --- cohorts ----------------------------------------------------------------------------------


def cohorts_visible_to(user: User) -> QuerySet[Cohort]:
    """Cohorts drawn in the user's subtree, or above it (a country project's cohort is seen by
    its partners, who then see only their own members: see `cohort_members_visible_to`)."""
    if not user.is_authenticated or user.organisation_id is None:
        return Cohort.objects.none()
    if user.role not in {
        Role.CASE_WORKER,
        Role.CASE_SUPERVISOR,
        Role.ME_OFFICER,
        Role.PROGRAMME_MANAGER,
    }:
        return Cohort.objects.none()
    return Cohort.objects.filter(
        Q(organisation__path__startswith=user.organisation.path)
        | Q(organisation_id__in=ancestor_ids(user.organisation))
    ).select_related("organisation")


def cohort_get(user: User, pk) -> Cohort:
    try:
        return cohorts_visible_to(user).get(pk=pk)
    except (Cohort.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such cohort.") from exc


def cohort_members_visible_to(user: User, cohort: Cohort) -> QuerySet[CohortMember]:
    return (
        cohort.members.filter(survivor__in=_survivor_ids(user))
        .select_related("survivor", "survivor__organisation", "survivor__case_worker")
        .defer(*(f"survivor__{c}" for c in PII_COLUMNS))
    )


def user_may_draw_cohorts(user: User) -> bool:
    """M&E officers and programme managers of a country project (or above) draw cohorts."""
    return (
        user.is_authenticated
        and user.organisation_id is not None
        and user.role in {Role.ME_OFFICER, Role.PROGRAMME_MANAGER}
        and user.organisation.kind
        in (OrganisationKind.IMPLEMENTER, OrganisationKind.COUNTRY_PROJECT)
    )


def cohort_scopes_for(user: User) -> QuerySet[Organisation]:
    return organisations_visible_to(user).filter(
        kind__in=[OrganisationKind.IMPLEMENTER, OrganisationKind.COUNTRY_PROJECT]
    )


def settings_editable_by(user: User) -> QuerySet[Organisation]:
    """Country projects whose follow-up settings the user may change."""
    if not user_may_draw_cohorts(user):
        return Organisation.objects.none()
    return organisations_visible_to(user).filter(kind=OrganisationKind.COUNTRY_PROJECT)
