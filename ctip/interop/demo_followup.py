"""Demo data of `followup`, added by `build_demo` once survivors and their consents exist:
several years of follow-up history, so retention curves and outcome charts are real.

For every survivor with follow-up consent, the project's schedule (or the long schedule, for
the 50 members of a stratified cohort drawn two years ago with a recorded seed) is played out
from the case opening to today with a seeded generator: reached, not reached, lost (migrants
more often than others), now and then found again; contact routes and the attempts behind each
result; WHO-5, PHQ-9, GAD-7 and the reintegration instrument answered item by item and scored by
the engine (improving for most, flat or worse for some); employment, housing, migrating again
and, rarely, re-trafficking. Recent follow-ups are left overdue now and then, so the worklist
has work. Withdrawn consent cancels what was planned after it.

Rows go in with `bulk_create` (the same rows the services write, encrypted fields and events
included), with one audit entry for the load; the cohort uses the services' own sampling.
"""

import datetime as dt
import json
import random
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from ctip.cases.models import ClosedReason, Consent, ConsentPurpose, Survivor
from ctip.cases.selectors import PII_COLUMNS
from ctip.core.audit import Action, Origin, audit_write
from ctip.core.models import Organisation, OrganisationKind, User
from ctip.followup import scoring
from ctip.followup.dates import add_months
from ctip.followup.models import (
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
    FollowUp,
    FollowupEvent,
    FollowupEventType,
    FollowupResult,
    FollowupSettings,
    FollowupStatus,
    LostReason,
    OutcomeEvent,
    ScheduleKind,
)
from ctip.followup.services import (
    COHORT_ALGORITHM,
    COHORT_STRATA,
    cohort_frame,
    cohort_sample,
    frame_digest,
)

SEED_OFFSET = 404
COHORT_SIZE = 50
COHORT_SEED = 20241115
BATCH = 1000
# Per follow-up: chance of losing contact, by how far from home the survivor is likely to be.
LOSS = {"MM": 0.12, "LA": 0.11, "KH": 0.08, "VN": 0.11, "BD": 0.12, "TH": 0.06, "NP": 0.07}
FOUND_AGAIN = 0.2
NOT_REACHED = 0.15
LOST_REASONS = {
    LostReason.NUMBER_CHANGED: 40,
    LostReason.REMIGRATED: 25,
    LostReason.MOVED: 20,
    LostReason.REFUSED: 10,
    LostReason.OTHER: 5,
}
DESTINATIONS = {"TH": 35, "MY": 25, "KR": 10, "JP": 8, "SA": 7, "AE": 5, "IN": 10}
SUPPORTS = {
    "none": 25,
    "safe_migration": 25,
    "licensed_agency": 15,
    "government_scheme": 10,
    "family_network": 15,
    "broker": 7,
    "unknown": 3,
}
CURRENCY = {"TH": "THB", "KH": "USD", "NP": "NPR"}
INCOME = {"TH": (6000, 15000), "KH": (150, 400), "NP": (12000, 35000)}


def _pick(rng: random.Random, weights: dict) -> str:
    return str(rng.choices(list(weights), weights=list(weights.values()))[0])


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


class Trajectory:
    """One survivor's well-being over time: a starting point and where it heads."""

    def __init__(self, rng: random.Random, forms: list[str]):
        kind = rng.random()
        self.trend = 1.0 if kind < 0.6 else 0.1 if kind < 0.88 else -0.5
        self.who5 = rng.triangular(3, 17, 8)  # raw 0–25
        heavy = bool(set(forms) & {"sexual", "domestic", "forced_marriage"})
        self.phq9 = rng.triangular(4, 25, 15 if heavy else 11)
        self.gad7 = rng.triangular(3, 20, 12 if heavy else 9)
        self.level = rng.uniform(2.0, 3.4)  # reintegration, on the 1–5 answer scale
        self.takes_phq9 = heavy or rng.random() < 0.4
        self.takes_gad7 = rng.random() < 0.2
        self.takes_who5 = rng.random() < 0.8
        self.takes_reintegration = rng.random() < 0.8

    def progress(self, months: float) -> float:
        return self.trend * min(months, 30) / 30


def who5_answers(rng, t: Trajectory, months: float) -> dict:
    raw = t.who5 + 9 * t.progress(months)
    return {str(i): _clamp(raw / 5 + rng.gauss(0, 0.6), 0, 5) for i in range(1, 6)}


def phq9_answers(rng, t: Trajectory, months: float) -> dict:
    total = t.phq9 - 9 * t.progress(months)
    answers = {str(i): _clamp(total / 9 + rng.gauss(0, 0.5), 0, 3) for i in range(1, 9)}
    answers["9"] = 1 if total > 17 and rng.random() < 0.3 else 0
    return answers


def gad7_answers(rng, t: Trajectory, months: float) -> dict:
    total = t.gad7 - 7 * t.progress(months)
    return {str(i): _clamp(total / 7 + rng.gauss(0, 0.5), 0, 3) for i in range(1, 8)}


def reintegration_answers(rng, t: Trajectory, months: float, instrument) -> dict:
    level = t.level + 1.8 * t.progress(months)
    offsets = {"economic": -0.3 + 0.3 * min(months, 24) / 24, "social": 0.2, "psychosocial": 0}
    answers = {}
    for item in instrument.items:
        value = level + offsets[item.dimension] + rng.gauss(0, 0.6)
        answers[item.id] = _clamp(6 - value if item.reverse else value, 1, 5)
    return answers


def _followup_consents() -> dict[int, tuple[dt.date | None, dt.date | None]]:
    """survivor id -> (given on, withdrawn on) from the follow-up consent decisions."""
    decisions: dict[int, list] = defaultdict(list)
    rows = (
        Consent.objects.filter(purpose=ConsentPurpose.FOLLOW_UP)
        .order_by("survivor_id", "decided_on", "id")
        .values_list("survivor_id", "given", "decided_on")
    )
    for survivor_id, given, on in rows:
        decisions[survivor_id].append((given, on))
    result = {}
    for survivor_id, history in decisions.items():
        given_on = next((on for given, on in history if given), None)
        if given_on is None:
            continue
        withdrawn = next((on for given, on in history if not given and on >= given_on), None)
        result[survivor_id] = (given_on, withdrawn)
    return result


def _projects(orgs: dict[str, Organisation]) -> dict[int, Organisation]:
    projects = [o for o in orgs.values() if o.kind == OrganisationKind.COUNTRY_PROJECT]
    return {
        org.pk: next(p for p in projects if org.path.startswith(p.path))
        for org in orgs.values()
        if any(org.path.startswith(p.path) for p in projects)
    }


def _draw_cohort(implementer, today: dt.date, user: User | None) -> tuple[Cohort | None, set]:
    as_of = today - dt.timedelta(days=730)
    frame = cohort_frame(implementer, as_of)
    if not frame:
        return None, set()
    chosen = cohort_sample(frame, COHORT_SIZE, COHORT_SEED)
    cohort = Cohort.objects.create(
        organisation=implementer,
        created_by=user,
        name="Mekong five-to-ten-year cohort",
        size_requested=COHORT_SIZE,
        seed=COHORT_SEED,
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
                joined_on=as_of,
            )
            for index, entry in enumerate(chosen, start=1)
        ]
    )
    return cohort, {entry.survivor_id for entry in chosen}


def build_followup_demo(
    *,
    orgs: dict[str, Organisation],
    users: dict[str, User],
    seed: int,
    origin: Origin | None = None,
    today: dt.date | None = None,
) -> dict[str, int]:
    """Write the follow-up history of the demo survivors; returns counts by table."""
    origin = origin or Origin.cli("demo")
    rng = random.Random(seed + SEED_OFFSET)  # noqa: S311 (reproducible demo data)
    today = today or timezone.localdate()
    catalogue = scoring.shipped()
    instruments = {code: catalogue.instrument(code) for code in catalogue.instruments}
    weights = catalogue.weight_set(instruments["reintegration"])
    projects = _projects(orgs)
    settings = {
        project.pk: FollowupSettings.objects.create(
            organisation=project, lost_after_days=240 if project.code == "np" else 180
        )
        for project in {p.pk: p for p in projects.values()}.values()
    }
    consents = _followup_consents()
    implementer = next(o for o in orgs.values() if o.kind == OrganisationKind.IMPLEMENTER)
    cohort, members = _draw_cohort(implementer, today, users.get("meofficer"))
    survivors = list(
        Survivor.objects.filter(pk__in=list(consents))
        .defer(*PII_COLUMNS)
        .order_by("pk")
        .values_list(
            "pk", "opened_on", "organisation_id", "nationality", "exploitation",
            "case_worker_id", "closed_reason", "closed_on",
        )
    )  # fmt: skip

    followups: list[FollowUp] = []
    plans: list[tuple] = []  # (followup, survivor row, extra) to fill in after the insert
    routes: list[ContactRoute] = []
    states: list[ContactState] = []
    events: list[FollowupEvent] = []
    for row in survivors:
        pk, opened, org_id, nationality, exploitation, worker, closed_reason, closed_on = row
        given_on, withdrawn = consents[pk]
        project = projects.get(org_id)
        if project is None:
            continue
        config = settings[project.pk]
        in_cohort = pk in members
        months = config.cohort_months if in_cohort else config.schedule_months
        kind = ScheduleKind.COHORT if in_cohort else ScheduleKind.STANDARD
        stop = withdrawn
        if closed_reason == ClosedReason.DECEASED and closed_on:
            stop = min(stop, closed_on) if stop else closed_on
        country = project.country
        forms = [f for f in exploitation.split(";") if f]
        trajectory = Trajectory(rng, forms)
        loss = LOSS.get(nationality, 0.09)
        # Routes: own phone mostly, a relative often, a messaging app or an office abroad now
        # and then. Details are made up (and encrypted like real ones).
        kinds = ["own_phone"] if rng.random() < 0.85 else []
        if rng.random() < 0.6:
            kinds.append("relative")
        if rng.random() < 0.3:
            kinds.append("messaging_app")
        if nationality != country and rng.random() < 0.15:
            kinds.append("partner_office")
        if not kinds:
            kinds = ["home_visit"]
        survivor_routes = []
        for route_kind in kinds:
            route = ContactRoute(
                survivor_id=pk,
                organisation_id=org_id,
                created_by_id=worker,
                kind=route_kind,
                detail=f"+{rng.randint(60, 99)} {rng.randint(10, 99)} {rng.randint(100, 999)} "
                f"{rng.randint(1000, 9999)}"
                if route_kind != "home_visit"
                else "",
                label={"relative": rng.choice(["mother", "sister", "uncle", "cousin"])}.get(
                    route_kind, ""
                ),
                country=nationality if route_kind == "partner_office" else "",
            )
            routes.append(route)
            survivor_routes.append(route)

        status, state_since, lost_reason = ContactStatus.IN_CONTACT, given_on, ""
        last_contact = None
        baseline = opened + dt.timedelta(days=rng.randint(0, 10))
        if baseline <= today and rng.random() < 0.6:
            plans.append((None, pk, org_id, worker, baseline, 0.0, trajectory, country, None))
        for month in sorted(set(months)):
            due = add_months(opened, month)
            if due < given_on:
                continue
            followup = FollowUp(
                survivor_id=pk,
                organisation_id=org_id,
                created_by_id=worker,
                month=month,
                schedule=kind,
                due_on=due,
            )
            followups.append(followup)
            if stop and due >= stop:
                followup.status = FollowupStatus.CANCELLED
                followup.cancelled_reason = CancelReason.CONSENT_WITHDRAWN
                continue
            if due > today:
                if status == ContactStatus.LOST:
                    followup.status = FollowupStatus.CANCELLED
                    followup.cancelled_reason = CancelReason.LOST
                continue
            if status == ContactStatus.LOST:
                if rng.random() < FOUND_AGAIN:
                    status, state_since, lost_reason = ContactStatus.IN_CONTACT, due, ""
                    events.append(
                        FollowupEvent(
                            survivor_id=pk, type=FollowupEventType.FOUND, on=due, by_id=worker
                        )
                    )
                else:
                    followup.status = FollowupStatus.CANCELLED
                    followup.cancelled_reason = CancelReason.LOST
                    continue
            recent = (today - due).days < 45
            if recent and rng.random() < 0.45:
                continue  # still to do: overdue on the worklist
            done_on = min(today, due + dt.timedelta(days=rng.randint(-6, 24)))
            roll = rng.random()
            silent = (done_on - (last_contact or given_on)).days >= config.lost_after_days
            if roll < loss or (silent and roll < loss + NOT_REACHED):
                # Lost, or not reached again after the project's silence limit: the rule of
                # `contact_check_lost` would have called it lost here too.
                result = FollowupResult.LOST
                lost_reason = LostReason.UNREACHABLE if roll >= loss else _pick(rng, LOST_REASONS)
                followup.lost_reason = lost_reason
                status, state_since = ContactStatus.LOST, done_on
                events.append(
                    FollowupEvent(
                        survivor_id=pk,
                        type=FollowupEventType.LOST,
                        on=done_on,
                        by_id=worker,
                        data={"reason": lost_reason},
                    )
                )
            elif roll < loss + NOT_REACHED:
                result = FollowupResult.NOT_REACHED
            else:
                result = FollowupResult.REACHED
                last_contact = done_on
            followup.status = FollowupStatus.DONE
            followup.result = result
            followup.done_on = done_on
            followup.recorded_by_id = worker
            plans.append(
                (followup, pk, org_id, worker, done_on, month, trajectory, country,
                 survivor_routes)
            )  # fmt: skip
        states.append(
            ContactState(
                survivor_id=pk,
                status=status,
                since=state_since,
                last_contact_on=last_contact,
                schedule_started_on=given_on,
                lost_reason=lost_reason,
            )
        )
        events.append(
            FollowupEvent(
                survivor_id=pk,
                type=FollowupEventType.SCHEDULE_CREATED,
                on=given_on,
                by_id=worker,
                data={"schedule": kind, "months": list(months), "cancelled": []},
            )
        )
        if in_cohort:
            events.append(
                FollowupEvent(
                    survivor_id=pk,
                    type=FollowupEventType.COHORT_JOINED,
                    on=cohort.as_of,
                    by_id=worker,
                    data={"cohort": cohort.pk, "name": cohort.name},
                )
            )
        if withdrawn:
            events.append(
                FollowupEvent(survivor_id=pk, type=FollowupEventType.STOPPED, on=withdrawn)
            )

    FollowUp.objects.bulk_create(followups, batch_size=BATCH)
    ContactState.objects.bulk_create(states, batch_size=BATCH)

    assessments: list[Assessment] = []
    dimensions: list[tuple[Assessment, dict]] = []
    attempts: list[ContactAttempt] = []
    outcomes: list[OutcomeEvent] = []
    for followup, pk, org_id, worker, on, month, trajectory, country, survivor_routes in plans:
        if followup is not None:
            result = followup.result
            events.append(
                FollowupEvent(
                    survivor_id=pk,
                    type=FollowupEventType.FOLLOWUP_RECORDED,
                    on=on,
                    by_id=worker,
                    data={"followup": str(followup.uuid), "result": result, "month": month},
                )
            )
            tries = 1 if result == FollowupResult.REACHED and rng.random() < 0.6 else 2
            if result == FollowupResult.LOST:
                tries = 3
            for attempt in range(tries):
                route = rng.choice(survivor_routes)
                last = attempt == tries - 1
                outcome = (
                    AttemptResult.REACHED
                    if result == FollowupResult.REACHED and last
                    else AttemptResult.ROUTE_DEAD
                    if result == FollowupResult.LOST and last and route.kind != "home_visit"
                    else AttemptResult.NOT_FOUND
                    if route.kind == "home_visit"
                    else rng.choice([AttemptResult.NO_ANSWER, AttemptResult.MESSAGE_LEFT])
                )
                when = on - dt.timedelta(days=2 * (tries - 1 - attempt))
                attempts.append(
                    ContactAttempt(
                        survivor_id=pk,
                        route=route,
                        route_kind=route.kind,
                        followup=followup,
                        attempted_on=when,
                        result=outcome,
                        by_id=worker,
                    )
                )
                if outcome == AttemptResult.REACHED and (
                    route.last_worked_on is None or when > route.last_worked_on
                ):
                    route.last_worked_on = when
            if result != FollowupResult.REACHED:
                continue
        sheets = []
        if trajectory.takes_who5:
            sheets.append(("who5", who5_answers(rng, trajectory, month)))
        if trajectory.takes_phq9:
            sheets.append(("phq9", phq9_answers(rng, trajectory, month)))
        if trajectory.takes_gad7:
            sheets.append(("gad7", gad7_answers(rng, trajectory, month)))
        if trajectory.takes_reintegration and (month >= 6 or followup is None):
            answers = reintegration_answers(rng, trajectory, month, instruments["reintegration"])
            sheets.append(("reintegration", answers))
        for code, answers in sheets:
            instrument = instruments[code]
            result = scoring.score(
                instrument, answers, country=country, weights=weights if code == "reintegration"
                else None
            )  # fmt: skip
            assessment = Assessment(
                survivor_id=pk,
                organisation_id=org_id,
                created_by_id=worker,
                followup=followup,
                instrument_code=code,
                instrument_version=result.instrument_version,
                weight_set_version=result.weight_set_version,
                outcome=instrument.outcome,
                language="en",
                taken_on=on,
                answers=json.dumps(answers, sort_keys=True),
                score=result.value,
                raw_score=result.raw,
                band=result.band.key if result.band else "",
                cutoff=result.cutoff,
                meets_cutoff=result.meets_cutoff,
                higher_is_better=instrument.higher_is_better,
                mid=instrument.mid,
                first_score=result.value,
            )
            assessments.append(assessment)
            if result.dimensions:
                dimensions.append((assessment, result.dimensions))
        if followup is None:
            continue
        outcomes.extend(_outcomes(rng, pk, org_id, worker, followup, on, country))

    # Sequence and first score per survivor and instrument, in date order.
    series: dict[tuple, list[Assessment]] = defaultdict(list)
    for assessment in assessments:
        series[(assessment.survivor_id, assessment.instrument_code)].append(assessment)
    for items in series.values():
        items.sort(key=lambda a: a.taken_on)
        for index, assessment in enumerate(items, start=1):
            assessment.sequence = index
            assessment.first_score = items[0].score
    # Routes go in after the attempts told when each last worked (the attempts' foreign keys
    # pick up the routes' ids at their own insert).
    ContactRoute.objects.bulk_create(routes, batch_size=BATCH)
    Assessment.objects.bulk_create(assessments, batch_size=BATCH)
    AssessmentDimension.objects.bulk_create(
        [
            AssessmentDimension(assessment=assessment, dimension=key, score=value)
            for assessment, scores in dimensions
            for key, value in scores.items()
        ],
        batch_size=BATCH,
    )
    ContactAttempt.objects.bulk_create(attempts, batch_size=BATCH)
    OutcomeEvent.objects.bulk_create(outcomes, batch_size=BATCH)
    FollowupEvent.objects.bulk_create(events, batch_size=BATCH)
    counts = {
        "followups": len(followups),
        "assessments": len(assessments),
        "attempts": len(attempts),
        "outcome_events": len(outcomes),
        "routes": len(routes),
        "cohort_members": len(members),
    }
    audit_write(
        origin=origin,
        action=Action.IMPORT,
        object_type="demo_followup",
        object_ref=implementer.code,
        organisation_code=implementer.code,
        detail={"seed": seed, "cohort_seed": COHORT_SEED, **counts},
    )
    return counts


def _outcomes(rng, pk, org_id, worker, followup, on, country) -> list[OutcomeEvent]:
    made = []

    def event(kind, **details):
        made.append(
            OutcomeEvent(
                survivor_id=pk,
                organisation_id=org_id,
                created_by_id=worker,
                followup=followup,
                kind=kind,
                occurred_on=on - dt.timedelta(days=rng.randint(0, 20)),
                source=_pick(rng, {"survivor": 80, "family": 12, "partner": 5, "authorities": 3}),
                **details,
            )
        )

    month = followup.month or 0
    if month in (6, 12, 24, 36, 48, 60) and rng.random() < 0.55:
        status = _pick(
            rng,
            {"employed": 35, "self_employed": 25, "unpaid_family": 10, "studying": 8,
             "unemployed": 22},
        )  # fmt: skip
        low, high = INCOME.get(country, (100, 500))
        income = None
        if status in ("employed", "self_employed"):
            income = Decimal(rng.randint(low, high))
        event(
            "employment",
            employment_status=status,
            monthly_income=income,
            income_currency=CURRENCY.get(country, "USD") if income is not None else "",
        )
    if rng.random() < 0.2:
        event(
            "housing",
            housing_status=_pick(
                rng, {"own_or_family": 60, "rented": 25, "temporary": 10, "shelter": 3,
                      "homeless": 2}
            ),
        )  # fmt: skip
    if rng.random() < 0.12:
        event("safety", feels_safe=rng.random() < 0.85)
    if rng.random() < 0.04:
        event(
            "remigrated",
            destination_country=_pick(rng, DESTINATIONS),
            migration_support=_pick(rng, SUPPORTS),
        )
    if rng.random() < 0.006:
        event(rng.choice(["retrafficked", "reexploited"]))
    return made
