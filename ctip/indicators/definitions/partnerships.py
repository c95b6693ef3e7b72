"""Indicators of `partnerships` (INDICATORS.md, PSE-1 to PSE-5).

A record is in scope when its owning organisation (the country project of the engagement) is in
the scope node's subtree. Counting is done in the database; see docs/partnerships.md for the
choices each definition left open.
"""

from django.db.models import Count, Q
from django.utils import timezone

from ctip.core.models import Organisation
from ctip.indicators.periods import Period
from ctip.indicators.registry import Indicator, IndicatorResult, register
from ctip.partnerships import metrics
from ctip.partnerships.models import (
    HEALTH_FACTORS,
    PARTNERSHIP_AGREEMENTS,
    PARTNERSHIP_STAGES,
    ActionLevel,
    Activity,
    ActivityStatus,
    Agreement,
    Engagement,
    PartnerAction,
    Placement,
)

GROUP = "partnerships"
AGREEMENT_KINDS = tuple(kind.value for kind in PARTNERSHIP_AGREEMENTS)


def _engagements(scope: Organisation):
    return Engagement.objects.filter(organisation__path__startswith=scope.path)


def _by_organisation(queryset, field: str) -> dict[str, int]:
    rows = queryset.order_by().values(field).annotate(n=Count("pk", distinct=True)).order_by(field)
    return {row[field]: row["n"] for row in rows}


# --- PSE-1 ----------------------------------------------------------------------------------


def pse1_compute(scope: Organisation, period: Period) -> IndicatorResult:
    agreements = Agreement.objects.filter(
        engagement__organisation__path__startswith=scope.path,
        kind__in=PARTNERSHIP_AGREEMENTS,
        signed_on__gte=period.start,
        signed_on__lte=period.end,
    )
    counts = agreements.aggregate(
        total=Count("pk"),
        **{kind: Count("pk", filter=Q(kind=kind)) for kind in AGREEMENT_KINDS},
    )
    return IndicatorResult(
        value=counts["total"],
        disaggregations={
            "agreement_type": {kind: counts[kind] for kind in AGREEMENT_KINDS},
            "organisation": _by_organisation(agreements, "engagement__organisation__code"),
        },
    )


register(
    Indicator(
        code="PSE-1",
        name="New partnership agreements",
        unit="agreements",
        definition=(
            "Memoranda of understanding and partnership agreements signed in the period "
            "(signed_on in the period), in scope. NDAs are not partnership agreements and are not "
            "counted; each signed agreement counts once, so an MoU followed by a partnership "
            "agreement with the same company counts twice."
        ),
        compute=pse1_compute,
        breakdowns=("agreement_type", "organisation"),
        is_count=False,
        group=GROUP,
    )
)


# --- PSE-2 ----------------------------------------------------------------------------------

LEVELS = tuple(level.value for level in (ActionLevel.HIGH, ActionLevel.MEDIUM, ActionLevel.LOW))


def pse2_compute(scope: Organisation, period: Period) -> IndicatorResult:
    actions = PartnerAction.objects.filter(
        organisation__path__startswith=scope.path, on__gte=period.start, on__lte=period.end
    )
    counts = actions.aggregate(
        total=Count("pk"), **{level: Count("pk", filter=Q(level=level)) for level in LEVELS}
    )
    return IndicatorResult(
        value=counts["total"],
        disaggregations={
            "level": {level: counts[level] for level in LEVELS},
            "organisation": _by_organisation(actions, "organisation__code"),
        },
    )


register(
    Indicator(
        code="PSE-2",
        name="Private-sector actions by level",
        unit="actions",
        definition=(
            "Actions logged with a date in the period, by level. High: a signed MoU or "
            "partnership agreement with the company's resources committed (ctip refuses a high "
            "action without one). Medium: a private-sector/government meeting with an expected "
            "policy change (government present and the change named). Low: meetings, trainings, "
            "events."
        ),
        compute=pse2_compute,
        breakdowns=("level", "organisation"),
        is_count=False,
        group=GROUP,
    )
)


# --- PSE-3 ----------------------------------------------------------------------------------


def pse3_compute(scope: Organisation, period: Period) -> IndicatorResult:
    engagements = _engagements(scope)
    active = metrics.with_stage_at(engagements, period.end).filter(stage_at__in=PARTNERSHIP_STAGES)
    checks = metrics.latest_health_checks(engagements, period.end).select_related(
        "engagement__company", "engagement__organisation"
    )
    means = metrics.factor_means(checks)
    factors = [name for name, _label in HEALTH_FACTORS]
    strengths = dict.fromkeys(factors, 0)
    concerns = dict.fromkeys(factors, 0)
    review = []
    for check in checks:
        check_means = means.get(check.pk, {})
        concerning = []
        for factor in factors:
            mean = check_means.get(factor)
            if mean is None:
                continue
            if mean >= metrics.STRENGTH_AT_LEAST:
                strengths[factor] += 1
            elif mean <= metrics.CONCERN_AT_MOST:
                concerns[factor] += 1
                concerning.append(factor)
        if concerning:
            review.append(
                {
                    "company": check.engagement.company.name,
                    "organisation": check.engagement.organisation.code,
                    "checked_on": check.on.isoformat(),
                    "concerns": {factor: check_means[factor] for factor in concerning},
                }
            )
    checked = len(means)
    review.sort(key=lambda row: (row["organisation"], row["company"]))
    return IndicatorResult(
        value=len(review),
        numerator=len(review),
        denominator=checked,
        disaggregations={"factor_concern": concerns, "factor_strength": strengths},
        review=review,
        detail={"active_partnerships": active.count(), "with_health_check": checked},
    )


register(
    Indicator(
        code="PSE-3",
        name="Partnership health: partnerships with a concern",
        unit="partnerships",
        definition=(
            "Partnerships active at the end of the period, or today while it has not ended "
            "(stage agreement signed, co-creation, implementation or sustained on that date), "
            "with their latest health check on or before that date. Each factor's mean is the "
            "mean of the sides' 1–5 ratings; 4.0 or more is a strength, 2.9 or less a concern. "
            "Value: partnerships with at least one concern, out of those with a health check; "
            "by factor, how many partnerships have it as a strength or as a concern."
        ),
        compute=pse3_compute,
        breakdowns=("factor_concern", "factor_strength"),
        is_count=False,
        group=GROUP,
    )
)


# --- PSE-4 ----------------------------------------------------------------------------------


def _as_at(period: Period):
    """The period's end, or today while the period has not ended (no stalls in the future)."""
    return min(period.end, timezone.localdate())


def pse4_compute(scope: Organisation, period: Period) -> IndicatorResult:
    result = metrics.conversion(_engagements(scope), _as_at(period))
    return IndicatorResult(
        value=result.rate,
        numerator=result.reached_agreement,
        denominator=result.reached_first_meeting,
        detail={"median_days_first_meeting_to_agreement": result.median_days,
                "stalled": result.stalled},
    )  # fmt: skip


register(
    Indicator(
        code="PSE-4",
        name="Pipeline conversion",
        unit="%",
        definition=(
            "As at the end of the period (or today, while it has not ended): of the companies "
            "with an engagement in scope that reached the first meeting (or any later stage; "
            "closing is not reaching), the share that reached a signed agreement, as a "
            "percentage with one decimal. A company engaged by two country projects counts once. "
            "Median days: per engagement, from the first day it reached first meeting to the "
            "first day it reached agreement signed. Stalled: engagements whose last stage change "
            "is 90 days or more before that date (implementation, sustained and closed are never "
            "stalled)."
        ),
        compute=pse4_compute,
        is_count=False,
        group=GROUP,
    )
)


# --- PSE-5 ----------------------------------------------------------------------------------


def _yes_no_unknown(placements, field: str) -> dict[str, int]:
    counts = placements.aggregate(
        yes=Count("job_placement__episode__survivor", distinct=True, filter=Q(**{field: True})),
        no=Count("job_placement__episode__survivor", distinct=True, filter=Q(**{field: False})),
        unknown=Count(
            "job_placement__episode__survivor",
            distinct=True,
            filter=Q(**{f"{field}__isnull": True}),
        ),
    )
    return {"yes": counts["yes"], "no": counts["no"], "not_yet_known": counts["unknown"]}


def pse5_compute(scope: Organisation, period: Period) -> IndicatorResult:
    placements = Placement.objects.filter(
        organisation__path__startswith=scope.path,
        job_placement__start_date__gte=period.start,
        job_placement__start_date__lte=period.end,
    )
    placed = placements.aggregate(n=Count("job_placement__episode__survivor", distinct=True))["n"]
    activities = Activity.objects.filter(
        organisation__path__startswith=scope.path,
        planned_on__gte=period.start,
        planned_on__lte=period.end,
    ).aggregate(
        planned=Count("pk"),
        implemented=Count("pk", filter=Q(status=ActivityStatus.IMPLEMENTED)),
    )
    share = (
        round(100 * activities["implemented"] / activities["planned"], 1)
        if activities["planned"]
        else None
    )
    return IndicatorResult(
        value=placed,
        disaggregations={
            "employed_at_3_months": _yes_no_unknown(
                placements, "job_placement__employed_at_3_months"
            ),
            "employed_at_6_months": _yes_no_unknown(
                placements, "job_placement__employed_at_6_months"
            ),
        },
        detail={
            "activities_planned": activities["planned"],
            "activities_implemented": activities["implemented"],
            "activities_implemented_pct": share,
        },
    )


register(
    Indicator(
        code="PSE-5",
        name="Partnership outcomes: survivors placed, activities implemented",
        unit="survivors",
        definition=(
            "Value: distinct survivors placed through partner companies' job openings whose "
            "placement started in the period, broken down by whether they were still employed at "
            "3 and at 6 months (from the job-placement service; 'not_yet_known' until recorded). "
            "Beside it: co-created activities planned for a date in the period, and how many of "
            "them are implemented (cancelled ones count as planned, not implemented)."
        ),
        compute=pse5_compute,
        breakdowns=("employed_at_3_months", "employed_at_6_months"),
        is_count=True,
        group=GROUP,
    )
)
