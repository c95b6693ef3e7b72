"""Reading and writing the two spreadsheet formats partners use: CSV (UTF-8) and XLSX.

Reading gives every cell as stripped text, so validation treats both formats alike; rows carry
their spreadsheet line number (the header is row 1) so error messages point at the right line.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from zipfile import BadZipFile

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ctip.interop.importers.columns import TEMPLATES

XLSX_MAGIC = b"PK\x03\x04"


class TableError(Exception):
    """The file cannot be read as a table at all."""


@dataclass
class Table:
    header: list[str]
    # (spreadsheet row number, cells as text); blank rows are left out.
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def _cell_text(value) -> str:
    if value.__class__ is str:  # every CSV cell: the common case first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table(records) -> Table:
    header: list[str] | None = None
    table = Table(header=[])
    for number, cells in records:
        texts = [_cell_text(c) for c in cells]
        if header is None:
            if not any(texts):
                continue  # leading blank lines before the header
            header = texts
            while header and not header[-1]:
                header.pop()
            table.header = header
            continue
        if any(texts):
            table.rows.append((number, texts))
    if header is None:
        raise TableError(_("The file is empty: the first row must name the columns."))
    return table


def read_csv(content: bytes) -> Table:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(
            _("The file is not UTF-8 text (save it as 'CSV UTF-8' or as .xlsx).")
        ) from exc
    try:
        return _table(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
    except csv.Error as exc:
        raise TableError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc


def read_xlsx(content: bytes) -> Table:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise TableError(_("The file is not a readable .xlsx workbook.")) from exc
    try:
        sheet = workbook.worksheets[0]
        return _table(enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1))
    finally:
        workbook.close()


def read_table(file_name: str, content: bytes) -> Table:
    """Read CSV or XLSX, chosen by the file's extension or, failing that, its first bytes."""
    suffix = Path(file_name).suffix.lower()
    if suffix == ".xls":
        raise TableError(_("Old .xls workbooks are not read: save the file as .xlsx or .csv."))
    if suffix in {".xlsx", ".xlsm"} or content.startswith(XLSX_MAGIC):
        return read_xlsx(content)
    return read_csv(content)


# --- templates ----------------------------------------------------------------------------


def template_csv(kind: str, *, bom: bool = False) -> str:
    """The header line of a blank CSV template (with a BOM, Excel opens it as UTF-8)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([c.name for c in TEMPLATES[kind]])
    return ("\ufeff" if bom else "") + buffer.getvalue()


def template_xlsx(kind: str) -> bytes:
    """A blank XLSX template: the header row, drop-down lists for coded columns, a help sheet."""
    columns = TEMPLATES[kind]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind
    bold = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.name)
        cell.font = bold
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, len(column.name) + 4)
        # Text format keeps leading zeros of phone numbers and refs as typed.
        sheet.column_dimensions[letter].number_format = "@"
        if column.choices:
            validation = DataValidation(
                type="list", formula1='"{}"'.format(",".join(column.choices)), allow_blank=True
            )
            validation.error = _one_of_text(column.choices)
            validation.errorTitle = column.name
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}1048576")
    sheet.freeze_panes = "A2"

    help_sheet = workbook.create_sheet("help")
    titles = [_("column"), _("required"), _("format or allowed values"), _("description")]
    for index, title in enumerate(titles, start=1):
        help_sheet.cell(row=1, column=index, value=str(title)).font = bold
    for row, column in enumerate(columns, start=2):
        help_sheet.cell(row=row, column=1, value=column.name)
        help_sheet.cell(row=row, column=2, value=str(_("yes") if column.required else _("no")))
        help_sheet.cell(row=row, column=3, value=str(column.format))
        help_sheet.cell(row=row, column=4, value=str(column.description))
    for letter, width in zip("ABCD", (16, 10, 50, 80), strict=True):
        help_sheet.column_dimensions[letter].width = width

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _one_of_text(values) -> str:
    return _("Choose one of: %(values)s") % {"values": ", ".join(values)}
