"""Calendar arithmetic for schedules: whole months after a date, the way people count them.

31 January + 1 month is the last day of February (28th, or 29th in a leap year), not 3 March;
every due date is counted from the case opening, never from the previous due date, so a
schedule does not drift (31 Jan → 29 Feb → 31 Mar, not 31 Jan → 29 Feb → 29 Mar).
"""

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def months_between(start: dt.date, end: dt.date) -> float:
    """Elapsed time in average months (365.25 / 12 days): the time axis of retention curves."""
    return (end - start).days / (365.25 / 12)
