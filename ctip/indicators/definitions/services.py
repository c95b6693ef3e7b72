"""Indicators of `services` (INDICATORS.md): SRV-1, SRV-2, SRV-3, REF-0, REF-1, REF-2, GOV-1,
CAP-1 and OUT-3.

Everything is computed in the database. Episode indicators share one query of per-survivor
facts (`episode_facts`): survivors with an eligible episode active in the period, each with
how many such episodes they had, how many from government providers, per category, … ; one
outer aggregate turns those rows into every cell of every breakdown. The organisation
breakdown (`episode_units`), the SRV-3 review list and the referral indicators have queries of
their own. Inside a report (`cache.shared_queries`) each of these runs once.
"""

import math
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.utils.translation import gettext_lazy as _

from ctip.cases.models import CaseStatus, LivelihoodInterest, StatedInterest, Survivor
from ctip.core.models import Organisation, ProviderType, Role, User
from ctip.indicators.cache import per_report
from ctip.indicators.dimensions import (
    AGE_BANDS,
    SURVIVOR_BREAKDOWNS,
    UNKNOWN,
    age_band_case,
    age_group_of_band,
    fold_survivor_cells,
    organisation_units,
    provider_type_cells,
    survivor_cells,
    unit_case,
)
from ctip.indicators.periods import Period
from ctip.indicators.registry import Indicator, IndicatorResult, register
from ctip.indicators.tally import aggregate_cells, nest, rate
from ctip.services.models import (
    EpisodeStatus,
    Referral,
    ReferralStatus,
    ServiceCategory,
    ServiceType,
)

GOVERNMENT = ProviderType.GOVERNMENT
# The survivor-attribute breakdowns the queries count (see dimensions.survivor_cells).
PARTITIONS = ("sex", "age_band", "nationality", "exploitation_set")
LIVELIHOOD = ServiceCategory.LIVELIHOOD
# Stated interests that name a livelihood service type; the others (education, farming, …)
# never match one (OUT-3).
MATCHING_INTERESTS = [
    LivelihoodInterest.SKILLS_TRAINING,
    LivelihoodInterest.JOB_PLACEMENT,
    LivelihoodInterest.BUSINESS_SUPPORT,
]
# SRV-3: survivors above the 99th percentile or above this many episodes are listed for review.
REVIEW_ABOVE = 15
# SRV-3's distribution is counted exactly up to this many episodes per survivor in the shared
# query. That is enough: the review threshold min(p99, 15) is never above 15, so whenever a
# survivor has more, the review query lists them all, with their exact counts.
HISTOGRAM_MAX = REVIEW_ABOVE
EPISODE_BINS = (("1", 1, 1), ("2", 2, 2), ("3", 3, 3), ("4-5", 4, 5), ("6-10", 6, 10))
EPISODE_BINS += (("11-15", 11, 15), ("16+", 16, None))
DAY_BINS = (("0-7", 0, 7), ("8-14", 8, 14), ("15-30", 15, 30), ("31-60", 31, 60))
DAY_BINS += (("61+", 61, None),)
STARTED = [ReferralStatus.SERVICE_STARTED, ReferralStatus.COMPLETED]
NOT_DISCONTINUED = [s for s in EpisodeStatus.values if s != EpisodeStatus.DISCONTINUED]
# Positive lists, not negations: a negated condition across a relation becomes a subquery.
COUNTED_REFERRALS = [s for s in ReferralStatus.values if s != ReferralStatus.WITHDRAWN]

COMMON_READING = _(
    "In scope means the record's owning organisation is in the chosen organisation's subtree "
    "(a site's records count for its partner). Age is the age at the end of the period, from "
    "the birth year. A survivor with two forms of exploitation is counted in both cells, as "
    "one with records at two partners, in two categories or with two provider types is "
    "counted in each: those breakdowns add up to more than the total; the others add up to it."
)
ACTIVE_READING = _(
    "Active in the period: started on or before its last day and not ended before its first. "
    "A discontinued episode carries its end date, so 'discontinued before the period began' "
    "is the same as ended before it; a discontinued episode with no end date counts only in "
    "the period it started, because nobody can tell when it stopped."
)


# --- shared conditions -----------------------------------------------------------------------


def active_condition(period: Period, prefix: str = "") -> Q:
    """Episodes active in ``period`` (INDICATORS.md's "active in period", as read in
    ACTIVE_READING)."""
    p = prefix
    return Q(**{f"{p}started_on__lte": period.end}) & (
        Q(**{f"{p}ended_on__gte": period.start})
        | Q(**{f"{p}ended_on__isnull": True})
        & (Q(**{f"{p}status__in": NOT_DISCONTINUED}) | Q(**{f"{p}started_on__gte": period.start}))
    )


def episode_condition(scope: Organisation, period: Period, prefix: str = "") -> Q:
    """Eligible episodes owned in ``scope``'s subtree, active in ``period``."""
    p = prefix
    return Q(
        **{
            f"{p}organisation__path__startswith": scope.path,
            f"{p}service_type__counts_as_service": True,
        }
    ) & active_condition(period, prefix)


def sent_in(period: Period) -> Q:
    return Q(sent_on__gte=period.start, sent_on__lte=period.end)


def referral_condition(scope: Organisation, period: Period, prefix: str = "") -> Q:
    """Referrals owned in ``scope``'s subtree, sent in ``period``, not withdrawn."""
    p = prefix
    return Q(
        **{
            f"{p}organisation__path__startswith": scope.path,
            f"{p}sent_on__gte": period.start,
            f"{p}sent_on__lte": period.end,
        }
    ) & Q(**{f"{p}status__in": COUNTED_REFERRALS})


def interest_matches(period: Period, survivor: str, service_code: str) -> Exists:
    """The survivor stated (on or before the period's end) the interest this service meets."""
    return Exists(
        StatedInterest.objects.filter(
            survivor_id=OuterRef(survivor),
            interest=OuterRef(service_code),
            interest__in=MATCHING_INTERESTS,
            stated_on__lte=period.end,
        )
    )


@per_report
def survivor_values() -> tuple[list[str], list[str]]:
    """Every nationality and every set of forms of exploitation recorded: the candidate cells
    of those breakdowns (one small grouped query; empty cells are dropped from the output)."""
    pairs = Survivor.objects.order_by().values_list("nationality", "exploitation").distinct()
    nationalities, exploitations = set(), set()
    for nationality, exploitation in pairs:
        nationalities.add(nationality)
        exploitations.add(exploitation)
    return sorted(nationalities), sorted(exploitations)


def partition_cells(period: Period) -> dict[str, dict[str, Q]]:
    nationalities, exploitations = survivor_values()
    return survivor_cells("", period.end.year, nationalities, exploitations)


@per_report
def units(scope: Organisation) -> list:
    return organisation_units(scope)


def ratio_cell(numerator: int, denominator: int, **extra) -> dict[str, Any]:
    return {"value": rate(numerator, denominator), "numerator": numerator,
            "denominator": denominator, **extra}  # fmt: skip


def drop_empty(cells: dict[str, Any], *, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """Dynamic breakdowns (nationality, organisation) list only cells with something in them."""

    def empty(value) -> bool:
        return value == 0 or (isinstance(value, dict) and not value.get("denominator"))

    return {cell: value for cell, value in cells.items() if cell in keep or not empty(value)}


# --- episodes: one query of per-survivor facts -----------------------------------------------


@dataclass
class EpisodeFacts:
    values: dict  # (measure, breakdown, cell) -> n; (measure, "total", "") for totals
    histogram: dict[int, int]  # episodes per survivor (1..HISTOGRAM_MAX) -> survivors
    over: int  # survivors with more than HISTOGRAM_MAX episodes
    max: int
    livelihood_types: list[str]

    def total(self, measure: str) -> int:
        return self.values[(measure, "total", "")]

    def breakdowns(self, measure: str) -> dict[str, dict[str, int]]:
        return folded(self.values, measure)


def folded(values: dict, measure: str) -> dict[str, dict[str, int]]:
    """One measure's cells: survivor-attribute partitions folded into the breakdowns shown,
    record breakdowns (category, provider type, …) as counted."""
    nested = nest(values, measure)
    nested.pop("total", None)
    partitions = {name: nested.pop(name) for name in PARTITIONS if name in nested}
    return {**fold_survivor_cells(partitions), **nested}


@per_report
def episode_facts(scope: Organisation, period: Period) -> EpisodeFacts:
    """One query: each survivor with an eligible episode active in the period (in scope) is a
    row of the inner query, carrying their counts; the outer aggregate tallies every cell."""
    e = "episodes__"
    government = Q(episodes__provider__provider_type=GOVERNMENT)
    livelihood = Q(episodes__service_type__category=LIVELIHOOD)
    matched = livelihood & Q(interest_matches(period, "pk", "episodes__service_type__code"))
    categories = ServiceCategory.values
    provider_types = provider_type_cells(f"{e}provider__provider_type")
    livelihood_types = list(
        ServiceType.objects.filter(category=LIVELIHOOD, counts_as_service=True)
        .order_by("position", "code")
        .values_list("code", flat=True)
    )
    per_survivor = {
        "n": Count("episodes"),
        "g": Count("episodes", filter=government),
        "liv": Count("episodes", filter=livelihood),
        "match": Count("episodes", filter=matched),
    }
    for i, category in enumerate(categories):
        in_category = Q(episodes__service_type__category=category)
        per_survivor[f"c{i}"] = Count("episodes", filter=in_category)
        per_survivor[f"gc{i}"] = Count("episodes", filter=in_category & government)
    for j, condition in enumerate(provider_types.values()):
        per_survivor[f"p{j}"] = Count("episodes", filter=condition)
    for k, code in enumerate(livelihood_types):
        of_type = Q(episodes__service_type__code=code)
        per_survivor[f"l{k}"] = Count("episodes", filter=of_type)
        per_survivor[f"lm{k}"] = Count("episodes", filter=of_type & matched)
    rows = (
        Survivor.objects.filter(episode_condition(scope, period, e))
        .order_by()
        .values("pk", "sex", "birth_year", "nationality", "exploitation")
        .annotate(**per_survivor)
    )
    has_livelihood, has_match = Q(liv__gt=0), Q(match__gt=0)
    cells: dict[tuple, Any] = {
        ("srv1", "total", ""): Count("pk"),
        ("srv2", "total", ""): Sum("n"),
        ("gov", "total", ""): Sum("g"),
        ("liv", "total", ""): Count("pk", filter=has_livelihood),
        ("match", "total", ""): Count("pk", filter=has_match),
        ("max",): Max("n"),
        ("over",): Count("pk", filter=Q(n__gt=HISTOGRAM_MAX)),
    }
    for count in range(1, HISTOGRAM_MAX + 1):
        cells[("hist", count)] = Count("pk", filter=Q(n=count))
    for breakdown, conditions in partition_cells(period).items():
        for cell, condition in conditions.items():
            cells[("srv1", breakdown, cell)] = Count("pk", filter=condition)
            cells[("srv2", breakdown, cell)] = Sum("n", filter=condition)
            cells[("gov", breakdown, cell)] = Sum("g", filter=condition)
            cells[("liv", breakdown, cell)] = Count("pk", filter=condition & has_livelihood)
            cells[("match", breakdown, cell)] = Count("pk", filter=condition & has_match)
    for i, category in enumerate(categories):
        cells[("srv1", "service_category", category)] = Count("pk", filter=Q(**{f"c{i}__gt": 0}))
        cells[("srv2", "service_category", category)] = Sum(f"c{i}")
        cells[("gov", "service_category", category)] = Sum(f"gc{i}")
    for j, cell in enumerate(provider_types):
        cells[("srv1", "provider_type", cell)] = Count("pk", filter=Q(**{f"p{j}__gt": 0}))
        cells[("srv2", "provider_type", cell)] = Sum(f"p{j}")
    for k, code in enumerate(livelihood_types):
        cells[("liv", "service_type", code)] = Count("pk", filter=Q(**{f"l{k}__gt": 0}))
        cells[("match", "service_type", code)] = Count("pk", filter=Q(**{f"lm{k}__gt": 0}))
    values = aggregate_cells(rows, cells)
    return EpisodeFacts(
        values=values,
        histogram={count: values[("hist", count)] for count in range(1, HISTOGRAM_MAX + 1)},
        over=values[("over",)],
        max=values[("max",)],
        livelihood_types=livelihood_types,
    )


@per_report
def episode_units(scope: Organisation, period: Period) -> dict[str, dict[str, int]]:
    """The organisation breakdown of the episode indicators: one grouped query."""
    unit_list = units(scope)
    livelihood = Q(service_type__category=LIVELIHOOD)
    matched = livelihood & Q(interest_matches(period, "survivor_id", "service_type__code"))
    from ctip.services.models import ServiceEpisode

    rows = (
        ServiceEpisode.objects.filter(episode_condition(scope, period))
        .order_by()
        .values(unit=unit_case("organisation_id", unit_list))
        .annotate(
            srv1=Count("survivor", distinct=True),
            srv2=Count("pk"),
            gov=Count("pk", filter=Q(provider__provider_type=GOVERNMENT)),
            liv=Count("survivor", distinct=True, filter=livelihood),
            match=Count("survivor", distinct=True, filter=matched),
        )
    )
    by_unit = {row["unit"]: row for row in rows}
    measures = ("srv1", "srv2", "gov", "liv", "match")
    return {
        measure: {unit.code: by_unit.get(unit.code, {}).get(measure, 0) for unit in unit_list}
        for measure in measures
    }


@per_report
def review_list(scope: Organisation, period: Period, above: int) -> list[dict]:
    """Survivors with more than ``above`` eligible episodes active in the period, most first
    (codes only: this list never leaves the programme). Two queries: the counts grouped by
    survivor id (no join), then the codes of the few found."""
    from ctip.services.models import ServiceEpisode

    counts = dict(
        ServiceEpisode.objects.filter(episode_condition(scope, period))
        .order_by()
        .values("survivor_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=above)
        .values_list("survivor_id", "n")
    )
    codes = dict(Survivor.objects.filter(pk__in=list(counts)).values_list("pk", "code"))
    entries = [{"code": codes[pk], "episodes": n} for pk, n in counts.items()]
    return sorted(entries, key=lambda entry: (-entry["episodes"], entry["code"]))


def episode_breakdowns(scope, period, measure: str) -> dict[str, dict[str, int]]:
    facts = episode_facts(scope, period)
    found = facts.breakdowns(measure)
    result = {name: found[name] for name in SURVIVOR_BREAKDOWNS if name in found}
    result["nationality"] = drop_empty(result.get("nationality", {}))
    result["organisation"] = drop_empty(episode_units(scope, period)[measure])
    for name in ("service_category", "provider_type"):
        if name in found:
            result[name] = found[name]
    if "service_category" in result:
        result["service_category"] = drop_empty(
            result["service_category"],
            keep=tuple(c for c in ServiceCategory.values if c != ServiceCategory.ONE_OFF),
        )
    return result


# --- SRV-1, SRV-2, SRV-3, GOV-1, OUT-3 --------------------------------------------------------


def srv1(scope: Organisation, period: Period) -> IndicatorResult:
    facts = episode_facts(scope, period)
    return IndicatorResult(
        value=facts.total("srv1"),
        disaggregations=episode_breakdowns(scope, period, "srv1"),
    )


def srv2(scope: Organisation, period: Period) -> IndicatorResult:
    facts = episode_facts(scope, period)
    return IndicatorResult(
        value=facts.total("srv2"),
        disaggregations=episode_breakdowns(scope, period, "srv2"),
    )


def _nearest_rank(histogram: list[tuple[int, int]], rank: int) -> int | None:
    """The value at 1-based ``rank`` of the sorted values a histogram [(value, count)] holds."""
    seen = 0
    for value, count in histogram:
        seen += count
        if seen >= rank:
            return value
    return None


def distribution_summary(histogram: list[tuple[int, int]]) -> dict[str, Any]:
    """Median (mean of the two middle values when their number is even), and the 90th and
    99th percentiles by the nearest-rank method, from a histogram sorted by value."""
    total = sum(count for _value, count in histogram)
    if not total:
        return {"n": 0, "median": None, "p90": None, "p99": None, "max": None}
    low = _nearest_rank(histogram, (total + 1) // 2)
    high = _nearest_rank(histogram, total // 2 + 1)
    median = low if total % 2 else (low + high) / 2
    return {
        "n": total,
        "median": median,
        "p90": _nearest_rank(histogram, math.ceil(0.90 * total)),
        "p99": _nearest_rank(histogram, math.ceil(0.99 * total)),
        "max": histogram[-1][0] if histogram else None,
    }


def _binned(histogram: list[tuple[int, int]], bins) -> dict[str, int]:
    result = {}
    for label, low, high in bins:
        result[label] = sum(
            count for value, count in histogram if value >= low and (high is None or value <= high)
        )
    return result


def srv3(scope: Organisation, period: Period) -> IndicatorResult:
    facts = episode_facts(scope, period)
    histogram = [(value, count) for value, count in facts.histogram.items() if count]
    review: list[dict] = []
    # The shared query counts survivors exactly up to HISTOGRAM_MAX episodes and lumps the
    # rest together. The review threshold min(p99, 15) is exact all the same: a p99 in the lump
    # is above 15. Every survivor of the lump is on the review list, which gives their exact
    # counts for the median and percentiles.
    lump = [(HISTOGRAM_MAX + 1, facts.over)] if facts.over else []
    summary = distribution_summary(histogram + lump)
    if summary["n"]:
        threshold = min(summary["p99"], REVIEW_ABOVE)
        if facts.max > threshold:
            review = review_list(scope, period, threshold)
            if facts.over:
                exact: dict[int, int] = {}
                for entry in review:
                    if entry["episodes"] > HISTOGRAM_MAX:
                        exact[entry["episodes"]] = exact.get(entry["episodes"], 0) + 1
                histogram = sorted(histogram + list(exact.items()))
                summary = distribution_summary(histogram)
    detail = {key: summary[key] for key in ("median", "p90", "p99", "max")}
    return IndicatorResult(
        value=summary["median"],
        denominator=summary["n"],
        disaggregations={"episodes_per_survivor": _binned(histogram, EPISODE_BINS)},
        review=review,
        detail=detail,
    )


def gov1(scope: Organisation, period: Period) -> IndicatorResult:
    facts = episode_facts(scope, period)
    government = episode_breakdowns(scope, period, "gov")
    episodes = episode_breakdowns(scope, period, "srv2")
    breakdowns = {}
    for name, cells in episodes.items():
        if name == "provider_type":
            continue
        breakdowns[name] = {
            cell: ratio_cell(government.get(name, {}).get(cell, 0), total)
            for cell, total in cells.items()
        }
    numerator, denominator = facts.total("gov"), facts.total("srv2")
    return IndicatorResult(
        value=rate(numerator, denominator),
        numerator=numerator,
        denominator=denominator,
        disaggregations=breakdowns,
    )


def out3(scope: Organisation, period: Period) -> IndicatorResult:
    facts = episode_facts(scope, period)
    with_livelihood = facts.breakdowns("liv")
    matched = facts.breakdowns("match")
    with_livelihood["organisation"] = episode_units(scope, period)["liv"]
    matched["organisation"] = episode_units(scope, period)["match"]
    breakdowns = {}
    for name in (*SURVIVOR_BREAKDOWNS, "organisation", "service_type"):
        cells = {
            cell: ratio_cell(matched.get(name, {}).get(cell, 0), total)
            for cell, total in with_livelihood.get(name, {}).items()
        }
        if name in ("nationality", "organisation"):
            cells = drop_empty(cells)
        breakdowns[name] = cells
    numerator, denominator = facts.total("match"), facts.total("liv")
    return IndicatorResult(
        value=rate(numerator, denominator),
        numerator=numerator,
        denominator=denominator,
        disaggregations=breakdowns,
    )


# --- referrals: REF-0, REF-1, REF-2 ------------------------------------------------------------


@dataclass
class ReferralFacts:
    values: dict

    def total(self, measure: str) -> int:
        return self.values[(measure, "total", "")]

    def breakdowns(self, measure: str) -> dict[str, dict[str, int]]:
        return folded(self.values, measure)


@per_report
def referral_facts(scope: Organisation, period: Period) -> ReferralFacts:
    """One query: survivors with a referral sent in the period (not withdrawn), each with how
    many and how many reached the service; the outer aggregate tallies every cell."""
    r = "referrals__"
    started = Q(referrals__status__in=STARTED)
    categories = ServiceCategory.values
    provider_types = provider_type_cells(f"{r}to_provider__provider_type")
    per_survivor = {"r": Count("referrals"), "ok": Count("referrals", filter=started)}
    for i, category in enumerate(categories):
        in_category = Q(referrals__service_type__category=category)
        per_survivor[f"c{i}"] = Count("referrals", filter=in_category)
        per_survivor[f"okc{i}"] = Count("referrals", filter=in_category & started)
    for j, condition in enumerate(provider_types.values()):
        per_survivor[f"p{j}"] = Count("referrals", filter=condition)
        per_survivor[f"okp{j}"] = Count("referrals", filter=condition & started)
    for k, status in enumerate(ReferralStatus.values):
        per_survivor[f"s{k}"] = Count("referrals", filter=Q(referrals__status=status))
    rows = (
        Survivor.objects.filter(referral_condition(scope, period, r))
        .order_by()
        .values("pk", "sex", "birth_year", "nationality", "exploitation")
        .annotate(**per_survivor)
    )
    cells: dict[tuple, Any] = {
        ("ref0", "total", ""): Count("pk"),
        ("sent", "total", ""): Sum("r"),
        ("ok", "total", ""): Sum("ok"),
    }
    for breakdown, conditions in partition_cells(period).items():
        for cell, condition in conditions.items():
            cells[("ref0", breakdown, cell)] = Count("pk", filter=condition)
            cells[("sent", breakdown, cell)] = Sum("r", filter=condition)
            cells[("ok", breakdown, cell)] = Sum("ok", filter=condition)
    for i, category in enumerate(categories):
        cells[("ref0", "service_category", category)] = Count("pk", filter=Q(**{f"c{i}__gt": 0}))
        cells[("sent", "service_category", category)] = Sum(f"c{i}")
        cells[("ok", "service_category", category)] = Sum(f"okc{i}")
    for j, cell in enumerate(provider_types):
        cells[("ref0", "provider_type", cell)] = Count("pk", filter=Q(**{f"p{j}__gt": 0}))
        cells[("sent", "provider_type", cell)] = Sum(f"p{j}")
        cells[("ok", "provider_type", cell)] = Sum(f"okp{j}")
    for k, status in enumerate(ReferralStatus.values):
        if status != ReferralStatus.WITHDRAWN:
            cells[("status", "status", status)] = Sum(f"s{k}")
    return ReferralFacts(values=aggregate_cells(rows, cells))


@per_report
def referral_units(scope: Organisation, period: Period) -> dict[str, dict[str, int]]:
    unit_list = units(scope)
    rows = (
        Referral.objects.filter(referral_condition(scope, period))
        .order_by()
        .values(unit=unit_case("organisation_id", unit_list))
        .annotate(
            ref0=Count("survivor", distinct=True),
            sent=Count("pk"),
            ok=Count("pk", filter=Q(status__in=STARTED)),
        )
    )
    by_unit = {row["unit"]: row for row in rows}
    return {
        measure: {unit.code: by_unit.get(unit.code, {}).get(measure, 0) for unit in unit_list}
        for measure in ("ref0", "sent", "ok")
    }


def referral_breakdowns(scope, period, measure: str) -> dict[str, dict[str, int]]:
    facts = referral_facts(scope, period)
    found = facts.breakdowns(measure)
    result = {name: found[name] for name in SURVIVOR_BREAKDOWNS if name in found}
    result["nationality"] = drop_empty(result.get("nationality", {}))
    result["organisation"] = drop_empty(referral_units(scope, period)[measure])
    result["service_category"] = drop_empty(
        found.get("service_category", {}),
        keep=tuple(c for c in ServiceCategory.values if c != ServiceCategory.ONE_OFF),
    )
    result["provider_type"] = found.get("provider_type", {})
    return result


def ref0(scope: Organisation, period: Period) -> IndicatorResult:
    facts = referral_facts(scope, period)
    return IndicatorResult(
        value=facts.total("ref0"), disaggregations=referral_breakdowns(scope, period, "ref0")
    )


def ref1(scope: Organisation, period: Period) -> IndicatorResult:
    facts = referral_facts(scope, period)
    sent = referral_breakdowns(scope, period, "sent")
    started = referral_breakdowns(scope, period, "ok")
    breakdowns: dict[str, dict[str, Any]] = {
        name: {
            cell: ratio_cell(started.get(name, {}).get(cell, 0), total)
            for cell, total in cells.items()
        }
        for name, cells in sent.items()
    }
    breakdowns["status"] = facts.breakdowns("status").get("status", {})
    numerator, denominator = facts.total("ok"), facts.total("sent")
    return IndicatorResult(
        value=rate(numerator, denominator),
        numerator=numerator,
        denominator=denominator,
        disaggregations=breakdowns,
    )


def _days_rows(scope, period, **keys) -> list[dict]:
    """Referrals of REF-1's numerator with a service start date, counted by days from sent to
    started and by the given keys: one grouped query (a few rows per day value)."""
    days = ExpressionWrapper(F("service_started_on") - F("sent_on"), output_field=DurationField())
    rows = (
        Referral.objects.filter(
            referral_condition(scope, period),
            status__in=STARTED,
            service_started_on__isnull=False,
        )
        .order_by()
        .annotate(days=days)
        .values(d=F("days"), **keys)
        .annotate(n=Count("pk"))
    )
    result = []
    for row in rows:
        row["d"] = row["d"].days if hasattr(row["d"], "days") else int(row["d"])
        result.append(row)
    return result


def _histograms(rows: list[dict], labels_of) -> dict[str, list[tuple[int, int]]]:
    """{cell: [(days, referrals)]}, each row counted in the cells ``labels_of(row)`` names."""
    grouped: dict[str, dict[int, int]] = {}
    for row in rows:
        for label in labels_of(row):
            cell = grouped.setdefault(label, {})
            cell[row["d"]] = cell.get(row["d"], 0) + row["n"]
    return {label: sorted(values.items()) for label, values in grouped.items()}


def _median_cell(histogram: list[tuple[int, int]]) -> dict[str, Any]:
    summary = distribution_summary(histogram)
    return {"value": summary["median"], "numerator": None, "denominator": summary["n"]}


def ref2(scope: Organisation, period: Period) -> IndicatorResult:
    """Medians per cell need each cell's distribution of days: one grouped query per
    breakdown, (days, cell) -> referrals, a few rows per day value and cell."""
    from ctip.cases.models import Exploitation, Sex

    unit_list = units(scope)
    by_band = _days_rows(scope, period, key=age_band_case("survivor__birth_year", period.end.year))
    histogram = _histograms(by_band, lambda row: ["all"]).get("all", [])
    summary = distribution_summary(histogram)

    def medians(key, order, labels_of=None, rows=None) -> dict[str, dict]:
        rows = rows if rows is not None else _days_rows(scope, period, key=key)
        histograms = _histograms(rows, labels_of or (lambda row: [row["key"] or UNKNOWN]))
        ordered_labels = [label for label in order if label in histograms]
        ordered_labels += sorted(label for label in histograms if label not in order)
        return {label: _median_cell(histograms[label]) for label in ordered_labels}

    def forms(row) -> list[str]:
        return [form for form in (row["key"] or "").split(";") if form] or [UNKNOWN]

    bands = [label for label, _low, _high in AGE_BANDS]
    breakdowns = {
        "sex": medians(F("survivor__sex"), Sex.values),
        "age_group": medians(
            None, ["0-17", "18+", UNKNOWN], lambda row: [age_group_of_band(row["key"])], by_band
        ),
        "age_band": medians(None, [*bands, UNKNOWN], rows=by_band),
        "nationality": medians(F("survivor__nationality"), []),
        "exploitation": medians(
            F("survivor__exploitation"), [*Exploitation.values, UNKNOWN], forms
        ),
        "organisation": medians(
            unit_case("organisation_id", unit_list), [u.code for u in unit_list]
        ),
        "service_category": medians(F("service_type__category"), ServiceCategory.values),
        "provider_type": medians(F("to_provider__provider_type"), [*ProviderType.values, UNKNOWN]),
        "days": _binned(histogram, DAY_BINS),
    }
    nationality = breakdowns["nationality"]
    breakdowns["nationality"] = {
        key: nationality[key] for key in sorted(nationality, key=lambda k: (k == UNKNOWN, k))
    }
    if histogram and histogram[0][0] < 0:
        breakdowns["days"] = {
            "before_sent": sum(c for v, c in histogram if v < 0),
            **breakdowns["days"],
        }
    return IndicatorResult(
        value=summary["median"],
        denominator=summary["n"],
        disaggregations=breakdowns,
        detail={"p90": summary["p90"], "max": summary["max"]},
    )


# --- CAP-1 -------------------------------------------------------------------------------------


def cap1(scope: Organisation, period: Period) -> IndicatorResult:
    """Open cases per active case worker, per organisation, at the period's end."""
    unit_list = units(scope)
    end = period.end
    open_cases = (
        Survivor.objects.filter(organisation__path__startswith=scope.path, opened_on__lte=end)
        .filter(Q(closed_on__gt=end) | Q(closed_on__isnull=True, status=CaseStatus.OPEN))
        .order_by()
        .values(unit=unit_case("organisation_id", unit_list))
        .annotate(n=Count("pk"), unassigned=Count("pk", filter=Q(case_worker__isnull=True)))
    )
    workers = (
        User.objects.filter(
            organisation__path__startswith=scope.path,
            role=Role.CASE_WORKER,
            is_active=True,
            date_joined__date__lte=end,
        )
        .order_by()
        .values(unit=unit_case("organisation_id", unit_list))
        .annotate(n=Count("pk"))
    )
    capacity = dict(
        Organisation.objects.filter(code__in=[u.code for u in unit_list]).values_list(
            "code", "caseload_capacity"
        )
    )
    cases = {row["unit"]: row for row in open_cases}
    staff = {row["unit"]: row["n"] for row in workers}
    cells = {}
    for unit in unit_list:
        n_cases = cases.get(unit.code, {}).get("n", 0)
        n_staff = staff.get(unit.code, 0)
        if not n_cases and not n_staff:
            continue
        cells[unit.code] = {
            "value": round(n_cases / n_staff, 1) if n_staff else None,
            "numerator": n_cases,
            "denominator": n_staff,
            "capacity": capacity.get(unit.code),
        }
    total_cases = sum(row["n"] for row in cases.values())
    total_staff = sum(staff.values())
    over = [
        code
        for code, cell in cells.items()
        if cell["value"] is not None and cell["capacity"] and cell["value"] > cell["capacity"]
    ]
    return IndicatorResult(
        value=round(total_cases / total_staff, 1) if total_staff else None,
        numerator=total_cases,
        denominator=total_staff,
        disaggregations={"organisation": cells},
        detail={
            "capacity": scope.caseload_capacity,
            "over_capacity": over,
            "unassigned": sum(row["unassigned"] for row in cases.values()),
        },
    )


# --- trends: the headline of several periods, one query per indicator -----------------------


def _episodes_over(scope: Organisation, periods: list[Period]):
    """Eligible episodes in scope active in any of ``periods``."""
    from ctip.services.models import ServiceEpisode

    span = Period(periods[0].label, periods[0].start, periods[-1].end, periods[0].kind)
    return ServiceEpisode.objects.filter(episode_condition(scope, span)).order_by()


def _counts_per_period(queryset, periods: list[Period], measures) -> list[dict]:
    cells = {
        (index, name): aggregate(condition)
        for index, period in enumerate(periods)
        for name, aggregate in measures.items()
        for condition in [active_condition(period)]
    }
    values = aggregate_cells(queryset, cells)
    return [{name: values[(index, name)] for name in measures} for index in range(len(periods))]


def srv1_trend(scope, periods):
    rows = _counts_per_period(
        _episodes_over(scope, periods),
        periods,
        {"n": lambda active: Count("survivor", distinct=True, filter=active)},
    )
    return [IndicatorResult(value=row["n"]) for row in rows]


def srv2_trend(scope, periods):
    rows = _counts_per_period(
        _episodes_over(scope, periods), periods, {"n": lambda active: Count("pk", filter=active)}
    )
    return [IndicatorResult(value=row["n"]) for row in rows]


def gov1_trend(scope, periods):
    government = Q(provider__provider_type=GOVERNMENT)
    rows = _counts_per_period(
        _episodes_over(scope, periods),
        periods,
        {
            "all": lambda active: Count("pk", filter=active),
            "gov": lambda active: Count("pk", filter=active & government),
        },
    )
    return [
        IndicatorResult(value=rate(row["gov"], row["all"]), numerator=row["gov"],
                        denominator=row["all"])
        for row in rows
    ]  # fmt: skip


def out3_trend(scope, periods):
    livelihood = Q(service_type__category=LIVELIHOOD)
    cells = {}
    for index, period in enumerate(periods):
        active = active_condition(period) & livelihood
        matched = Q(interest_matches(period, "survivor_id", "service_type__code"))
        cells[(index, "liv")] = Count("survivor", distinct=True, filter=active)
        cells[(index, "match")] = Count("survivor", distinct=True, filter=active & matched)
    values = aggregate_cells(_episodes_over(scope, periods), cells)
    return [
        IndicatorResult(
            value=rate(values[(i, "match")], values[(i, "liv")]),
            numerator=values[(i, "match")],
            denominator=values[(i, "liv")],
        )
        for i in range(len(periods))
    ]


def srv3_trend(scope, periods):
    """The median per period, from one sorted list of per-survivor counts per period (the one
    integer per survivor a median needs)."""
    from ctip.services.models import ServiceEpisode

    results = []
    for period in periods:
        counts = sorted(
            ServiceEpisode.objects.filter(episode_condition(scope, period))
            .order_by()
            .values("survivor_id")
            .annotate(n=Count("pk"))
            .values_list("n", flat=True)
        )
        histogram: dict[int, int] = {}
        for count in counts:
            histogram[count] = histogram.get(count, 0) + 1
        summary = distribution_summary(sorted(histogram.items()))
        results.append(IndicatorResult(value=summary["median"], denominator=summary["n"]))
    return results


def _referrals_over(scope: Organisation, periods: list[Period]):
    span = Period(periods[0].label, periods[0].start, periods[-1].end, periods[0].kind)
    return Referral.objects.filter(referral_condition(scope, span)).order_by()


def ref0_trend(scope, periods):
    cells = {
        index: Count("survivor", distinct=True, filter=sent_in(period))
        for index, period in enumerate(periods)
    }
    values = aggregate_cells(_referrals_over(scope, periods), cells)
    return [IndicatorResult(value=values[index]) for index in range(len(periods))]


def ref1_trend(scope, periods):
    started = Q(status__in=STARTED)
    cells = {}
    for index, period in enumerate(periods):
        cells[(index, "sent")] = Count("pk", filter=sent_in(period))
        cells[(index, "ok")] = Count("pk", filter=sent_in(period) & started)
    values = aggregate_cells(_referrals_over(scope, periods), cells)
    return [
        IndicatorResult(
            value=rate(values[(i, "ok")], values[(i, "sent")]),
            numerator=values[(i, "ok")],
            denominator=values[(i, "sent")],
        )
        for i in range(len(periods))
    ]


def ref2_trend(scope, periods):
    """Medians per period from one grouped query: (period, days) -> referrals."""
    period_of = Case(
        *(When(sent_in(period), then=Value(period.label)) for period in periods),
        default=Value(""),
    )
    days = ExpressionWrapper(F("service_started_on") - F("sent_on"), output_field=DurationField())
    rows = (
        _referrals_over(scope, periods)
        .filter(status__in=STARTED, service_started_on__isnull=False)
        .annotate(days=days)
        .values(label=period_of, d=F("days"))
        .annotate(n=Count("pk"))
    )
    histograms: dict[str, dict[int, int]] = {}
    for row in rows:
        value = row["d"].days if hasattr(row["d"], "days") else int(row["d"])
        cell = histograms.setdefault(row["label"], {})
        cell[value] = cell.get(value, 0) + row["n"]
    results = []
    for period in periods:
        summary = distribution_summary(sorted(histograms.get(period.label, {}).items()))
        results.append(IndicatorResult(value=summary["median"], denominator=summary["n"]))
    return results


def cap1_trend(scope, periods):
    def open_at(end):
        return Q(opened_on__lte=end) & (
            Q(closed_on__gt=end) | Q(closed_on__isnull=True, status=CaseStatus.OPEN)
        )

    cases = aggregate_cells(
        Survivor.objects.filter(organisation__path__startswith=scope.path).order_by(),
        {i: Count("pk", filter=open_at(p.end)) for i, p in enumerate(periods)},
    )
    staff = aggregate_cells(
        User.objects.filter(
            organisation__path__startswith=scope.path, role=Role.CASE_WORKER, is_active=True
        ).order_by(),
        {i: Count("pk", filter=Q(date_joined__date__lte=p.end)) for i, p in enumerate(periods)},
    )
    return [
        IndicatorResult(
            value=round(cases[i] / staff[i], 1) if staff[i] else None,
            numerator=cases[i],
            denominator=staff[i],
        )
        for i in range(len(periods))
    ]


# --- registration ------------------------------------------------------------------------------

PEOPLE = ("sex", "age_group", "age_band", "nationality", "exploitation", "organisation")
SERVICE = (*PEOPLE, "service_category", "provider_type")

register(
    Indicator(
        code="SRV-1",
        name=_("Survivors receiving services"),
        unit=_("survivors"),
        definition=_(
            "Distinct survivors in scope with at least one eligible episode active in the "
            "period. Eligible: the service type counts as a service (one-off support such as a "
            "bus ticket never counts)."
        ),
        help=_("%(common)s %(active)s") % {"common": COMMON_READING, "active": ACTIVE_READING},
        compute=srv1,
        trend=srv1_trend,
        breakdowns=SERVICE,
    )
)
register(
    Indicator(
        code="SRV-2",
        name=_("Service episodes"),
        unit=_("episodes"),
        definition=_("Eligible service episodes in scope active in the period."),
        help=_(
            "Breakdowns by sex, age, nationality and exploitation describe the survivor each "
            "episode was for. %(active)s"
        )
        % {"active": ACTIVE_READING},
        compute=srv2,
        trend=srv2_trend,
        breakdowns=SERVICE,
    )
)
register(
    Indicator(
        code="SRV-3",
        name=_("Services per survivor"),
        unit=_("episodes per survivor (median)"),
        definition=_(
            "Among survivors counted in SRV-1: median, 90th percentile and maximum number of "
            "eligible episodes active in the period; survivors above the 99th percentile or "
            "above 15 episodes are listed for review (data quality, not a target)."
        ),
        help=_(
            "The value is the median (the mean of the two middle values when their number is "
            "even); percentiles use the nearest-rank method, so with fewer than 100 survivors "
            "the 99th percentile is the maximum and only survivors above 15 episodes are "
            "listed. The breakdown is the distribution of episodes per survivor; medians of "
            "smaller groups are not given. The review list holds survivor codes only and never "
            "leaves the programme."
        ),
        compute=srv3,
        trend=srv3_trend,
        breakdowns=("episodes_per_survivor",),
        is_count=False,
        public_detail=("p90", "max"),
    )
)
register(
    Indicator(
        code="REF-0",
        name=_("Survivors referred"),
        unit=_("survivors"),
        definition=_(
            "Distinct survivors in scope with at least one referral whose sent date is in the "
            "period and whose status is not withdrawn."
        ),
        help=_(
            "The definition does not restrict the service type, so referrals for one-off "
            "support count too. In scope: the referring organisation (the referral's owner) is "
            "in the subtree. %(common)s"
        )
        % {"common": COMMON_READING},
        compute=ref0,
        trend=ref0_trend,
        breakdowns=SERVICE,
    )
)
register(
    Indicator(
        code="REF-1",
        name=_("Referral completion rate"),
        unit="%",
        definition=_(
            "Denominator: referrals in scope sent in the period whose status is not withdrawn. "
            "Numerator: those whose status is service started or completed. Value: numerator / "
            "denominator as a percentage with one decimal."
        ),
        help=_(
            "Declined and not-reached referrals stay in the denominator. Statuses are read "
            "as they stand when the report runs, so a period's rate rises as its loops close. "
            "The status breakdown counts referrals."
        ),
        compute=ref1,
        trend=ref1_trend,
        breakdowns=(*SERVICE, "status"),
        is_count=False,
    )
)
register(
    Indicator(
        code="REF-2",
        name=_("Days from referral to service"),
        unit=_("days (median)"),
        definition=_(
            "Median of service start date minus sent date over the referrals in REF-1's numerator."
        ),
        help=_(
            "Referrals in the numerator with no service start date recorded are left out (the "
            "denominator shown is how many were used). A start date before the sent date is a "
            "recording error; it is kept and shown as 'before the sent date'."
        ),
        compute=ref2,
        trend=ref2_trend,
        breakdowns=(*SERVICE, "days"),
        is_count=False,
        public_detail=("p90",),
    )
)
register(
    Indicator(
        code="GOV-1",
        name=_("Government share of services"),
        unit="%",
        definition=_(
            "Among SRV-2's episodes: the share whose provider type is government, as a "
            "percentage with one decimal."
        ),
        help=_(
            "Each cell is the government share of the episodes in that cell. An episode whose "
            "provider has no provider type recorded counts as not government."
        ),
        compute=gov1,
        trend=gov1_trend,
        breakdowns=(*PEOPLE, "service_category"),
        is_count=False,
    )
)
register(
    Indicator(
        code="CAP-1",
        name=_("Caseload"),
        unit=_("open cases per case worker"),
        definition=_(
            "Open cases per active case worker, by organisation, at the end of the period, "
            "beside the organisation's configured capacity (default 25)."
        ),
        help=_(
            "Open at the end of the period: opened on or before it and not closed by then. "
            "Case workers: active accounts with the case worker role created by then "
            "(supervisors are not counted; an account's past deactivation is not known). "
            "By organisation only, as defined."
        ),
        compute=cap1,
        trend=cap1_trend,
        breakdowns=("organisation",),
        is_count=False,
        public_detail=("capacity", "over_capacity"),
        people_denominator=False,
    )
)
register(
    Indicator(
        code="OUT-3",
        name=_("Livelihood match"),
        unit="%",
        definition=_(
            "Among survivors with a livelihood service (eligible, active in the period), the "
            "share whose service type matches an interest they stated at assessment."
        ),
        help=_(
            "The stated interests skills training, job placement and own business match the "
            "service types of the same name; other interests (education, farming, other) never "
            "match. Only interests stated on or before the end of the period count. A survivor "
            "matches when any of their livelihood episodes does."
        ),
        compute=out3,
        trend=out3_trend,
        breakdowns=(*PEOPLE, "service_type"),
        is_count=False,
        group="followup",
    )
)
