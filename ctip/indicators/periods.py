"""Reporting periods: a month `2026-01`, a quarter `2026-Q1` or a year `2026`, closed ranges."""

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date
    end: dt.date
    kind: str  # month, quarter, year

    @classmethod
    def parse(cls, text: str) -> "Period":
        text = (text or "").strip()
        if match := _MONTH.match(text):
            year, month = int(match[1]), int(match[2])
            if not 1 <= month <= 12:
                raise PeriodError(f"{text}: month must be 01 to 12")
            last = calendar.monthrange(year, month)[1]
            return cls(text, dt.date(year, month, 1), dt.date(year, month, last), "month")
        if match := _QUARTER.match(text):
            year, quarter = int(match[1]), int(match[2])
            first_month = 3 * (quarter - 1) + 1
            last_month = first_month + 2
            last = calendar.monthrange(year, last_month)[1]
            return cls(
                f"{year}-Q{quarter}",
                dt.date(year, first_month, 1),
                dt.date(year, last_month, last),
                "quarter",
            )
        if match := _YEAR.match(text):
            year = int(match[1])
            return cls(text, dt.date(year, 1, 1), dt.date(year, 12, 31), "year")
        raise PeriodError(f"{text!r} is not a period: use 2026-01, 2026-Q1 or 2026")

    @classmethod
    def containing(cls, day: dt.date, kind: str = "quarter") -> "Period":
        if kind == "month":
            return cls.parse(f"{day.year}-{day.month:02d}")
        if kind == "year":
            return cls.parse(str(day.year))
        return cls.parse(f"{day.year}-Q{(day.month - 1) // 3 + 1}")

    def previous(self) -> "Period":
        return Period.containing(self.start - dt.timedelta(days=1), self.kind)

    def last(self, count: int) -> list["Period"]:
        """This period and the ones before it, oldest first (for trend lines)."""
        periods = [self]
        while len(periods) < count:
            periods.append(periods[-1].previous())
        return list(reversed(periods))

    def as_dict(self) -> dict:
        return {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat()}

    def next(self) -> "Period":
        return Period.containing(self.end + dt.timedelta(days=1), self.kind)

    @classmethod
    def last_complete(cls, kind: str = "quarter", today: dt.date | None = None) -> "Period":
        """The last month, quarter or year that ended before ``today`` (reports' default)."""
        today = today or timezone.localdate()
        return cls.containing(today, kind).previous()

    @classmethod
    def recent(cls, today: dt.date, *, months: int = 12, quarters: int = 8, years: int = 4):
        """Choices for a period picker: the current and recent periods of each kind, newest
        first, as {kind: [Period, …]}."""
        return {
            "quarter": list(reversed(cls.containing(today, "quarter").last(quarters))),
            "month": list(reversed(cls.containing(today, "month").last(months))),
            "year": list(reversed(cls.containing(today, "year").last(years))),
        }
