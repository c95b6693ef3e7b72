"""Pipeline measures over a queryset of engagements already cut to a scope (a user's, through
the selectors, or an organisation node's, for the indicators): the funnel, stalls, time in each
stage, the funding horizon, overdue check-ins and health-check summaries.

Counting happens in the database; only medians (which SQLite cannot aggregate) and small
per-record summaries are finished in Python.
"""

import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.db.models import (
    Avg,
    Count,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Lead

from ctip.core.models import Organisation
from ctip.partnerships.models import (
    CONCERN_AT_MOST,
    HEALTH_FACTORS,
    NEVER_STALLED,
    PARTNERSHIP_AGREEMENTS,
    PARTNERSHIP_STAGES,
    PIPELINE,
    STRENGTH_AT_LEAST,
    Engagement,
    EngagementEvent,
    EventType,
    FundingStatus,
    FundingYear,
    HealthCheck,
    HealthRating,
    Stage,
    stages_from,
)

STALLED_AFTER_DAYS = 90


# --- the funnel and the board ---------------------------------------------------------------


def funnel(engagements: QuerySet[Engagement], on: dt.date | None = None) -> list[tuple[str, int]]:
    """For each pipeline stage, how many engagements ever reached it or a later stage (by
    ``on``). One query: conditional distinct counts over the stage events."""
    events = EngagementEvent.objects.filter(engagement__in=engagements.values("pk")).exclude(
        to_stage=""
    )
    if on is not None:
        events = events.filter(on__lte=on)
    counts = events.aggregate(
        **{
            stage: Count("engagement", distinct=True, filter=Q(to_stage__in=stages_from(stage)))
            for stage in PIPELINE
        }
    )
    return [(stage, counts[stage] or 0) for stage in PIPELINE]


def stage_counts(engagements: QuerySet[Engagement]) -> dict[str, int]:
    """How many engagements are in each stage now (closed included)."""
    rows = engagements.order_by().values("stage").annotate(n=Count("pk"))
    counts = {stage: 0 for stage in Stage.values}
    counts.update({row["stage"]: row["n"] for row in rows})
    return counts


def stalled_since(today: dt.date) -> dt.date:
    """An engagement whose last stage change is on or before this date is stalled."""
    return today - dt.timedelta(days=STALLED_AFTER_DAYS)


def stalled(engagements: QuerySet[Engagement], today: dt.date) -> QuerySet[Engagement]:
    """No stage change for 90 days or more (not counting steady states: implementation,
    sustained, closed)."""
    return engagements.exclude(stage__in=NEVER_STALLED).filter(
        stage_since__lte=stalled_since(today)
    )


def is_stalled(engagement: Engagement, today: dt.date) -> bool:
    return engagement.stage not in NEVER_STALLED and engagement.stage_since <= stalled_since(today)


def with_stage_at(engagements: QuerySet[Engagement], on: dt.date) -> QuerySet[Engagement]:
    """Annotate ``stage_at`` and ``since_at``: the stage on ``on`` and since when, from events."""
    last = EngagementEvent.objects.filter(engagement=OuterRef("pk"), on__lte=on).exclude(
        to_stage=""
    )
    last = last.order_by("-on", "-id")
    return engagements.annotate(
        stage_at=Subquery(last.values("to_stage")[:1]),
        since_at=Subquery(last.values("on")[:1]),
    ).filter(stage_at__isnull=False)


def stalled_at(engagements: QuerySet[Engagement], on: dt.date) -> QuerySet[Engagement]:
    return (
        with_stage_at(engagements, on)
        .exclude(stage_at__in=NEVER_STALLED)
        .filter(since_at__lte=stalled_since(on))
    )


def median_days_in_stage(engagements: QuerySet[Engagement]) -> dict[str, float | None]:
    """Median days an engagement stayed in each stage, over completed stays (the next stage
    change ends a stay); the next change is found in the database with a window function."""
    rows = (
        EngagementEvent.objects.filter(engagement__in=engagements.values("pk"))
        .exclude(to_stage="")
        .annotate(
            next_on=Window(
                Lead("on"),
                partition_by=[F("engagement_id")],
                order_by=[F("on").asc(), F("id").asc()],
            )
        )
        .values_list("to_stage", "on", "next_on")
    )
    stays: dict[str, list[int]] = {stage: [] for stage in PIPELINE}
    for stage, start, end in rows:
        if end is not None and stage in stays:
            stays[stage].append((end - start).days)
    return {stage: (statistics.median(days) if days else None) for stage, days in stays.items()}


# --- PSE-4 ----------------------------------------------------------------------------------


@dataclass
class Conversion:
    reached_first_meeting: int
    reached_agreement: int
    median_days: float | None
    stalled: int

    @property
    def rate(self) -> float | None:
        if not self.reached_first_meeting:
            return None
        return round(100 * self.reached_agreement / self.reached_first_meeting, 1)


def _first_reached(engagements: QuerySet[Engagement], stage: str, on: dt.date):
    return (
        EngagementEvent.objects.filter(
            engagement__in=engagements.values("pk"), to_stage__in=stages_from(stage), on__lte=on
        )
        .order_by()
        .values("engagement", "engagement__company")
        .annotate(first=Min("on"))
    )


def conversion(engagements: QuerySet[Engagement], on: dt.date) -> Conversion:
    """PSE-4 as at ``on``: of companies whose engagements reached first meeting, the share
    that reached a signed agreement; median days between the two per engagement; stalls."""
    met = list(_first_reached(engagements, Stage.FIRST_MEETING, on))
    signed = list(_first_reached(engagements, Stage.AGREEMENT_SIGNED, on))
    met_on = {row["engagement"]: row["first"] for row in met}
    days = [
        (row["first"] - met_on[row["engagement"]]).days
        for row in signed
        if row["engagement"] in met_on
    ]
    return Conversion(
        reached_first_meeting=len({row["engagement__company"] for row in met}),
        reached_agreement=len({row["engagement__company"] for row in signed}),
        median_days=statistics.median(days) if days else None,
        stalled=stalled_at(engagements, on).count(),
    )


# --- funding horizon ------------------------------------------------------------------------


def confirmed_through(country_project: Organisation) -> dt.date | None:
    return FundingYear.objects.filter(
        organisation=country_project, status=FundingStatus.CONFIRMED
    ).aggregate(end=Max("ends_on"))["end"]


def confirmed_through_by_project(project_ids) -> dict[int, dt.date | None]:
    rows = (
        FundingYear.objects.filter(organisation_id__in=project_ids, status=FundingStatus.CONFIRMED)
        .order_by()
        .values("organisation_id")
        .annotate(end=Max("ends_on"))
    )
    return {row["organisation_id"]: row["end"] for row in rows}


def with_partnership_end(engagements: QuerySet[Engagement]) -> QuerySet[Engagement]:
    """Annotate ``partnership_ends_on``: the latest end of its MoUs and partnership agreements."""
    return engagements.annotate(
        partnership_ends_on=Max(
            "agreements__ends_on", filter=Q(agreements__kind__in=PARTNERSHIP_AGREEMENTS)
        )
    )


def runs_past_funding(ends_on: dt.date | None, funded_to: dt.date | None) -> bool:
    """A partnership with an end date runs past funding when no confirmed year covers it."""
    if ends_on is None:
        return False
    return funded_to is None or ends_on > funded_to


# --- communication plan ---------------------------------------------------------------------


@dataclass
class CheckInDue:
    engagement: Engagement
    last_on: dt.date | None
    due_on: dt.date
    days_overdue: int


def check_ins_due(engagements: QuerySet[Engagement], today: dt.date) -> list[CheckInDue]:
    """Engagements with a cadence whose next check-in date has passed, most overdue first."""
    rows = (
        engagements.exclude(stage=Stage.CLOSED)
        .filter(check_in_days__isnull=False)
        .annotate(
            last_on=Max("check_ins__on"),
            started_on=Min("events__on", filter=Q(events__type=EventType.CREATED)),
        )
        .select_related("company", "organisation", "lead")
    )
    due = []
    for engagement in rows:
        start = engagement.last_on or engagement.started_on or engagement.created_at.date()
        due_on = start + dt.timedelta(days=engagement.check_in_days)
        if due_on < today:
            due.append(CheckInDue(engagement, engagement.last_on, due_on, (today - due_on).days))
    due.sort(key=lambda item: -item.days_overdue)
    return due


# --- health checks --------------------------------------------------------------------------


@dataclass
class FactorResult:
    factor: str
    label: str
    company: int | None
    project: int | None
    mean: float | None

    @property
    def status(self) -> str:
        if self.mean is None:
            return ""
        if self.mean >= STRENGTH_AT_LEAST:
            return "strength"
        if self.mean <= CONCERN_AT_MOST:
            return "concern"
        return "neutral"


@dataclass
class HealthSummary:
    check: HealthCheck
    factors: list[FactorResult] = field(default_factory=list)

    @property
    def strengths(self) -> list[FactorResult]:
        return [f for f in self.factors if f.status == "strength"]

    @property
    def concerns(self) -> list[FactorResult]:
        return [f for f in self.factors if f.status == "concern"]


def health_summary(check: HealthCheck) -> HealthSummary:
    """Factor means of one check: the mean of the sides' ratings, rounded to one decimal."""
    scores: dict[tuple[str, str], int] = {(r.factor, r.side): r.score for r in check.ratings.all()}
    factors = []
    for name, label in HEALTH_FACTORS:
        company, project = scores.get((name, "company")), scores.get((name, "project"))
        rated = [s for s in (company, project) if s is not None]
        mean = round(sum(rated) / len(rated), 1) if rated else None
        factors.append(FactorResult(name, str(label), company, project, mean))
    return HealthSummary(check, factors)


def latest_health_checks(engagements: QuerySet[Engagement], on: dt.date) -> QuerySet[HealthCheck]:
    """The latest check on or before ``on`` of each partnership active on ``on``."""
    active = with_stage_at(engagements, on).filter(stage_at__in=PARTNERSHIP_STAGES)
    latest = HealthCheck.objects.filter(engagement=OuterRef("engagement"), on__lte=on).order_by(
        "-on", "-id"
    )
    return HealthCheck.objects.filter(
        engagement__in=active.values("pk"), pk=Subquery(latest.values("pk")[:1])
    )


def factor_means(checks: QuerySet[HealthCheck]) -> dict[int, dict[str, float]]:
    """Per check id, per factor: the mean of the sides' ratings (computed in the database)."""
    rows = (
        HealthRating.objects.filter(health_check__in=checks.values("pk"))
        .order_by()
        .values("health_check", "factor")
        .annotate(mean=Avg("score"))
    )
    means: dict[int, dict[str, float]] = {}
    for row in rows:
        means.setdefault(row["health_check"], {})[row["factor"]] = round(float(row["mean"]), 1)
    return means


def next_check_in(engagement: Engagement) -> dt.date | None:
    """When the next check-in is due: the cadence after the last one (or after the start)."""
    if not engagement.check_in_days:
        return None
    last = engagement.check_ins.aggregate(last=Max("on"))["last"]
    if last is None:
        started = engagement.events.filter(type=EventType.CREATED).aggregate(on=Min("on"))["on"]
        last = started or engagement.created_at.date()
    return last + dt.timedelta(days=engagement.check_in_days)
