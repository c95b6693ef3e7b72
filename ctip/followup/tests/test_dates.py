import datetime as dt

import pytest

from ctip.followup.dates import add_months, months_between

D = dt.date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 1, 15), 1, D(2026, 2, 15)),
        (D(2026, 1, 31), 1, D(2026, 2, 28)),  # February is shorter
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # … unless it is a leap year
        (D(2026, 1, 31), 3, D(2026, 4, 30)),
        (D(2026, 3, 31), 6, D(2026, 9, 30)),
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),  # across the year end
        (D(2026, 12, 31), 12, D(2027, 12, 31)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # from a leap day
        (D(2024, 2, 29), 48, D(2028, 2, 29)),  # … back to a leap day four years on
        (D(2024, 2, 29), 120, D(2034, 2, 28)),
        (D(2026, 5, 10), 0, D(2026, 5, 10)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def test_schedule_is_counted_from_the_opening_not_chained():
    opened = D(2027, 1, 31)
    dues = [add_months(opened, m) for m in (1, 2, 3)]
    # Chaining (31 Jan → 28 Feb → 28 Mar) would drift; counted from the opening it does not.
    assert dues == [D(2027, 2, 28), D(2027, 3, 31), D(2027, 4, 30)]


def test_months_between_uses_average_months():
    assert months_between(D(2026, 1, 1), D(2027, 1, 1)) == pytest.approx(365 / (365.25 / 12))
    assert months_between(D(2026, 1, 1), D(2026, 1, 1)) == 0
