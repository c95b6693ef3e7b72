"""The Kaplan–Meier estimator, in a few lines (FUP-2's retention curve).

Each observation is (time, event): ``event`` True when contact was lost at ``time``, False when
the survivor was last seen in contact then (censored). At a time where both happen, losses are
counted before censorings, as is usual: someone censored at t was still at risk at t.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    time: float
    at_risk: int
    events: int
    survival: float


def kaplan_meier(observations: Iterable[tuple[float, bool]]) -> list[Step]:
    """The steps of the survival curve: one per distinct time with at least one event."""
    observations = list(observations)
    events = Counter(time for time, event in observations if event)
    leaving = Counter(time for time, _event in observations)
    at_risk = len(observations)
    survival = 1.0
    steps = []
    for time in sorted(leaving):
        if events[time]:
            survival *= 1 - events[time] / at_risk
            steps.append(Step(time, at_risk, events[time], survival))
        at_risk -= leaving[time]
    return steps


def survival_at(steps: list[Step], time: float) -> float:
    """S(t): the curve's value at ``time`` (1 before the first event)."""
    value = 1.0
    for step in steps:
        if step.time > time:
            break
        value = step.survival
    return value


def at_risk_at(observations: Iterable[tuple[float, bool]], time: float) -> int:
    """How many were still followed (neither lost nor censored) just before ``time``."""
    return sum(1 for observed, _event in observations if observed >= time)


def curve_points(
    observations: Iterable[tuple[float, bool]], months: int = 36, step: int = 1
) -> list[tuple[int, float | None]]:
    """(month, S(month) in percent, one decimal) from 0 to ``months``: a retention curve's
    points. None past the longest follow-up observed (the curve knows nothing there), and
    throughout when there is nobody to estimate from."""
    observations = list(observations)
    steps = kaplan_meier(observations)
    longest = max((time for time, _event in observations), default=-1)
    return [
        (month, round(100 * survival_at(steps, month), 1) if month <= longest else None)
        for month in range(0, months + 1, step)
    ]
