"""Many counts in one query: conditional aggregates keyed by (measure, breakdown, cell).

Indicators describe what they count as a dict of ORM aggregates (``Count(..., filter=…)``,
``Sum(...)``) keyed by tuples; `aggregate_cells` runs them as ONE ``aggregate()`` query and
hands the numbers back under the same keys. Over a per-survivor ``values().annotate()``
queryset Django nests the query (``SELECT … FROM (SELECT … GROUP BY survivor) subquery``), so
each survivor is one row of the outer query and no ``COUNT(DISTINCT …)`` is needed.
"""

from collections.abc import Hashable, Mapping
from typing import Any

from django.db.models import Aggregate, Q, QuerySet


def both(*conditions: Q | None) -> Q | None:
    """AND of the conditions given (None ones skipped); None when there are none."""
    present = [c for c in conditions if c is not None]
    if not present:
        return None
    combined = present[0]
    for condition in present[1:]:
        combined &= condition
    return combined


def aggregate_cells(queryset: QuerySet, cells: Mapping[Hashable, Aggregate]) -> dict[Hashable, Any]:
    """One query; a Sum over no rows is 0, not None."""
    if not cells:
        return {}
    aliases = {f"cell_{index}": key for index, key in enumerate(cells)}
    row = queryset.aggregate(**{alias: cells[key] for alias, key in aliases.items()})
    return {key: (row[alias] or 0) for alias, key in aliases.items()}


def nest(values: Mapping[tuple, Any], measure: str) -> dict[str, dict[str, Any]]:
    """{(measure, breakdown, cell): v} → {breakdown: {cell: v}} for one measure, in order."""
    nested: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        if len(key) == 3 and key[0] == measure:
            nested.setdefault(key[1], {})[key[2]] = value
    return nested


def rate(numerator: int, denominator: int) -> float | None:
    """A percentage with one decimal (every rate indicator's rule); None when there is nothing
    to divide by."""
    return round(100 * numerator / denominator, 1) if denominator else None
