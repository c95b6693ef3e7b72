"""Computing, suppressing and shaping indicator results: one path for the command line, the
page, the API and the exports, so every output shows the same numbers.

`report_build` returns DESIGN.md's JSON shape::

    {"period": {"label", "start", "end"}, "scope": "<org code>", "generated_at": "…",
     "public": bool, "indicators": [{"code", "name", "unit", "group", "value", "numerator",
                                     "denominator", "disaggregations", ["detail"], ["review"]}]}

Suppression (DESIGN.md, "Protecting survivors" rule 6) applies when ``public`` is true (the
`--public` flag; the donor role and every other role that may not read records) and always for
indicators registered with ``always_suppress``:

- a count from 1 to 4 shows as "<5", and in each breakdown a second cell is hidden too ("*")
  when only one is, so the hidden one cannot be worked out from the total
  (`ctip.core.suppression`);
- a rate or median is not shown (None) when its numerator or denominator is from 1 to 4 (the
  value would give the small count away); in a breakdown of rates the numerators and the
  denominators are each suppressed as counts, and a cell whose numerator or denominator is
  hidden shows no value;
- `detail` keeps only the keys the indicator lists in ``public_detail``, and only when the value
  is shown; the review list (survivor codes) is never part of suppressed output.
"""

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from ctip.core.models import Organisation
from ctip.core.suppression import THRESHOLD, suppress_breakdown, suppress_count
from ctip.indicators.cache import shared_queries
from ctip.indicators.periods import Period
from ctip.indicators.registry import (
    Indicator,
    IndicatorResult,
    group_order,
    indicators,
)


def compute(indicator: Indicator, scope: Organisation, period: Period) -> IndicatorResult:
    """One indicator for one organisation subtree and period, unsuppressed."""
    with shared_queries():
        return indicator.compute(scope, period)


def ordered(codes: Iterable[str] | None = None) -> list[Indicator]:
    """The indicators asked for (all by default), by group and then in registration order."""
    chosen = {indicator.code for indicator in indicators(list(codes) if codes else None)}
    in_order = [indicator for indicator in indicators() if indicator.code in chosen]
    return sorted(in_order, key=lambda indicator: group_order(indicator.group))


def _small(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < THRESHOLD


def _hidden(value) -> bool:
    return isinstance(value, str)


def _suppress_cells(cells: dict[str, Any], people_denominator: bool) -> dict[str, Any]:
    counts = {key: value for key, value in cells.items() if not isinstance(value, dict)}
    ratios = {key: value for key, value in cells.items() if isinstance(value, dict)}
    result: dict[str, Any] = {}
    shown_counts = suppress_breakdown(counts) if counts else {}
    numerators = suppress_breakdown(
        {k: v["numerator"] for k, v in ratios.items() if v.get("numerator") is not None}
    )
    denominators = (
        suppress_breakdown(
            {k: v["denominator"] for k, v in ratios.items() if v.get("denominator") is not None}
        )
        if people_denominator
        else {k: v.get("denominator") for k, v in ratios.items()}
    )
    for key, value in cells.items():
        if key in shown_counts:
            result[key] = shown_counts[key]
            continue
        cell = dict(value)
        if "numerator" in cell and cell["numerator"] is not None:
            cell["numerator"] = numerators[key]
        if "denominator" in cell and cell["denominator"] is not None:
            cell["denominator"] = denominators[key]
        if _hidden(cell.get("numerator")) or _hidden(cell.get("denominator")):
            cell["value"] = None
        result[key] = cell
    return result


def suppress(indicator: Indicator, result: IndicatorResult) -> dict[str, Any]:
    """The public face of a result: value, numerator, denominator, disaggregations, detail."""
    numerator = result.numerator
    denominator = result.denominator
    value = result.value
    if indicator.is_count and isinstance(value, int):
        value = suppress_count(value)
    hide_value = _small(numerator) or (indicator.people_denominator and _small(denominator))
    if numerator is not None:
        numerator = suppress_count(numerator)
    if denominator is not None and indicator.people_denominator:
        denominator = suppress_count(denominator)
    if not indicator.is_count and hide_value:
        value = None
    shown = {
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "disaggregations": {
            name: _suppress_cells(cells, indicator.people_denominator)
            for name, cells in result.disaggregations.items()
        },
    }
    visible = value is not None and not _hidden(value)
    detail = {key: result.detail[key] for key in indicator.public_detail if key in result.detail}
    if detail and visible:
        shown["detail"] = detail
    return shown


def indicator_json(indicator: Indicator, result: IndicatorResult, *, public: bool) -> dict:
    item: dict[str, Any] = {
        "code": indicator.code,
        "name": str(indicator.name),
        "unit": str(indicator.unit),
        "group": indicator.group,
    }
    if public or indicator.always_suppress:
        item.update(suppress(indicator, result))
        return item
    item.update(
        value=result.value,
        numerator=result.numerator,
        denominator=result.denominator,
        disaggregations=result.disaggregations,
    )
    if result.detail:
        item["detail"] = result.detail
    if result.review:
        item["review"] = result.review
    return item


def report_build(
    *,
    scope: Organisation,
    period: Period,
    public: bool,
    codes: Iterable[str] | None = None,
) -> dict:
    """Every indicator asked for (all by default) for ``scope``'s subtree and ``period``, in
    DESIGN.md's JSON shape, suppressed when ``public``. Queries shared by several indicators
    run once (`cache.shared_queries`)."""
    with shared_queries():
        items = [
            indicator_json(indicator, compute(indicator, scope, period), public=public)
            for indicator in ordered(codes)
        ]
    return {
        "period": period.as_dict(),
        "scope": scope.code,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "public": public,
        "indicators": items,
    }


def trend_build(
    indicator: Indicator, scope: Organisation, periods: list[Period], *, public: bool
) -> list[tuple[str, Any]]:
    """The headline value of each period, oldest first, suppressed like the report."""
    with shared_queries():
        if indicator.trend is not None:
            results = indicator.trend(scope, periods)
        else:
            results = [compute(indicator, scope, period) for period in periods]
    points = []
    for period, result in zip(periods, results, strict=True):
        headline = IndicatorResult(
            value=result.value, numerator=result.numerator, denominator=result.denominator
        )
        if public or indicator.always_suppress:
            value = suppress(indicator, headline)["value"]
        else:
            value = headline.value
        points.append((period.label, value))
    return points
