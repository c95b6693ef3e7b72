"""`ctip report`: JSON shape, CSV and XLSX outputs, errors, the audit entry."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from ctip.core.models import AuditEntry
from ctip.indicators.periods import Period


@pytest.fixture
def data(cast, make_survivor, records):
    """Six survivors served in 2026-Q1 at ngo_a, one of them male; one referral."""
    survivors = [make_survivor(sex="male" if i == 0 else "female") for i in range(6)]
    for survivor in survivors:
        records.episode(survivor, "shelter", "2026-02-01")
    records.referral(survivors[0], "completed", "2026-02-01", "2026-02-11")
    return survivors


def report(*args) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_json_shape_and_audit(cast, data):
    before = AuditEntry.objects.count()
    result = json.loads(report("--period", "2026-Q1", "--org", "th"))
    assert result["period"] == {"label": "2026-Q1", "start": "2026-01-01", "end": "2026-03-31"}
    assert result["scope"] == "th"
    assert result["public"] is False
    srv1 = next(item for item in result["indicators"] if item["code"] == "SRV-1")
    assert srv1["name"] == "Survivors receiving services"
    assert srv1["unit"] == "survivors"
    assert (srv1["value"], srv1["numerator"], srv1["denominator"]) == (6, None, None)
    assert srv1["disaggregations"]["sex"] == {"female": 5, "male": 1, "other": 0, "unknown": 0}
    entry = AuditEntry.objects.order_by("-id").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry.action == "export"
    assert entry.source == "cli: report 2026-Q1 th json"
    assert entry.organisation_code == "th"
    assert entry.detail == {"scope": "th", "period": "2026-Q1", "format": "json",
                            "public": False, "indicators": "all"}  # fmt: skip


def test_public_json_suppresses(cast, data):
    result = json.loads(report("--period", "2026-Q1", "--org", "th", "--public"))
    srv1 = next(item for item in result["indicators"] if item["code"] == "SRV-1")
    assert srv1["value"] == 6
    assert srv1["disaggregations"]["sex"] == {"female": "*", "male": "<5", "other": 0,
                                              "unknown": 0}  # fmt: skip
    ref1 = next(item for item in result["indicators"] if item["code"] == "REF-1")
    assert (ref1["value"], ref1["numerator"], ref1["denominator"]) == (None, "<5", "<5")
    srv3 = next(item for item in result["indicators"] if item["code"] == "SRV-3")
    assert "review" not in srv3
    assert AuditEntry.objects.order_by("-id").first().detail["public"] is True


def test_defaults_last_complete_quarter_and_top_organisation(cast, data):
    result = json.loads(report("--indicator", "srv-1"))
    assert result["period"]["label"] == Period.last_complete("quarter", timezone.localdate()).label
    assert result["scope"] == "winrock"
    assert [item["code"] for item in result["indicators"]] == ["SRV-1"]


def test_csv_long_format(cast, data, tmp_path):
    path = tmp_path / "report.csv"
    report("--period", "2026-Q1", "--org", "th-ngo-a", "--format", "csv", "-o", str(path),
           "--indicator", "SRV-1", "REF-1")  # fmt: skip
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0] == ["indicator", "breakdown", "cell", "value", "numerator", "denominator"]
    assert ["SRV-1", "total", "", "6", "", ""] in rows
    assert ["SRV-1", "sex", "male", "1", "", ""] in rows
    assert ["REF-1", "total", "", "100.0", "1", "1"] in rows
    assert ["REF-1", "status", "completed", "1", "", ""] in rows
    assert {row[0] for row in rows[1:]} == {"SRV-1", "REF-1"}


def test_xlsx_summary_and_one_sheet_per_indicator(cast, data, tmp_path):
    path = tmp_path / "report.xlsx"
    report("--period", "2026-Q1", "--org", "th", "--format", "xlsx", "-o", str(path))
    book = load_workbook(path)
    assert book.sheetnames[0] == "Summary"
    assert {"SRV-1", "SRV-2", "SRV-3", "REF-0", "REF-1", "REF-2", "GOV-1", "CAP-1",
            "OUT-3"} <= set(book.sheetnames)  # fmt: skip
    summary = [row for row in book["Summary"].iter_rows(values_only=True)]
    assert ("SRV-1", "Survivors receiving services", "survivors", 6, None, None) in summary
    sheet = [row for row in book["SRV-1"].iter_rows(values_only=True)]
    assert ("Sex", "male", "Male", 1, None, None) in sheet
    assert ("Organisation", "th-ngo-a", "Friends Foundation", 6, None, None) in sheet


@pytest.mark.parametrize(
    "args, message",
    [
        (["--period", "2026-13"], "month must be 01 to 12"),
        (["--period", "last quarter"], "is not a period"),
        (["--org", "nowhere"], "No organisation with code nowhere"),
        (["--indicator", "SRV-9"], "Unknown indicator SRV-9"),
    ],
)
def test_bad_input_is_a_clear_error(cast, args, message):
    with pytest.raises(CommandError, match=message):
        report(*args)


@pytest.mark.parametrize("fmt", ["iati", "dhis2"])
def test_interop_formats_not_yet(cast, fmt):
    before = AuditEntry.objects.count()
    with pytest.raises(CommandError, match="not yet available") as error:
        report("--format", fmt)
    assert error.value.returncode == 2
    assert AuditEntry.objects.count() == before
