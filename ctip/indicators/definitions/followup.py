"""Indicators of `followup` (INDICATORS.md): FUP-1, FUP-2, OUT-1 and OUT-2.

In scope: the survivor's (current) owning organisation is in the scope's subtree. FUP-1, OUT-1
and OUT-2 are conditional aggregates computed in the database (one query for the totals and the
survivor breakdowns, one grouped query for the organisation breakdown). FUP-2 is a
Kaplan–Meier estimate: one grouped query gives each survivor's time to first loss of contact (or
to their last reached follow-up), and the estimator (`ctip.followup.km`) runs over those rows.
"""

import datetime as dt
from typing import Any

from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils.translation import gettext_lazy as _

from ctip.cases.models import Sex, Survivor
from ctip.core.models import Organisation
from ctip.followup.km import at_risk_at, curve_points, kaplan_meier, survival_at
from ctip.followup.models import (
    Assessment,
    AssessmentDimension,
    FollowUp,
    FollowupResult,
    FollowupStatus,
    ScheduleKind,
)
from ctip.followup.scoring import shipped
from ctip.followup.selectors import retention_observations
from ctip.indicators.cache import per_report
from ctip.indicators.dimensions import (
    fold_survivor_cells,
    organisation_units,
    survivor_cells,
    unit_case,
)
from ctip.indicators.periods import Period
from ctip.indicators.registry import Indicator, IndicatorResult, register
from ctip.indicators.tally import aggregate_cells, nest, rate

ON_TIME_DAYS = 30
RETENTION_MONTHS = (6, 12, 24, 36)
HEADLINE_MONTH = 12
PARTITIONS = ("sex", "age_band", "nationality", "exploitation_set")
PEOPLE = ("sex", "age_group", "age_band", "nationality", "exploitation", "organisation")


def _ratio(numerator: int, denominator: int) -> dict[str, Any]:
    return {"value": rate(numerator, denominator), "numerator": numerator,
            "denominator": denominator}  # fmt: skip


def _mean_cell(value: float | None, n: int) -> dict[str, Any]:
    return {"value": round(value, 3) if value is not None else None, "numerator": None,
            "denominator": n}  # fmt: skip


def _drop_empty(cells: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in cells.items() if value.get("denominator")}


@per_report
def _units(scope: Organisation) -> list:
    return organisation_units(scope)


@per_report
def _survivor_values() -> tuple[list[str], list[str]]:
    pairs = Survivor.objects.order_by().values_list("nationality", "exploitation").distinct()
    nationalities = sorted({pair[0] for pair in pairs})
    exploitations = sorted({pair[1] for pair in pairs})
    return nationalities, exploitations


def _partitions(prefix: str, period: Period) -> dict[str, dict[str, Q]]:
    nationalities, exploitations = _survivor_values()
    return survivor_cells(prefix, period.end.year, nationalities, exploitations)


def _ratio_breakdowns(
    queryset: QuerySet, prefix: str, period: Period, numerator: Q
) -> tuple[int, int, dict[str, dict[str, Any]]]:
    """Totals and the survivor-attribute breakdowns of a rate over ``queryset``'s rows, in one
    query: (numerator, denominator, {breakdown: {cell: ratio cell}})."""
    cells: dict[tuple, Any] = {
        ("n", "total", ""): Count("pk", filter=numerator),
        ("d", "total", ""): Count("pk"),
    }
    for breakdown, conditions in _partitions(prefix, period).items():
        for cell, condition in conditions.items():
            cells[("n", breakdown, cell)] = Count("pk", filter=condition & numerator)
            cells[("d", breakdown, cell)] = Count("pk", filter=condition)
    values = aggregate_cells(queryset, cells)
    nums = fold_survivor_cells(nest(values, "n"))
    dens = fold_survivor_cells(nest(values, "d"))
    breakdowns = {
        name: {cell: _ratio(nums[name].get(cell, 0), count) for cell, count in dens[name].items()}
        for name in dens
    }
    breakdowns["nationality"] = _drop_empty(breakdowns["nationality"])
    return values[("n", "total", "")], values[("d", "total", "")], breakdowns


def _ratio_by(queryset: QuerySet, group: Any, numerator: Q, keys: list[str]) -> dict[str, Any]:
    rows = (
        queryset.order_by()
        .values(cell=group)
        .annotate(n=Count("pk", filter=numerator), d=Count("pk"))
    )
    found = {row["cell"]: row for row in rows}
    return _drop_empty(
        {
            key: _ratio(found.get(key, {}).get("n", 0), found.get(key, {}).get("d", 0))
            for key in keys
        }
    )


# --- FUP-1 ------------------------------------------------------------------------------------


def fup1_followups(scope: Organisation, period: Period) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(
        survivor__organisation__path__startswith=scope.path,
        due_on__gte=period.start,
        due_on__lte=period.end,
    ).exclude(status=FollowupStatus.CANCELLED)


def on_time() -> Q:
    window = dt.timedelta(days=ON_TIME_DAYS)
    return Q(
        result=FollowupResult.REACHED,
        done_on__gte=F("due_on") - window,
        done_on__lte=F("due_on") + window,
    )


def fup1(scope: Organisation, period: Period) -> IndicatorResult:
    followups = fup1_followups(scope, period)
    numerator, denominator, breakdowns = _ratio_breakdowns(
        followups, "survivor__", period, on_time()
    )
    units = _units(scope)
    breakdowns["organisation"] = _ratio_by(
        followups,
        unit_case("survivor__organisation_id", units),
        on_time(),
        [unit.code for unit in units],
    )
    months = sorted(
        {m for m in followups.order_by().values_list("month", flat=True) if m is not None}
    )
    by_month = _ratio_by(followups, F("month"), on_time(), months)
    breakdowns["month"] = {str(key): value for key, value in by_month.items()}
    breakdowns["schedule"] = _ratio_by(
        followups, F("schedule"), on_time(), list(ScheduleKind.values)
    )
    return IndicatorResult(
        value=rate(numerator, denominator),
        numerator=numerator,
        denominator=denominator,
        disaggregations={name: breakdowns[name] for name in (*PEOPLE, "month", "schedule")},
    )


# --- FUP-2 ------------------------------------------------------------------------------------


def retention(observations) -> dict[str, Any]:
    """S(t) in percent at 6, 12, 24 and 36 months, with how many were still followed then."""
    pairs = [(o.months, o.lost) for o in observations]
    steps = kaplan_meier(pairs)
    return {
        str(month): {
            "value": round(100 * survival_at(steps, month), 1) if pairs else None,
            "numerator": None,
            "denominator": at_risk_at(pairs, month),
        }
        for month in RETENTION_MONTHS
    }


def retention_curve(observations, months: int = 36) -> list[tuple[int, float | None]]:
    """(month, S(month) in %) for every month from 0: the retention-curve chart's points."""
    return curve_points([(o.months, o.lost) for o in observations], months)


@per_report
def fup2_observations(scope: Organisation, period: Period) -> list:
    survivors = Survivor.objects.filter(
        organisation__path__startswith=scope.path, opened_on__lte=period.end
    )
    return retention_observations(survivors, period.end)


def _headline(observations) -> dict[str, Any]:
    cells = retention(observations)
    cell = cells[str(HEADLINE_MONTH)]
    return {"value": cell["value"], "numerator": None, "denominator": len(observations)}


def fup2(scope: Organisation, period: Period) -> IndicatorResult:
    observations = fup2_observations(scope, period)
    by_month = retention(observations)
    by_sex = {sex: _headline([o for o in observations if o.sex == sex]) for sex in Sex.values}
    units = _units(scope)
    by_unit = {
        unit.code: _headline([o for o in observations if o.organisation_id in unit.ids])
        for unit in units
    }
    return IndicatorResult(
        value=by_month[str(HEADLINE_MONTH)]["value"],
        numerator=None,
        denominator=len(observations),
        disaggregations={
            "months": by_month,
            "sex": _drop_empty(by_sex),
            "organisation": _drop_empty(by_unit),
        },
        detail={
            **{f"at_{month}_months": by_month[str(month)]["value"] for month in RETENTION_MONTHS},
            "lost": sum(1 for o in observations if o.lost),
        },
    )


# --- OUT-1 ------------------------------------------------------------------------------------


def latest_assessments(scope: Organisation, period: Period, outcome: str) -> QuerySet[Assessment]:
    """Each survivor's last assessment on each instrument on or before the period's end."""
    later = Assessment.objects.filter(
        survivor_id=OuterRef("survivor_id"),
        instrument_code=OuterRef("instrument_code"),
        taken_on__lte=period.end,
    ).filter(
        Q(taken_on__gt=OuterRef("taken_on"))
        | Q(taken_on=OuterRef("taken_on"), pk__gt=OuterRef("pk"))
    )
    return Assessment.objects.filter(
        survivor__organisation__path__startswith=scope.path,
        outcome=outcome,
        taken_on__lte=period.end,
    ).filter(~Exists(later))


def improved() -> Q:
    """Better than the first score by at least the instrument's minimal important difference,
    or on the good side of its cut-off (both as stored with the assessment)."""
    by_mid = Q(higher_is_better=True, score__gte=F("first_score") + F("mid")) | Q(
        higher_is_better=False, score__lte=F("first_score") - F("mid")
    )
    return by_mid | Q(meets_cutoff=True)


def out1(scope: Organisation, period: Period) -> IndicatorResult:
    pairs = latest_assessments(scope, period, "wellbeing").filter(sequence__gte=2)
    survivors = (
        pairs.order_by()
        .values(
            "survivor_id",
            "survivor__sex",
            "survivor__birth_year",
            "survivor__nationality",
            "survivor__exploitation",
            "survivor__organisation_id",
        )
        .annotate(pairs=Count("pk"), better=Count("pk", filter=improved()))
    )
    success = Q(pairs=F("better"))
    cells: dict[tuple, Any] = {
        ("n", "total", ""): Count("survivor_id", filter=success),
        ("d", "total", ""): Count("survivor_id"),
    }
    for breakdown, conditions in _partitions("survivor__", period).items():
        for cell, condition in conditions.items():
            cells[("n", breakdown, cell)] = Count("survivor_id", filter=condition & success)
            cells[("d", breakdown, cell)] = Count("survivor_id", filter=condition)
    units = _units(scope)
    for unit in units:
        condition = Q(survivor__organisation_id__in=unit.ids)
        cells[("n", "organisation", unit.code)] = Count("survivor_id", filter=condition & success)
        cells[("d", "organisation", unit.code)] = Count("survivor_id", filter=condition)
    values = aggregate_cells(survivors, cells)
    nums, dens = nest(values, "n"), nest(values, "d")
    folded_n = fold_survivor_cells({k: nums[k] for k in PARTITIONS if k in nums})
    folded_d = fold_survivor_cells({k: dens[k] for k in PARTITIONS if k in dens})
    breakdowns = {
        name: {cell: _ratio(folded_n[name].get(cell, 0), n) for cell, n in folded_d[name].items()}
        for name in folded_d
    }
    breakdowns["nationality"] = _drop_empty(breakdowns["nationality"])
    breakdowns["organisation"] = _drop_empty(
        {
            unit.code: _ratio(nums["organisation"][unit.code], dens["organisation"][unit.code])
            for unit in units
        }
    )
    codes = sorted(set(pairs.order_by().values_list("instrument_code", flat=True)))
    breakdowns["instrument"] = _ratio_by(pairs, F("instrument_code"), improved(), codes)
    numerator, denominator = values[("n", "total", "")], values[("d", "total", "")]
    return IndicatorResult(
        value=rate(numerator, denominator),
        numerator=numerator,
        denominator=denominator,
        disaggregations={name: breakdowns[name] for name in (*PEOPLE, "instrument")},
    )


# --- OUT-2 ------------------------------------------------------------------------------------


def out2(scope: Organisation, period: Period) -> IndicatorResult:
    latest = latest_assessments(scope, period, "reintegration")
    totals = latest.aggregate(
        mean=Avg("score"),
        n=Count("pk"),
        at_or_above=Count("pk", filter=Q(meets_cutoff=True)),
    )
    n = totals["n"]
    by_dimension = {
        row["dimension"]: row
        for row in AssessmentDimension.objects.filter(assessment__in=latest.values("pk"))
        .order_by()
        .values("dimension")
        .annotate(mean=Avg("score"), n=Count("pk"))
    }
    shipped_order = [key for key, _label in shipped().instruments["reintegration"].dimensions]
    order = shipped_order + sorted(set(by_dimension) - set(shipped_order))
    dimensions = {
        key: _mean_cell(by_dimension[key]["mean"], by_dimension[key]["n"])
        for key in order
        if key in by_dimension
    }
    by_sex_rows = {
        row["survivor__sex"]: row
        for row in latest.order_by()
        .values("survivor__sex")
        .annotate(mean=Avg("score"), n=Count("pk"))
    }
    by_sex = {
        sex: _mean_cell(by_sex_rows[sex]["mean"], by_sex_rows[sex]["n"])
        for sex in Sex.values
        if sex in by_sex_rows
    }
    units = _units(scope)
    unit_rows = {
        row["cell"]: row
        for row in latest.order_by()
        .values(cell=unit_case("survivor__organisation_id", units))
        .annotate(mean=Avg("score"), n=Count("pk"))
    }
    by_unit = {
        unit.code: _mean_cell(unit_rows[unit.code]["mean"], unit_rows[unit.code]["n"])
        for unit in units
        if unit.code in unit_rows
    }
    versions = sorted(
        {v for v in latest.order_by().values_list("weight_set_version", flat=True) if v}
    )
    cutoffs = sorted(
        {c for c in latest.order_by().values_list("cutoff", flat=True) if c is not None}
    )
    return IndicatorResult(
        value=round(totals["mean"], 3) if totals["mean"] is not None else None,
        numerator=totals["at_or_above"],
        denominator=n,
        disaggregations={"dimension": dimensions, "sex": by_sex, "organisation": by_unit},
        detail={
            "share_at_or_above_threshold": rate(totals["at_or_above"], n),
            "thresholds": cutoffs,
            "weight_sets": versions,
        },
    )


# --- registration ------------------------------------------------------------------------------

IN_SCOPE = _(
    "In scope: the survivor's owning organisation is in the chosen organisation's subtree (a "
    "site's survivors count for its partner)."
)

register(
    Indicator(
        code="FUP-1",
        name=_("Follow-up completion"),
        unit="%",
        definition=_(
            "Denominator: follow-ups in scope with due_on in the period. Numerator: those with "
            "result = reached and done_on within 30 days of due_on."
        ),
        help=_(
            "Within 30 days means from 30 days before to 30 days after the due date. "
            "Follow-ups cancelled (consent withdrawn, survivor already lost, schedule changed) "
            "are left out; pending, not reached and lost ones stay in the denominator. "
            "%(scope)s The month breakdown is the schedule month (months after case opening); "
            "the schedule breakdown separates the long-term cohort."
        )
        % {"scope": IN_SCOPE},
        compute=fup1,
        breakdowns=(*PEOPLE, "month", "schedule"),
        is_count=False,
        group="followup",
    )
)
register(
    Indicator(
        code="FUP-2",
        name=_("Contact retention"),
        unit="%",
        definition=_(
            "Kaplan–Meier estimate of the probability of still being in contact at 6, 12, 24 "
            "and 36 months after case opening; the event is a follow-up with result = lost "
            "(time = its done_on, or due_on when empty); survivors never lost are censored at "
            "their last reached follow-up."
        ),
        help=_(
            "The value is the estimate at 12 months; 6, 24 and 36 months are beside it and in "
            "the months breakdown, with how many survivors were still followed at each "
            "(fewer than about 10 make the estimate unstable). Survivors in scope whose case "
            "opened by the end of the period, counting what was recorded up to that day. The "
            "event is the first loss of contact: a survivor found again later stays counted as "
            "lost at that first time. Survivors with no reached and no lost follow-up yet add "
            "nothing. Months are average months (30.44 days). %(scope)s"
        )
        % {"scope": IN_SCOPE},
        compute=fup2,
        breakdowns=("months", "sex", "organisation"),
        is_count=False,
        group="followup",
        public_detail=tuple(f"at_{month}_months" for month in RETENTION_MONTHS),
    )
)
register(
    Indicator(
        code="OUT-1",
        name=_("Well-being improved"),
        unit="%",
        definition=_(
            "Among survivors with two or more scores on the same instrument, the last one in or "
            "before the period: the share whose last score is better than their first by at "
            "least the instrument's minimal important difference, or below its threshold."
        ),
        help=_(
            "Well-being instruments only (WHO-5, PHQ-9, GAD-7, GHQ-12; the reintegration "
            "instrument is OUT-2). 'Better' follows the instrument's direction (higher WHO-5, "
            "lower PHQ-9). 'Below its threshold' is read as on the healthy side of the "
            "instrument's cut-off for the survivor's country (WHO-5 above 50, PHQ-9 below 10 "
            "or 9 in Thailand, GAD-7 below 10), as stored with the score. A survivor with two "
            "or more scores on several instruments counts as improved only when this holds on "
            "each of them; the instrument breakdown counts survivors per instrument. %(scope)s"
        )
        % {"scope": IN_SCOPE},
        compute=out1,
        breakdowns=(*PEOPLE, "instrument"),
        is_count=False,
        group="followup",
    )
)
register(
    Indicator(
        code="OUT-2",
        name=_("Reintegration sustainability"),
        unit=_("mean score (0–1)"),
        definition=_(
            "Mean composite score (0–1) of the reintegration instrument at the latest "
            "assessment, and the share at or above the configured threshold; by dimension "
            "(economic, social, psychosocial). Weights come from a versioned configuration file."
        ),
        help=_(
            "Each survivor's latest reintegration assessment on or before the end of the "
            "period. The numerator counts those at or above the threshold configured for the "
            "survivor's country (0.66 unless an organisation set its own), the denominator "
            "those assessed; the share is beside the value. Each score keeps the weight set it "
            "was computed with: the weight sets listed are those of the scores counted. "
            "%(scope)s"
        )
        % {"scope": IN_SCOPE},
        compute=out2,
        breakdowns=("dimension", "sex", "organisation"),
        is_count=False,
        group="followup",
        public_detail=("share_at_or_above_threshold",),
    )
)
