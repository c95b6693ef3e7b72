"""Small-cell suppression for aggregates that leave the programme (donors, public reports).

A count from 1 to 4 could point at one person, so it is shown as "<5". When a breakdown then has
exactly one hidden cell, the total minus the visible cells would give it away, so the next
smallest cell is hidden too (secondary suppression), shown as "*". Zeros stay visible: they
identify nobody. These functions are pure so every page and report applies the same rule.
"""

from collections.abc import Mapping

THRESHOLD = 5
SMALL = "<5"
HIDDEN = "*"


def suppress_count(value: int, threshold: int = THRESHOLD) -> int | str:
    """One number on its own (a total): 1 to threshold-1 becomes "<5"."""
    return SMALL if 0 < value < threshold else value


def suppress_breakdown(
    counts: Mapping[str, int], threshold: int = THRESHOLD
) -> dict[str, int | str]:
    """The cells of one breakdown (e.g. by sex), in the same order, with small cells hidden.

    Primary: every cell with 0 < count < threshold shows "<5". Secondary: if exactly one cell is
    hidden, the smallest remaining non-zero cell (first in order on a tie) shows "*", so that no
    hidden cell can be recovered by subtracting the visible cells from the total.
    """
    result: dict[str, int | str] = {}
    primary = {key for key, value in counts.items() if 0 < value < threshold}
    for key, value in counts.items():
        result[key] = SMALL if key in primary else value
    if len(primary) == 1:
        candidates = [
            (value, index, key)
            for index, (key, value) in enumerate(counts.items())
            if key not in primary and value > 0
        ]
        if candidates:
            _value, _index, key = min(candidates)
            result[key] = HIDDEN
    return result
