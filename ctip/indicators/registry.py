"""Indicator definitions as code: each one names its unit, its written definition (from
INDICATORS.md), the breakdowns it offers, and a function that computes it in the database.

An indicator module (`definitions/<capability>.py`) calls `register(Indicator(...))` at import.
The engine (`engine.py`) computes, suppresses and exports every registered indicator the same
way; the page groups them by `group`.

Cells of `IndicatorResult.disaggregations` are either a count (an int: people, episodes,
referrals) or, for rates and medians, a dict ``{"value": …, "numerator": …, "denominator": …}``
(numerator None for a median, whose denominator is how many values it is the median of). The
engine's suppression understands both.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from ctip.core.models import Organisation
from ctip.indicators.periods import Period


@dataclass
class IndicatorResult:
    value: float | int | None
    numerator: int | None = None
    denominator: int | None = None
    # breakdown name -> {cell: count or ratio cell}; cells in a stable order
    disaggregations: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Extra detail that never leaves the programme (e.g. SRV-3's review list of survivor codes).
    review: list[dict] = field(default_factory=list)
    # Detail shown beside the value (e.g. median and p90 for SRV-3; capacity for CAP-1).
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    definition: str
    compute: Callable[[Organisation, Period], IndicatorResult]
    breakdowns: tuple[str, ...] = ()
    # Counts of people (suppressed in public output) versus rates, medians, days.
    is_count: bool = True
    # Feedback indicators suppress small cells in every output, not only public ones.
    always_suppress: bool = False
    group: str = "services"
    # How the definition was read where INDICATORS.md is silent (shown under the definition).
    help: str = ""
    # Optional: the headline values of several periods at once (the page's trend line), as
    # IndicatorResults without breakdowns, one per period in order. Without it the engine calls
    # `compute` once per period.
    trend: Callable[[Organisation, list[Period]], list[IndicatorResult]] | None = None
    # Keys of `IndicatorResult.detail` that may leave the programme (suppressed output keeps
    # only these, and only when the value itself is shown).
    public_detail: tuple[str, ...] = ()
    # Whether the denominator counts people (or their records) and is suppressed like a count;
    # False for CAP-1, whose denominator counts case workers.
    people_denominator: bool = True


# The order and names of the groups on the page and in reports; unknown groups come last.
GROUPS: dict[str, Any] = {
    "services": _("Services and referrals"),
    "followup": _("Follow-up and outcomes"),
    "feedback": _("Anonymous feedback"),
    "partnerships": _("Private-sector engagement"),
    "screening": _("Identification screening"),
    "learning": _("Learning"),
}

REGISTRY: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    if indicator.code in REGISTRY:
        raise ValueError(f"indicator {indicator.code} registered twice")
    REGISTRY[indicator.code] = indicator
    return indicator


def indicators(codes: list[str] | None = None) -> list[Indicator]:
    if codes:
        unknown = [c for c in codes if c not in REGISTRY]
        if unknown:
            raise KeyError(f"unknown indicators: {', '.join(unknown)}")
        return [REGISTRY[c] for c in codes]
    return list(REGISTRY.values())


def group_order(group: str) -> int:
    keys = list(GROUPS)
    return keys.index(group) if group in GROUPS else len(keys)


def group_label(group: str) -> str:
    return str(GROUPS.get(group, group.replace("_", " ").capitalize()))
