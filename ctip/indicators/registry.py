"""Indicator definitions as code: each one names its unit, its written definition (from
INDICATORS.md), the breakdowns it offers, and a function that computes it in the database."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ctip.core.models import Organisation
from ctip.indicators.periods import Period


@dataclass
class IndicatorResult:
    value: float | int | None
    numerator: int | None = None
    denominator: int | None = None
    # breakdown name -> {cell: count}; cells in a stable order
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
