"""What every import shares: cell parsers, the row and problem types, the importer interface.

A cell parser returns the cleaned value or raises `CellError` with a message that never repeats
a PII value (names and phone numbers are described, not echoed).
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ctip.cases.services import BulkValidationError
from ctip.core.audit import Origin
from ctip.core.countries import ALPHA2
from ctip.core.models import ImportBatch, Organisation

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
INVALID = object()  # what a cell that failed to parse holds

DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
YEAR_PATTERN = re.compile(r"^\d{1,4}$")
PHONE_PATTERN = re.compile(r"^\+?[\d\s().\-/]+$")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class CellError(Exception):
    pass


@dataclass(frozen=True)
class Problem:
    """One line of the error list: `row 7, column birth_year: 2090 is in the future`."""

    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        if self.row is not None and self.column:
            return _("row %(row)d, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        if self.row is not None:
            return _("row %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        return self.message


class Row:
    """One data row: its cells by column name and the problems found in it."""

    def __init__(self, number: int, values: dict[str, str], problems: list[Problem]):
        self.number = number
        self.values = values
        self._problems = problems
        self.ok = True

    def error(self, column: str | None, message: str) -> None:
        self.ok = False
        self._problems.append(Problem(message=message, row=self.number, column=column))

    def parse(self, column: str, parser, *args, **kwargs):
        """The parsed cell, or INVALID (with the problem recorded) when it does not parse."""
        try:
            return parser(self.values[column], *args, **kwargs)
        except CellError as exc:
            self.error(column, str(exc))
            return INVALID


# --- cell parsers -------------------------------------------------------------------------


def text(value: str, *, max_length: int, required: bool = False) -> str:
    if not value:
        if required:
            raise CellError(_("is required"))
        return ""
    if len(value) > max_length:
        raise CellError(_("is too long (at most %(n)d characters)") % {"n": max_length})
    return value


def code(value: str, *, max_length: int = 40) -> str:
    value = text(value, max_length=max_length, required=True)
    if not CODE_PATTERN.match(value):
        raise CellError(
            _("%(value)s is not a code (letters, digits, '-', '_' or '.', no spaces)")
            % {"value": value}
        )
    return value


def choice(value: str, choices, *, required: bool = True) -> str:
    if not value:
        if required:
            raise CellError(_("is required (one of: %(values)s)") % {"values": ", ".join(choices)})
        return ""
    if value not in choices:
        raise CellError(
            _("%(value)s is not one of: %(values)s")
            % {"value": value, "values": ", ".join(choices)}
        )
    return value


def choices_list(value: str, choices) -> list[str]:
    items = [item.strip() for item in value.split(";") if item.strip()]
    unknown = [item for item in items if item not in choices]
    if unknown:
        raise CellError(
            _("%(value)s is not one of: %(values)s")
            % {"value": ", ".join(unknown), "values": ", ".join(choices)}
        )
    return sorted(set(items))


def date(value: str, *, required: bool = False, past: bool = True) -> dt.date | None:
    if not value:
        if required:
            raise CellError(_("is required (a date, YYYY-MM-DD)"))
        return None
    try:
        if not DATE_PATTERN.match(value):
            raise ValueError(value)
        parsed = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CellError(
            _("%(value)s is not a date in the form YYYY-MM-DD") % {"value": value}
        ) from exc
    if past and parsed > timezone.localdate():
        raise CellError(_("%(value)s is in the future") % {"value": value})
    if parsed.year < 1900:
        raise CellError(_("%(value)s is before 1900") % {"value": value})
    return parsed


def year(value: str) -> int | None:
    if not value:
        return None
    if not YEAR_PATTERN.match(value):
        raise CellError(_("%(value)s is not a year") % {"value": value})
    number = int(value)
    if number > timezone.localdate().year:
        raise CellError(_("%(value)s is in the future") % {"value": number})
    if number < 1900:
        raise CellError(_("%(value)s is before 1900") % {"value": number})
    return number


def country(value: str) -> str:
    if not value:
        return ""
    if value.upper() not in ALPHA2:
        raise CellError(_("%(value)s is not an ISO 3166 alpha-2 country code") % {"value": value})
    return value.upper()


def pii_text(value: str, *, max_length: int = 200) -> str:
    """A name: never echoed in a message."""
    if len(value) > max_length:
        raise CellError(_("is too long (at most %(n)d characters)") % {"n": max_length})
    if any(ord(ch) < 32 for ch in value):
        raise CellError(_("contains control characters"))
    return value


def phone(value: str) -> str:
    """A phone number: never echoed in a message."""
    if not value:
        return ""
    digits = sum(ch.isdigit() for ch in value)
    if not PHONE_PATTERN.match(value) or not 6 <= digits <= 15 or len(value) > 40:
        raise CellError(_("not a phone number"))
    return value


def validation_problems(row: int, exc: ValidationError, columns: dict[str, str]) -> list[Problem]:
    """A service's ValidationError as row problems; ``columns`` maps model fields to columns."""
    if not hasattr(exc, "error_dict"):
        return [Problem(message=m, row=row) for m in exc.messages]
    problems = []
    for name, messages in exc.message_dict.items():
        column = columns.get(name, name if name != "__all__" else None)
        problems.extend(Problem(message=m, row=row, column=column) for m in messages)
    return problems


# --- the importer interface ---------------------------------------------------------------


@dataclass
class Planned:
    """What one valid row will do, with its parsed values."""

    row: int
    action: str
    values: dict
    target: object = None  # the existing record for updates and unchanged rows
    changes: dict = field(default_factory=dict)


class Importer:
    """Validates every row into a plan (`plan`), then writes the plan through services."""

    kind = ""
    #: model field names that services name in ValidationErrors → the template's columns
    field_columns: dict[str, str] = {}

    def __init__(self, *, origin: Origin, scope: Organisation | None):
        self.origin = origin
        self.scope = scope
        self.problems: list[Problem] = []

    def in_scope(self, organisation_path: str) -> bool:
        return self.scope is None or organisation_path.startswith(self.scope.path)

    def plan(self, rows: list[Row]) -> list[Planned]:
        raise NotImplementedError

    def write(self, plan: list[Planned], batch: ImportBatch) -> None:
        raise NotImplementedError

    def service_call(self, planned: Planned, function, **kwargs):
        """Call a service; a ValidationError becomes problems of the row (the caller rolls back)."""
        try:
            return function(**kwargs)
        except ValidationError as exc:
            self.problems.extend(validation_problems(planned.row, exc, self.field_columns))
            return None

    def bulk_call(self, planned: list[Planned], function, **kwargs):
        """Call a bulk service whose entries follow ``planned``; its problems go to their rows."""
        if not planned:
            return None
        try:
            return function(origin=self.origin, **kwargs)
        except BulkValidationError as exc:
            for index, error in exc.by_index.items():
                self.problems.extend(
                    validation_problems(planned[index].row, error, self.field_columns)
                )
            return None
