"""Writes of `followup`. Each validates, saves, appends a `FollowupEvent` and writes the audit
entry (records are named by survivor code, never by PII).

Follow-up needs the survivor's follow-up consent: every write that contacts or plans contact
refuses without it, and `followup_sync` (run daily by `ctip remind`) cancels whatever was still
pending for survivors who withdrew it. The read side (selectors) already hides them the moment
the withdrawal is recorded.
"""

import datetime as dt
import hashlib
import json
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from ctip.cases.models import (
    ClosedReason,
    Consent,
    ConsentPurpose,
    Survivor,
)
from ctip.cases.selectors import PII_COLUMNS
from ctip.core.audit import Action, Origin, audit_write
from ctip.core.countries import ALPHA2
from ctip.core.models import ImportBatch, Organisation, OrganisationKind
from ctip.followup import scoring
from ctip.followup.dates import add_months
from ctip.followup.models import (
    DEFAULT_LOST_AFTER_DAYS,
    Assessment,
    AssessmentDimension,
    AttemptResult,
    CancelReason,
    Cohort,
    CohortMember,
    ContactAttempt,
    ContactRoute,
    ContactState,
    ContactStatus,
    DefinitionKind,
    EmploymentStatus,
    FollowUp,
    FollowupEvent,
    FollowupEventType,
    FollowupResult,
    FollowupSettings,
    FollowupStatus,
    HousingStatus,
    LoadedDefinition,
    LostReason,
    MigrationSupport,
    OutcomeEvent,
    OutcomeKind,
    OutcomeSource,
    RouteKind,
    ScheduleKind,
)
from ctip.followup.selectors import (
    catalogue_for,
    consent_given_on,
    settings_for,
    with_consent,
    without_consent,
)

# A schedule planned for a case that opened long ago starts this many days before the day it was
# first planned: recent due dates show as overdue, years-old ones are not invented.
GRACE_DAYS = 90
# A follow-up recorded without a schedule month (an import) stands for the month whose due date
# is at most this many days away.
SAME_MONTH_DAYS = 15
REACHED_ATTEMPTS = (AttemptResult.REACHED, AttemptResult.REFUSED)
MAX_MONTHS = 240
COHORT_STRATA = ("sex", "exploitation", "country_project")
COHORT_ALGORITHM = "stratified-proportional-v1"
DEFAULT_COHORT_SIZE = 50


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _event(survivor: Survivor, type_: str, origin: Origin, on: dt.date, **data) -> FollowupEvent:
    return FollowupEvent.objects.create(
        survivor=survivor, type=type_, on=on, by=origin.user, data=data
    )


def _audit(origin: Origin, action: str, survivor: Survivor, **detail) -> None:
    audit_write(
        origin=origin,
        action=action,
        object_type="survivor",
        object_ref=survivor.code,
        organisation_code=survivor.organisation.code,
        detail={"area": "followup", **detail},
    )


def _require_consent(survivor: Survivor) -> dt.date:
    given_on = consent_given_on(survivor)
    if given_on is None:
        raise ValidationError(
            _(
                "This survivor has not given follow-up consent (or has withdrawn it): no "
                "follow-up, no contact."
            )
        )
    return given_on


def _state(survivor: Survivor, today: dt.date) -> ContactState:
    state = ContactState.objects.filter(survivor=survivor).first()
    if state is None:
        state = ContactState.objects.create(
            survivor=survivor, since=today, schedule_started_on=today
        )
    return state


# --- settings ---------------------------------------------------------------------------------


def _months(value, name: str, errors: dict) -> list[int]:
    try:
        months = sorted({int(v) for v in value})
    except (TypeError, ValueError):
        errors[name] = _("List whole months, e.g. 1, 3, 6, 12.")
        return []
    if not months or months[0] < 1 or months[-1] > MAX_MONTHS:
        errors[name] = _("Months must be between 1 and %(max)d.") % {"max": MAX_MONTHS}
    return months


@transaction.atomic
def followup_settings_set(
    *,
    origin: Origin,
    organisation: Organisation,
    schedule_months: list[int],
    cohort_months: list[int],
    lost_after_days: int,
    today: dt.date | None = None,
) -> tuple[FollowupSettings, int]:
    """A country project's schedule, cohort schedule and lost-to-follow-up time. When a
    schedule changes, every survivor of the project in follow-up is re-planned at once
    (`schedule_replan`): months the schedule gained are added from today on, pending months it
    lost are cancelled; follow-ups already done keep their place. Returns the settings and how
    many survivors were re-planned."""
    errors: dict = {}
    if organisation.kind != OrganisationKind.COUNTRY_PROJECT:
        errors["organisation"] = _("Follow-up settings belong to a country project.")
    schedule = _months(schedule_months, "schedule_months", errors)
    cohort = _months(cohort_months, "cohort_months", errors)
    if not 30 <= int(lost_after_days) <= 1095:
        errors["lost_after_days"] = _("Between 30 and 1095 days.")
    if errors:
        raise ValidationError(errors)
    before = settings_for(organisation)
    changed = (list(before.schedule_months), list(before.cohort_months)) != (schedule, cohort)
    settings, _created = FollowupSettings.objects.update_or_create(
        organisation=organisation,
        defaults={
            "schedule_months": schedule,
            "cohort_months": cohort,
            "lost_after_days": int(lost_after_days),
            "modified_by": origin.user,
        },
    )
    audit_write(
        origin=origin,
        action=Action.CHANGE,
        object_type="followup_settings",
        object_ref=organisation.code,
        organisation_code=organisation.code,
        detail={"schedule": schedule, "cohort": cohort, "lost_after_days": int(lost_after_days)},
    )
    replanned = schedule_replan(origin=origin, scope=organisation, today=today) if changed else 0
    return settings, replanned


# --- schedules --------------------------------------------------------------------------------


def in_cohort(survivor: Survivor) -> bool:
    return CohortMember.objects.filter(
        survivor=survivor, left_on__isnull=True, cohort__closed_on__isnull=True
    ).exists()


def schedule_for(survivor: Survivor, settings: FollowupSettings | None = None):
    """(months, kind): the cohort's long schedule for members, the project's otherwise."""
    settings = settings or settings_for(survivor.organisation)
    if in_cohort(survivor):
        return list(settings.cohort_months), ScheduleKind.COHORT
    return list(settings.schedule_months), ScheduleKind.STANDARD


def schedule_dates(opened_on: dt.date, months: list[int]) -> list[tuple[int, dt.date]]:
    """Each month's due date, counted from the case opening (never chained)."""
    return [(month, add_months(opened_on, month)) for month in sorted(set(months))]


@transaction.atomic
def schedule_generate(
    *,
    origin: Origin,
    survivor: Survivor,
    today: dt.date | None = None,
    audit: bool = True,
    not_before: dt.date | None = None,
) -> list[FollowUp]:
    """Plan the survivor's follow-ups: create the schedule's missing months, reopen months that
    were cancelled only because consent or the schedule changed, and cancel pending months the
    schedule no longer has. Nothing is planned while the survivor is lost to follow-up (finding
    them again reopens it: `contact_made`). With `not_before` (a schedule changed), no month due
    before that date is created. Returns the follow-ups created or reopened."""
    today = _today(today)
    since = _require_consent(survivor)
    if survivor.closed_reason == ClosedReason.DECEASED:
        raise ValidationError(_("The survivor has died: no follow-up is planned."))
    state = _state(survivor, today)
    if state.status == ContactStatus.LOST:
        return []
    months, kind = schedule_for(survivor)
    followups = list(survivor.followups.all())
    by_month = {f.month: f for f in followups if f.month is not None}
    unscheduled = [
        f.due_on for f in followups if f.month is None and f.status != FollowupStatus.CANCELLED
    ]
    floor = max(since, state.schedule_started_on - dt.timedelta(days=GRACE_DAYS))
    if not_before is not None:
        floor = max(floor, not_before)
    reopen_from = max(since, today)
    touched: list[FollowUp] = []
    for month, due in schedule_dates(survivor.opened_on, months):
        current = by_month.get(month)
        if current is not None:
            if (
                current.status == FollowupStatus.CANCELLED
                and current.cancelled_reason
                in (CancelReason.CONSENT_WITHDRAWN, CancelReason.SCHEDULE_CHANGED)
                and current.due_on >= reopen_from
            ):
                current.status = FollowupStatus.PENDING
                current.cancelled_reason = ""
                current.schedule = kind
                current.save(
                    update_fields=["status", "cancelled_reason", "schedule", "modified_at"]
                )
                touched.append(current)
            elif current.status == FollowupStatus.PENDING and current.schedule != kind:
                current.schedule = kind
                current.save(update_fields=["schedule", "modified_at"])
            continue
        if due < floor:
            continue
        if any(abs((other - due).days) <= SAME_MONTH_DAYS for other in unscheduled):
            continue
        touched.append(
            FollowUp.objects.create(
                survivor=survivor,
                organisation=survivor.organisation,
                created_by=origin.user,
                month=month,
                schedule=kind,
                due_on=due,
            )
        )
    wanted = set(months)
    dropped = [
        f
        for month, f in by_month.items()
        if month not in wanted
        and f.status == FollowupStatus.PENDING
        and f.schedule in (ScheduleKind.STANDARD, ScheduleKind.COHORT)
    ]
    for followup in dropped:
        followup.status = FollowupStatus.CANCELLED
        followup.cancelled_reason = CancelReason.SCHEDULE_CHANGED
        followup.save(update_fields=["status", "cancelled_reason", "modified_at"])
    if touched or dropped:
        _event(
            survivor,
            FollowupEventType.SCHEDULE_CREATED,
            origin,
            today,
            schedule=kind,
            months=[f.month for f in touched],
            cancelled=[f.month for f in dropped],
        )
        if audit:
            _audit(origin, Action.CHANGE, survivor, schedule=kind, planned=len(touched))
    return touched


def schedule_replan(*, origin: Origin, scope: Organisation, today: dt.date | None = None) -> int:
    """Re-plan every survivor of `scope` who is in follow-up (consent in force, not lost, not
    deceased, something still planned) after the project's schedule changed. One audit entry for
    the run. Returns how many survivors were re-planned."""
    today = _today(today)
    in_followup = (
        with_consent(
            Survivor.objects.filter(organisation__path__startswith=scope.path).exclude(
                closed_reason=ClosedReason.DECEASED
            ),
            "pk",
        )
        .exclude(followup_state__status=ContactStatus.LOST)
        .filter(
            Exists(
                FollowUp.objects.filter(survivor_id=OuterRef("pk"), status=FollowupStatus.PENDING)
            )
        )
    )
    ids = list(in_followup.values_list("pk", flat=True))
    for survivor in _in_chunks(ids):
        schedule_generate(
            origin=origin, survivor=survivor, today=today, audit=False, not_before=today
        )
    audit_write(
        origin=origin,
        action=Action.CHANGE,
        object_type="followup_replan",
        object_ref=scope.code,
        organisation_code=scope.code,
        detail={"survivors": len(ids)},
    )
    return len(ids)


@dataclass
class SyncSummary:
    stopped: int = 0  # survivors whose pending follow-ups were cancelled (no consent)
    cancelled: int = 0  # follow-ups cancelled for want of consent
    scheduled: int = 0  # survivors given a schedule (or more of it)
    planned: int = 0  # follow-ups created or reopened
    lost: int = 0  # survivors found unreachable on every route for too long
    codes_lost: list[str] = field(default_factory=list)


@transaction.atomic
def followup_stop_without_consent(
    *, origin: Origin, scope: Organisation | None = None, today: dt.date | None = None
) -> tuple[int, int]:
    """Cancel every pending follow-up of survivors without follow-up consent in force; one
    STOPPED event per survivor. Returns (survivors, follow-ups)."""
    today = _today(today)
    pending = FollowUp.objects.filter(status=FollowupStatus.PENDING)
    if scope is not None:
        pending = pending.filter(survivor__organisation__path__startswith=scope.path)
    pending = without_consent(pending, "survivor_id")
    rows = list(pending.values_list("pk", "survivor_id"))
    if not rows:
        return 0, 0
    FollowUp.objects.filter(pk__in=[pk for pk, _s in rows]).update(
        status=FollowupStatus.CANCELLED,
        cancelled_reason=CancelReason.CONSENT_WITHDRAWN,
        modified_at=timezone.now(),
    )
    counts: dict[int, int] = defaultdict(int)
    for _pk, survivor_id in rows:
        counts[survivor_id] += 1
    FollowupEvent.objects.bulk_create(
        [
            FollowupEvent(
                survivor_id=survivor_id,
                type=FollowupEventType.STOPPED,
                on=today,
                by=origin.user,
                data={"cancelled": n},
            )
            for survivor_id, n in counts.items()
        ]
    )
    return len(counts), len(rows)


def followup_sync(
    *, origin: Origin, scope: Organisation | None = None, today: dt.date | None = None
) -> SyncSummary:
    """The daily housekeeping (`ctip remind` runs it first):

    1. survivors without follow-up consent: pending follow-ups cancelled;
    2. survivors with consent, in contact and with nothing pending: schedule planned or extended;
    3. survivors in contact but unreachable on every route for the project's configured time:
       lost to follow-up.

    One audit entry for the run, not one per survivor.
    """
    today = _today(today)
    summary = SyncSummary()
    summary.stopped, summary.cancelled = followup_stop_without_consent(
        origin=origin, scope=scope, today=today
    )
    survivors = Survivor.objects.exclude(closed_reason=ClosedReason.DECEASED)
    if scope is not None:
        survivors = survivors.filter(organisation__path__startswith=scope.path)
    # Ids first, then the survivors in chunks: the loop writes to the tables the query reads.
    candidates = list(
        with_consent(survivors, "pk")
        .exclude(followup_state__status=ContactStatus.LOST)
        .exclude(
            Exists(
                FollowUp.objects.filter(survivor_id=OuterRef("pk"), status=FollowupStatus.PENDING)
            )
        )
        .values_list("pk", flat=True)
    )
    for survivor in _in_chunks(candidates):
        planned = schedule_generate(origin=origin, survivor=survivor, today=today, audit=False)
        if planned:
            summary.scheduled += 1
            summary.planned += len(planned)
    # Only survivors silent for at least the shortest configured time can have become lost.
    shortest = min(
        [
            DEFAULT_LOST_AFTER_DAYS,
            *FollowupSettings.objects.values_list("lost_after_days", flat=True),
        ]
    )
    silent_since = today - dt.timedelta(days=shortest)
    silent = list(
        with_consent(survivors, "pk")
        .filter(followup_state__status=ContactStatus.IN_CONTACT)
        .filter(
            Q(followup_state__last_contact_on__lte=silent_since)
            | Q(
                followup_state__last_contact_on__isnull=True,
                followup_state__schedule_started_on__lte=silent_since,
            )
        )
        .values_list("pk", flat=True)
    )
    for survivor in _in_chunks(silent):
        if contact_check_lost(origin=origin, survivor=survivor, today=today, audit=False):
            summary.lost += 1
            summary.codes_lost.append(survivor.code)
    audit_write(
        origin=origin,
        action=Action.CHANGE,
        object_type="followup_sync",
        organisation_code=scope.code if scope else "",
        detail={
            "stopped": summary.stopped,
            "cancelled": summary.cancelled,
            "scheduled": summary.scheduled,
            "planned": summary.planned,
            "lost": summary.lost,
        },
    )
    return summary


def _in_chunks(ids: list[int], size: int = 500):
    """Survivors (without their encrypted columns) by id, a chunk at a time."""
    for start in range(0, len(ids), size):
        chunk = (
            Survivor.objects.filter(pk__in=ids[start : start + size])
            .select_related("organisation")
            .defer(*PII_COLUMNS)
            .order_by("pk")
        )
        yield from chunk


@transaction.atomic
def followup_add(
    *, origin: Origin, survivor: Survivor, due_on: dt.date, today: dt.date | None = None
) -> FollowUp:
    """An extra follow-up outside the schedule (e.g. after a worrying call)."""
    today = _today(today)
    _require_consent(survivor)
    if due_on < survivor.opened_on:
        raise ValidationError({"due_on": _("A follow-up cannot fall due before the case opened.")})
    followup = FollowUp.objects.create(
        survivor=survivor,
        organisation=survivor.organisation,
        created_by=origin.user,
        schedule=ScheduleKind.ADDED,
        due_on=due_on,
    )
    _state(survivor, today)
    _event(survivor, FollowupEventType.FOLLOWUP_ADDED, origin, today, due_on=due_on.isoformat())
    _audit(origin, Action.CREATE, survivor, followup=str(followup.uuid))
    return followup


# --- contact: lost and found ------------------------------------------------------------------


def contact_made(
    *, origin: Origin, survivor: Survivor, on: dt.date, today: dt.date | None = None
) -> bool:
    """The survivor was reached on ``on``. A survivor lost to follow-up is found again: the
    follow-ups cancelled when they were lost and not yet due reopen, and the schedule is
    extended. Returns True when they were found again."""
    today = _today(today)
    state = _state(survivor, today)
    found = state.status == ContactStatus.LOST
    if state.last_contact_on is None or on > state.last_contact_on:
        state.last_contact_on = on
    if found:
        state.status = ContactStatus.IN_CONTACT
        state.since = on
        state.lost_reason = ""
    state.save()
    if found:
        reopened = survivor.followups.filter(
            status=FollowupStatus.CANCELLED,
            cancelled_reason=CancelReason.LOST,
            due_on__gte=on,
        ).update(status=FollowupStatus.PENDING, cancelled_reason="", modified_at=timezone.now())
        _event(survivor, FollowupEventType.FOUND, origin, on, reopened=reopened)
        if consent_given_on(survivor) is not None:
            schedule_generate(origin=origin, survivor=survivor, today=today, audit=False)
    return found


def survivor_mark_lost(
    *,
    origin: Origin,
    survivor: Survivor,
    on: dt.date,
    reason: str,
    followup: FollowUp | None = None,
    today: dt.date | None = None,
) -> FollowUp:
    """Lost to follow-up from ``on``: the follow-up that found it out carries result ``lost``
    (the earliest pending one, or a new one when nothing is pending: FUP-2 counts these), and
    every other pending follow-up is cancelled until the survivor is found again."""
    today = _today(today)
    state = _state(survivor, today)
    state.status = ContactStatus.LOST
    state.since = on
    state.lost_reason = reason
    state.save()
    if followup is None:
        pending = survivor.followups.filter(status=FollowupStatus.PENDING)
        followup = pending.order_by("due_on", "id").first()
        if followup is None:
            followup = FollowUp(
                survivor=survivor,
                organisation=survivor.organisation,
                created_by=origin.user,
                schedule=ScheduleKind.ADDED,
                due_on=on,
            )
        followup.status = FollowupStatus.DONE
        followup.result = FollowupResult.LOST
        followup.done_on = on
        followup.lost_reason = reason
        followup.recorded_by = origin.user
        followup.save()
    cancelled = (
        survivor.followups.filter(status=FollowupStatus.PENDING)
        .exclude(pk=followup.pk)
        .update(
            status=FollowupStatus.CANCELLED,
            cancelled_reason=CancelReason.LOST,
            modified_at=timezone.now(),
        )
    )
    _event(
        survivor,
        FollowupEventType.LOST,
        origin,
        on,
        reason=reason,
        followup=str(followup.uuid),
        cancelled=cancelled,
    )
    return followup


def contact_check_lost(
    *,
    origin: Origin,
    survivor: Survivor,
    today: dt.date | None = None,
    audit: bool = True,
) -> bool:
    """Lost to follow-up when, for the project's configured time since the last contact (or
    since follow-up began), every route in use has been tried without reaching the survivor —
    or, with no route at all, follow-ups were tried and not reached."""
    today = _today(today)
    state = ContactState.objects.filter(survivor=survivor).first()
    if state is None or state.status != ContactStatus.IN_CONTACT:
        return False
    settings = settings_for(survivor.organisation)
    reference = state.last_contact_on or state.schedule_started_on or survivor.opened_on
    if (today - reference).days < settings.lost_after_days:
        return False
    failed = list(
        survivor.contact_attempts.filter(attempted_on__gt=reference)
        .exclude(result__in=REACHED_ATTEMPTS)
        .values_list("route_id", flat=True)
    )
    not_reached = survivor.followups.filter(
        result=FollowupResult.NOT_REACHED, done_on__gt=reference
    ).exists()
    if not failed and not not_reached:
        return False
    routes = set(survivor.contact_routes.filter(active=True).values_list("pk", flat=True))
    if routes - set(failed):
        return False
    with transaction.atomic():
        followup = survivor_mark_lost(
            origin=origin, survivor=survivor, on=today, reason=LostReason.UNREACHABLE, today=today
        )
        if audit:
            _audit(origin, Action.CHANGE, survivor, lost=str(followup.uuid))
    return True


# --- recording a follow-up --------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerSheet:
    """One instrument taken at a follow-up: item id -> answer value."""

    instrument: str
    answers: dict
    language: str = ""


@transaction.atomic
def followup_record(
    *,
    origin: Origin,
    followup: FollowUp,
    result: str,
    done_on: dt.date,
    lost_reason: str = "",
    note: str = "",
    sheets: list[AnswerSheet] | tuple = (),
    today: dt.date | None = None,
) -> tuple[FollowUp, list[Assessment]]:
    """Record a follow-up's result; when reached, with the assessments taken (each scored by
    the instrument engine and stored with its versions). Reached means in contact (a survivor
    lost before is found again); lost means lost to follow-up from ``done_on``."""
    today = _today(today)
    survivor = followup.survivor
    errors: dict = {}
    if followup.status != FollowupStatus.PENDING:
        errors["__all__"] = _("This follow-up is no longer pending.")
    elif consent_given_on(survivor) is None:
        errors["__all__"] = _(
            "This survivor has not given follow-up consent (or has withdrawn it): no "
            "follow-up, no contact."
        )
    if result not in FollowupResult.values:
        errors["result"] = _("Choose reached, not reached or lost.")
    if done_on > today:
        errors["done_on"] = _("The date cannot be in the future.")
    elif done_on < survivor.opened_on:
        errors["done_on"] = _("The date cannot be before the case opened.")
    if result == FollowupResult.LOST and lost_reason not in LostReason.values:
        errors["lost_reason"] = _("Say why the survivor is lost to follow-up.")
    if sheets and result != FollowupResult.REACHED:
        errors["__all__"] = _("Assessments are taken only when the survivor was reached.")
    if errors:
        raise ValidationError(errors)
    followup.status = FollowupStatus.DONE
    followup.result = result
    followup.done_on = done_on
    followup.lost_reason = lost_reason if result == FollowupResult.LOST else ""
    followup.note = note
    followup.recorded_by = origin.user
    followup.save()
    catalogue = catalogue_for(survivor.organisation)
    assessments = [
        assessment_record(
            origin=origin,
            survivor=survivor,
            instrument_code=sheet.instrument,
            answers=sheet.answers,
            language=sheet.language,
            taken_on=done_on,
            followup=followup,
            catalogue=catalogue,
            today=today,
            audit=False,
        )
        for sheet in sheets
    ]
    _event(
        survivor,
        FollowupEventType.FOLLOWUP_RECORDED,
        origin,
        done_on,
        followup=str(followup.uuid),
        result=result,
        month=followup.month,
        assessments=[a.instrument_code for a in assessments],
    )
    _audit(
        origin,
        Action.CHANGE,
        survivor,
        followup=str(followup.uuid),
        result=result,
        assessments=[a.instrument_code for a in assessments],
    )
    if result == FollowupResult.REACHED:
        contact_made(origin=origin, survivor=survivor, on=done_on, today=today)
    elif result == FollowupResult.LOST:
        survivor_mark_lost(
            origin=origin,
            survivor=survivor,
            on=done_on,
            reason=lost_reason,
            followup=followup,
            today=today,
        )
    else:
        contact_check_lost(origin=origin, survivor=survivor, today=today, audit=False)
    return followup, assessments


# --- assessments ------------------------------------------------------------------------------


def renumber_assessments(survivor_id: int, instrument_code: str) -> None:
    """Keep ``sequence`` and ``first_score`` right for one survivor and instrument (an older
    assessment may be recorded or imported after newer ones)."""
    rows = list(
        Assessment.objects.filter(survivor_id=survivor_id, instrument_code=instrument_code)
        .order_by("taken_on", "id")
        .only("pk", "score", "sequence", "first_score")
    )
    if not rows:
        return
    first = rows[0].score
    changed = []
    for index, row in enumerate(rows, start=1):
        if row.sequence != index or row.first_score != first:
            row.sequence, row.first_score = index, first
            changed.append(row)
    if changed:
        Assessment.objects.bulk_update(changed, ["sequence", "first_score"])


def assessment_record(
    *,
    origin: Origin,
    survivor: Survivor,
    instrument_code: str,
    taken_on: dt.date,
    answers: dict | None = None,
    score: float | None = None,
    language: str = "",
    followup: FollowUp | None = None,
    catalogue: scoring.Catalogue | None = None,
    import_batch: ImportBatch | None = None,
    today: dt.date | None = None,
    audit: bool = True,
) -> Assessment:
    """Score and store one instrument: from its answers (the usual way), or a total given
    without answers (imports), checked against the instrument's range. The assessment carries
    ``alerts`` (e.g. PHQ-9 item 9) for the page to show; they are not stored."""
    today = _today(today)
    catalogue = catalogue or catalogue_for(survivor.organisation)
    instrument = catalogue.instrument(instrument_code)
    if instrument is None:
        raise ValidationError(
            {"instrument": _("No instrument %(code)s.") % {"code": instrument_code}}
        )
    if taken_on > today:
        raise ValidationError({"taken_on": _("The date cannot be in the future.")})
    country = survivor.organisation.country_code()
    try:
        if answers is not None:
            result = scoring.score(
                instrument, answers, country=country, weights=catalogue.weight_set(instrument)
            )
        elif score is not None:
            result = scoring.score_given(instrument, score, country=country)
        else:
            raise scoring.AnswerError({"": "answers or a score are needed"})
    except scoring.AnswerError as exc:
        messages = [f"{k}: {v}" if k else v for k, v in exc.problems.items()]
        raise ValidationError({"answers": messages}) from exc
    assessment = Assessment.objects.create(
        survivor=survivor,
        organisation=survivor.organisation,
        created_by=origin.user,
        followup=followup,
        instrument_code=instrument.code,
        instrument_version=result.instrument_version,
        weight_set_version=result.weight_set_version,
        outcome=instrument.outcome,
        language=language,
        taken_on=taken_on,
        answers=json.dumps(answers, sort_keys=True) if answers is not None else "",
        score=result.value,
        raw_score=result.raw,
        band=result.band.key if result.band else "",
        cutoff=result.cutoff,
        meets_cutoff=result.meets_cutoff,
        higher_is_better=instrument.higher_is_better,
        mid=instrument.mid,
        first_score=result.value,
        import_batch=import_batch,
    )
    AssessmentDimension.objects.bulk_create(
        [
            AssessmentDimension(assessment=assessment, dimension=key, score=value)
            for key, value in result.dimensions.items()
        ]
    )
    renumber_assessments(survivor.pk, instrument.code)
    assessment.refresh_from_db(fields=["sequence", "first_score"])
    assessment.alerts = result.alerts
    _event(
        survivor,
        FollowupEventType.ASSESSMENT_RECORDED,
        origin,
        taken_on,
        instrument=instrument.code,
        version=result.instrument_version,
        score=result.value,
    )
    if audit:
        _audit(origin, Action.CREATE, survivor, assessment=str(assessment.uuid))
    return assessment


# --- contact routes and attempts --------------------------------------------------------------


def _clean_route(kind: str, country: str, errors: dict) -> str:
    if kind not in RouteKind.values:
        errors["kind"] = _("Choose a route.")
    country = (country or "").upper()
    if country and country not in ALPHA2:
        errors["country"] = _("Not an ISO 3166 country code.")
    return country


@transaction.atomic
def route_add(
    *,
    origin: Origin,
    survivor: Survivor,
    kind: str,
    detail: str = "",
    label: str = "",
    country: str = "",
) -> ContactRoute:
    _require_consent(survivor)
    errors: dict = {}
    country = _clean_route(kind, country, errors)
    if errors:
        raise ValidationError(errors)
    route = ContactRoute.objects.create(
        survivor=survivor,
        organisation=survivor.organisation,
        created_by=origin.user,
        kind=kind,
        detail=detail.strip(),
        label=label.strip(),
        country=country,
    )
    _event(survivor, FollowupEventType.ROUTE_ADDED, origin, timezone.localdate(), kind=kind)
    _audit(origin, Action.CHANGE, survivor, route_added=kind)
    return route


@transaction.atomic
def route_update(
    *, origin: Origin, route: ContactRoute, detail: str, label: str, country: str, active: bool
) -> list[str]:
    _require_consent(route.survivor)
    errors: dict = {}
    country = _clean_route(route.kind, country, errors)
    if errors:
        raise ValidationError(errors)
    changes = {
        "detail": detail.strip(),
        "label": label.strip(),
        "country": country,
        "active": active,
    }
    changed = [name for name, value in changes.items() if getattr(route, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(route, name, changes[name])
    route.retired_on = None if route.active else (route.retired_on or timezone.localdate())
    route.save()
    survivor = route.survivor
    event = FollowupEventType.ROUTE_RETIRED if "active" in changed and not active else None
    _event(
        survivor,
        event or FollowupEventType.ROUTE_CHANGED,
        origin,
        timezone.localdate(),
        kind=route.kind,
        fields=changed,
    )
    _audit(origin, Action.CHANGE, survivor, route_changed=route.kind, fields=changed)
    return changed


@transaction.atomic
def attempt_record(
    *,
    origin: Origin,
    survivor: Survivor,
    attempted_on: dt.date,
    result: str,
    route: ContactRoute | None = None,
    route_kind: str = "",
    followup: FollowUp | None = None,
    note: str = "",
    today: dt.date | None = None,
) -> ContactAttempt:
    """One try to reach the survivor. Reaching them marks the route as working (and finds a
    lost survivor again); a dead number retires the route; otherwise the lost rule is checked."""
    today = _today(today)
    _require_consent(survivor)
    errors: dict = {}
    if route is not None and route.survivor_id != survivor.pk:
        errors["route"] = _("That route belongs to someone else.")
    if route is not None and not route.active:
        errors["route"] = _("That route is no longer in use.")
    kind = route.kind if route is not None else route_kind
    if kind not in RouteKind.values:
        errors["route"] = _("Choose the route you tried.")
    if result not in AttemptResult.values:
        errors["result"] = _("Choose what happened.")
    if attempted_on > today:
        errors["attempted_on"] = _("The date cannot be in the future.")
    elif attempted_on < survivor.opened_on:
        errors["attempted_on"] = _("The date cannot be before the case opened.")
    if followup is not None and followup.survivor_id != survivor.pk:
        errors["followup"] = _("That follow-up belongs to someone else.")
    if errors:
        raise ValidationError(errors)
    attempt = ContactAttempt.objects.create(
        survivor=survivor,
        route=route,
        route_kind=kind,
        followup=followup,
        attempted_on=attempted_on,
        result=result,
        note=note,
        by=origin.user,
    )
    _event(
        survivor,
        FollowupEventType.ATTEMPT_RECORDED,
        origin,
        attempted_on,
        route=kind,
        result=result,
    )
    _audit(origin, Action.CHANGE, survivor, attempt=kind, result=result)
    _state(survivor, today)
    if result in REACHED_ATTEMPTS:
        worked = route.last_worked_on if route is not None else None
        if route is not None and (worked is None or attempted_on > worked):
            route.last_worked_on = attempted_on
            route.save(update_fields=["last_worked_on", "modified_at"])
        contact_made(origin=origin, survivor=survivor, on=attempted_on, today=today)
    else:
        if result == AttemptResult.ROUTE_DEAD and route is not None:
            route.active = False
            route.retired_on = attempted_on
            route.save(update_fields=["active", "retired_on", "modified_at"])
        contact_check_lost(origin=origin, survivor=survivor, today=today, audit=False)
    return attempt


# --- outcome events ---------------------------------------------------------------------------


@transaction.atomic
def outcome_record(
    *,
    origin: Origin,
    survivor: Survivor,
    kind: str,
    occurred_on: dt.date,
    source: str,
    followup: FollowUp | None = None,
    destination_country: str = "",
    migration_support: str = "",
    employment_status: str = "",
    monthly_income=None,
    income_currency: str = "",
    housing_status: str = "",
    feels_safe: bool | None = None,
    note: str = "",
    today: dt.date | None = None,
) -> OutcomeEvent:
    """Re-trafficking or re-exploitation, migrating again (where to, with what support), work
    and income, housing, safety: dated, attributed (recorded by whom, told by whom)."""
    today = _today(today)
    errors: dict = {}
    if kind not in OutcomeKind.values:
        errors["kind"] = _("Choose what happened.")
    if source not in OutcomeSource.values:
        errors["source"] = _("Say who told you.")
    if occurred_on > today:
        errors["occurred_on"] = _("The date cannot be in the future.")
    destination_country = (destination_country or "").upper()
    if kind == OutcomeKind.REMIGRATED:
        if destination_country not in ALPHA2:
            errors["destination_country"] = _("Name the country (ISO code, e.g. MY).")
        if migration_support not in MigrationSupport.values:
            errors["migration_support"] = _("Say with what support (or unknown).")
    if kind == OutcomeKind.EMPLOYMENT:
        if employment_status not in EmploymentStatus.values:
            errors["employment_status"] = _("Say what work the survivor does.")
        if monthly_income is not None and monthly_income < 0:
            errors["monthly_income"] = _("Income cannot be negative.")
        if monthly_income is not None and len(income_currency or "") != 3:
            errors["income_currency"] = _("Give the currency (e.g. THB).")
    if kind == OutcomeKind.HOUSING and housing_status not in HousingStatus.values:
        errors["housing_status"] = _("Say where the survivor lives.")
    if kind == OutcomeKind.SAFETY and feels_safe is None:
        errors["feels_safe"] = _("Say whether the survivor feels safe.")
    if followup is not None and followup.survivor_id != survivor.pk:
        errors["followup"] = _("That follow-up belongs to someone else.")
    if errors:
        raise ValidationError(errors)
    event = OutcomeEvent.objects.create(
        survivor=survivor,
        organisation=survivor.organisation,
        created_by=origin.user,
        followup=followup,
        kind=kind,
        occurred_on=occurred_on,
        source=source,
        destination_country=destination_country if kind == OutcomeKind.REMIGRATED else "",
        migration_support=migration_support if kind == OutcomeKind.REMIGRATED else "",
        employment_status=employment_status if kind == OutcomeKind.EMPLOYMENT else "",
        monthly_income=monthly_income if kind == OutcomeKind.EMPLOYMENT else None,
        income_currency=(income_currency or "").upper() if kind == OutcomeKind.EMPLOYMENT else "",
        housing_status=housing_status if kind == OutcomeKind.HOUSING else "",
        feels_safe=feels_safe if kind == OutcomeKind.SAFETY else None,
        note=note,
    )
    _event(survivor, FollowupEventType.OUTCOME_RECORDED, origin, occurred_on, kind=kind)
    _audit(origin, Action.CREATE, survivor, outcome=kind, event=str(event.uuid))
    return event


# --- the long-term cohort ---------------------------------------------------------------------


@dataclass(frozen=True)
class FrameEntry:
    survivor_id: int
    code: str
    stratum: str


def _project_codes(scope: Organisation) -> dict[str, str]:
    """Organisation path prefix of each country project in or above ``scope`` -> its code."""
    ancestors = [int(p) for p in scope.path.strip("/").split("/") if p]
    projects = Organisation.objects.filter(kind=OrganisationKind.COUNTRY_PROJECT).filter(
        Q(path__startswith=scope.path) | Q(pk__in=ancestors)
    )
    return {project.path: project.code for project in projects}


def cohort_frame(organisation: Organisation, as_of: dt.date) -> list[FrameEntry]:
    """Everyone who could be drawn on ``as_of``: survivors of the subtree whose case had opened,
    who were alive, and whose follow-up consent (as decided by then) was given; each with
    their stratum (sex | first form of exploitation | country project), ordered by code."""
    latest = Consent.objects.filter(
        survivor_id=OuterRef("pk"), purpose=ConsentPurpose.FOLLOW_UP, decided_on__lte=as_of
    ).order_by("-decided_on", "-id")
    rows = (
        Survivor.objects.filter(
            organisation__path__startswith=organisation.path, opened_on__lte=as_of
        )
        .exclude(closed_reason=ClosedReason.DECEASED, closed_on__lte=as_of)
        .annotate(consent_then=Subquery(latest.values("given")[:1]))
        .filter(consent_then=True)
        .order_by("code")
        .values_list("pk", "code", "sex", "exploitation", "organisation__path")
    )
    projects = _project_codes(organisation)
    frame = []
    for pk, code, sex, exploitation, path in rows:
        forms = [form for form in exploitation.split(";") if form]
        project = next((c for p, c in projects.items() if path.startswith(p)), "none")
        frame.append(FrameEntry(pk, code, f"{sex}|{forms[0] if forms else 'unknown'}|{project}"))
    return frame


def frame_digest(frame: list[FrameEntry]) -> str:
    text = "\n".join(f"{entry.code}\t{entry.stratum}" for entry in frame)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cohort_allocate(sizes: dict[str, int], size: int) -> dict[str, int]:
    """Proportional allocation by largest remainder: each stratum gets ⌊size·N_h/N⌋ or one more;
    the extra places go to the largest remainders (ties: the larger stratum, then key order)."""
    total = sum(sizes.values())
    size = min(size, total)
    if total == 0:
        return {key: 0 for key in sizes}
    quotas = {key: size * n / total for key, n in sizes.items()}
    allocation = {key: int(quota) for key, quota in quotas.items()}
    left = size - sum(allocation.values())
    order = sorted(sizes, key=lambda key: (-(quotas[key] - allocation[key]), -sizes[key], key))
    for key in order[:left]:
        allocation[key] += 1
    return allocation


def cohort_sample(frame: list[FrameEntry], size: int, seed: int) -> list[FrameEntry]:
    """The draw: strata in key order, each sampled without replacement from its members in code
    order, all from one generator seeded with ``seed``. Same frame + same seed = same cohort."""
    rng = random.Random(seed)  # noqa: S311 (a reproducible draw, not a secret)
    strata: dict[str, list[FrameEntry]] = defaultdict(list)
    for entry in sorted(frame, key=lambda e: e.code):
        strata[entry.stratum].append(entry)
    allocation = cohort_allocate({key: len(members) for key, members in strata.items()}, size)
    chosen: list[FrameEntry] = []
    for key in sorted(strata):
        chosen.extend(rng.sample(strata[key], allocation[key]))
    return chosen


@transaction.atomic
def cohort_draw(
    *,
    origin: Origin,
    organisation: Organisation,
    name: str,
    size: int = DEFAULT_COHORT_SIZE,
    seed: int | None = None,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
) -> Cohort:
    """Draw a long-term cohort by stratified random sample (sex, form of exploitation, country
    project) with a recorded seed; members move to the long schedule (to ten years)."""
    today = _today(today)
    as_of = as_of or today
    errors: dict = {}
    if organisation.kind not in (OrganisationKind.IMPLEMENTER, OrganisationKind.COUNTRY_PROJECT):
        errors["organisation"] = _("Cohorts are drawn for an implementer or a country project.")
    if not 1 <= size <= 1000:
        errors["size"] = _("Between 1 and 1000 survivors.")
    if as_of > today:
        errors["as_of"] = _("The date cannot be in the future.")
    if not name.strip():
        errors["name"] = _("Give the cohort a name.")
    if errors:
        raise ValidationError(errors)
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    frame = cohort_frame(organisation, as_of)
    if not frame:
        raise ValidationError(_("Nobody can be drawn: no survivor here has follow-up consent."))
    chosen = cohort_sample(frame, size, seed)
    cohort = Cohort.objects.create(
        organisation=organisation,
        created_by=origin.user,
        name=name.strip(),
        size_requested=size,
        seed=seed,
        as_of=as_of,
        strata=",".join(COHORT_STRATA),
        algorithm=COHORT_ALGORITHM,
        frame_size=len(frame),
        frame_sha256=frame_digest(frame),
    )
    CohortMember.objects.bulk_create(
        [
            CohortMember(
                cohort=cohort,
                survivor_id=entry.survivor_id,
                stratum=entry.stratum,
                draw_order=index,
                joined_on=today,
            )
            for index, entry in enumerate(chosen, start=1)
        ]
    )
    FollowupEvent.objects.bulk_create(
        [
            FollowupEvent(
                survivor_id=entry.survivor_id,
                type=FollowupEventType.COHORT_JOINED,
                on=today,
                by=origin.user,
                data={"cohort": cohort.pk, "name": cohort.name},
            )
            for entry in chosen
        ]
    )
    audit_write(
        origin=origin,
        action=Action.CREATE,
        object_type="cohort",
        object_ref=str(cohort.uuid),
        organisation_code=organisation.code,
        detail={
            "seed": seed,
            "size": len(chosen),
            "frame": len(frame),
            "as_of": as_of.isoformat(),
            "frame_sha256": cohort.frame_sha256,
        },
    )
    members = (
        with_consent(Survivor.objects.filter(pk__in=[e.survivor_id for e in chosen]), "pk")
        .exclude(closed_reason=ClosedReason.DECEASED)
        .select_related("organisation")
        .defer(*PII_COLUMNS)
    )
    for survivor in members:
        schedule_generate(origin=origin, survivor=survivor, today=today, audit=False)
    return cohort


@dataclass(frozen=True)
class CohortCheck:
    frame_matches: bool
    members_match: bool
    frame_size: int

    @property
    def ok(self) -> bool:
        return self.frame_matches and self.members_match


def cohort_verify(cohort: Cohort) -> CohortCheck:
    """Draw again from the frame as of the cohort's date with its seed: the same people?"""
    frame = cohort_frame(cohort.organisation, cohort.as_of)
    again = cohort_sample(frame, cohort.size_requested, cohort.seed)
    drawn = list(cohort.members.order_by("draw_order").values_list("survivor_id", flat=True))
    return CohortCheck(
        frame_matches=frame_digest(frame) == cohort.frame_sha256,
        members_match=[entry.survivor_id for entry in again] == drawn,
        frame_size=len(frame),
    )


# --- definitions an organisation loads --------------------------------------------------------


@transaction.atomic
def definition_load(
    *, origin: Origin, organisation: Organisation, content: bytes | str, file_name: str = ""
) -> LoadedDefinition:
    """Load an organisation's own definition file (licensed item wording, a weight set, an
    instrument of its own or a translated one). It is checked against what it belongs to
    before it is kept, and replaces the organisation's earlier file of the same kind and code.
    """
    try:
        data = scoring.read_json(content)
        definition = scoring.parse(data)
    except scoring.InstrumentError as exc:
        raise ValidationError(exc.problems) from exc
    catalogue = catalogue_for(organisation)
    problems: list[str] = []
    if isinstance(definition, scoring.LicensedItems):
        kind, code, version = DefinitionKind.LICENSED_ITEMS, definition.for_code, definition.version
        users = [i for i in catalogue.instruments.values() if i.licensed_items == code]
        if not users:
            problems.append(_("No instrument uses licensed wording %(code)s.") % {"code": code})
        for instrument in users:
            try:
                scoring.attach_items(instrument, definition)
            except scoring.InstrumentError as exc:
                problems.extend(exc.problems)
    elif isinstance(definition, scoring.WeightSet):
        kind, code, version = DefinitionKind.WEIGHTS, definition.code, definition.version
        users = [i for i in catalogue.instruments.values() if i.weights_code == code]
        if not users:
            problems.append(_("No instrument uses weight set %(code)s.") % {"code": code})
        for instrument in users:
            keys = [key for key, _label in instrument.dimensions]
            missing = [key for key in keys if key not in definition.weights]
            if missing:
                problems.append(
                    _("The weights miss the dimensions %(dims)s.") % {"dims": ", ".join(missing)}
                )
    else:
        kind, code, version = DefinitionKind.INSTRUMENT, definition.code, definition.version
        if definition.weights_code and definition.weights_code not in catalogue.weights:
            problems.append(
                _("Load the weight set %(code)s first.") % {"code": definition.weights_code}
            )
    if problems:
        raise ValidationError(problems)
    LoadedDefinition.objects.filter(
        organisation=organisation, kind=kind, code=code, active=True
    ).update(active=False)
    loaded, _created = LoadedDefinition.objects.update_or_create(
        organisation=organisation,
        kind=kind,
        code=code,
        version=version,
        defaults={
            "content": data,
            "sha256": definition.sha256,
            "file_name": file_name[:255],
            "active": True,
            "loaded_by": origin.user,
        },
    )
    audit_write(
        origin=origin,
        action=Action.IMPORT,
        object_type="instrument_definition",
        object_ref=f"{kind}:{code}:{version}"[:80],
        organisation_code=organisation.code,
        detail={"sha256": definition.sha256, "file": file_name[:100]},
    )
    return loaded


# --- imports ----------------------------------------------------------------------------------


def scheduled_month(survivor: Survivor, due_on: dt.date, taken: set[int]) -> int | None:
    """The schedule month whose due date is within SAME_MONTH_DAYS of ``due_on`` (the nearest,
    among months not ``taken``), or None."""
    months, _kind = schedule_for(survivor)
    best = None
    for month, due in schedule_dates(survivor.opened_on, months):
        gap = abs((due - due_on).days)
        if month not in taken and gap <= SAME_MONTH_DAYS and (best is None or gap < best[0]):
            best = (gap, month)
    return best[1] if best else None


def followup_import(
    *,
    origin: Origin,
    survivor: Survivor,
    ref: str,
    due_on: dt.date,
    result: str,
    done_on: dt.date | None,
    instrument: str = "",
    score: float | None = None,
    target: FollowUp | None = None,
    import_batch: ImportBatch | None = None,
    today: dt.date | None = None,
) -> FollowUp:
    """One row of `ctip import followups`: create the follow-up, or update ``target`` (the
    follow-up with this ref, or the scheduled one of the same month). A result marks it done
    (lost with reason "not recorded"); an instrument and score add an assessment (the total
    only: imported scores carry no answers). Contact state follows as if recorded by hand; the
    importer calls this in date order. The importer writes one audit entry for the file."""
    today = _today(today)
    followup = target or FollowUp(
        survivor=survivor,
        organisation=survivor.organisation,
        created_by=origin.user,
        schedule=ScheduleKind.IMPORTED,
    )
    if followup.month is None and followup.pk is None:
        taken = set(survivor.followups.exclude(month=None).values_list("month", flat=True))
        followup.month = scheduled_month(survivor, due_on, taken)
    followup.ref = ref
    followup.due_on = due_on
    followup.import_batch = import_batch
    if result:
        followup.status = FollowupStatus.DONE
        followup.result = result
        followup.done_on = done_on
        followup.lost_reason = (
            (followup.lost_reason or LostReason.NOT_RECORDED)
            if result == FollowupResult.LOST
            else ""
        )
        followup.cancelled_reason = ""
    else:
        followup.status = FollowupStatus.PENDING
        followup.result = ""
        followup.done_on = None
        followup.lost_reason = ""
    followup.save()
    if instrument:
        existing = followup.assessments.filter(instrument_code=instrument).first()
        if existing is None or existing.score != score or existing.taken_on != done_on:
            if existing is not None:
                existing.delete()
            assessment_record(
                origin=origin,
                survivor=survivor,
                instrument_code=instrument,
                score=score,
                taken_on=done_on,
                followup=followup,
                import_batch=import_batch,
                today=today,
                audit=False,
            )
    _state(survivor, today)
    _event(
        survivor,
        FollowupEventType.IMPORTED,
        origin,
        done_on or due_on,
        followup=str(followup.uuid),
        result=result,
    )
    if result == FollowupResult.REACHED:
        contact_made(origin=origin, survivor=survivor, on=done_on, today=today)
    elif result == FollowupResult.LOST:
        survivor_mark_lost(
            origin=origin,
            survivor=survivor,
            on=done_on,
            reason=followup.lost_reason,
            followup=followup,
            today=today,
        )
    return followup
