"""A report (`engine.report_build`'s dict) as CSV or XLSX. Pure functions of the report: what
the file holds is exactly what the JSON holds, suppression included."""

import csv
import io
from typing import Any

from django.utils.translation import gettext as _

from ctip.indicators.dimensions import Labels, breakdown_label
from ctip.indicators.registry import REGISTRY

CSV_COLUMNS = ("indicator", "breakdown", "cell", "value", "numerator", "denominator")


def _cell_parts(value: Any) -> tuple[Any, Any, Any]:
    """(value, numerator, denominator) of a count cell or a rate/median cell."""
    if isinstance(value, dict):
        return value.get("value"), value.get("numerator"), value.get("denominator")
    return value, None, None


def _blank(value: Any) -> Any:
    return "" if value is None else value


def report_rows(report: dict) -> list[tuple]:
    """Long format: one row per indicator total (breakdown "total") and per breakdown cell."""
    rows = []
    for item in report["indicators"]:
        rows.append(
            (item["code"], "total", "", item["value"], item["numerator"], item["denominator"])
        )
        for breakdown, cells in item["disaggregations"].items():
            for cell, value in cells.items():
                rows.append((item["code"], breakdown, cell, *_cell_parts(value)))
    return rows


def report_csv(report: dict) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in report_rows(report):
        writer.writerow([_blank(value) for value in row])
    return buffer.getvalue()


def _sheet_title(code: str, used: set[str]) -> str:
    title = "".join(ch for ch in code if ch not in "[]:*?/\\")[:31] or "indicator"
    base, index = title, 2
    while title in used:
        title = f"{base[:28]}-{index}"
        index += 1
    used.add(title)
    return title


def report_xlsx(report: dict) -> bytes:
    """A summary sheet, then one sheet per indicator with its breakdowns (cell codes and
    labels side by side)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    labels = Labels()
    bold = Font(bold=True)
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Summary"
    period = report["period"]
    summary.append([_("Indicators")])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([_("Period"), period["label"], period["start"], period["end"]])
    summary.append(
        [_("Organisation"), report["scope"], labels.organisations().get(report["scope"], "")]
    )
    summary.append([_("Generated"), report["generated_at"]])
    if report.get("public"):
        summary.append(
            [
                _("Suppressed"),
                _("Counts from 1 to 4 show as <5; a second cell marked * is hidden too."),
            ]
        )
    summary.append([])
    header = [_("Code"), _("Indicator"), _("Unit"), _("Value"), _("Numerator"), _("Denominator")]
    summary.append(header)
    for cell in summary[summary.max_row]:
        cell.font = bold
    for item in report["indicators"]:
        summary.append(
            [
                item["code"],
                item["name"],
                item["unit"],
                item["value"],
                item["numerator"],
                item["denominator"],
            ]
        )
    summary.column_dimensions["B"].width = 40
    used = {"Summary"}
    for item in report["indicators"]:
        sheet = workbook.create_sheet(_sheet_title(item["code"], used))
        indicator = REGISTRY.get(item["code"])
        sheet.append([f"{item['code']} {item['name']}"])
        sheet["A1"].font = Font(bold=True, size=13)
        if indicator is not None:
            sheet.append([str(indicator.definition)])
        sheet.append([_("Value"), item["value"], item["unit"]])
        sheet.append([])
        extra_keys = sorted(
            {
                key
                for cells in item["disaggregations"].values()
                for value in cells.values()
                if isinstance(value, dict)
                for key in value
                if key not in ("value", "numerator", "denominator")
            }
        )
        sheet.append(
            [_("Breakdown"), _("Cell"), _("Label"), _("Value"), _("Numerator"),
             _("Denominator"), *extra_keys]
        )  # fmt: skip
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for breakdown, cells in item["disaggregations"].items():
            for key, value in cells.items():
                extras = [value.get(k) for k in extra_keys] if isinstance(value, dict) else []
                sheet.append(
                    [
                        breakdown_label(breakdown),
                        key,
                        labels.cell(breakdown, key),
                        *_cell_parts(value),
                        *(", ".join(extra) if isinstance(extra, list) else extra
                          for extra in extras),
                    ]
                )  # fmt: skip
        sheet.column_dimensions["A"].width = 24
        sheet.column_dimensions["C"].width = 30
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
