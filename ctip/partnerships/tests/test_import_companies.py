"""`ctip template companies` and `ctip import companies FILE`: all-or-nothing, idempotent."""

import io

import pytest
from django.core.management import call_command

from ctip.core.models import AuditEntry, ImportBatch
from ctip.interop.tests.conftest import run_import, write_csv, write_xlsx
from ctip.partnerships.models import Company
from ctip.partnerships.tests.conftest import make_company

pytestmark = pytest.mark.django_db

COLUMNS = [
    "implementer", "ref", "name", "sector", "ownership", "hq_country", "operating_countries",
    "size", "supply_chain_position", "has_csr_strategy", "csr_summary", "csr_priorities",
    "interests", "website", "target",
]  # fmt: skip
ROWS = [
    ["winrock", "C-001", "Andaman Seafood Co.", "seafood", "local", "TH", "TH;MM", "large",
     "processor", "yes", "Responsible sourcing", "Worker voice", "Connectivity at sea",
     "https://andaman.example", "yes"],
    ["winrock", "C-002", "Mekong Garments", "garments", "multinational", "KH", "KH;TH;VN",
     "large", "brand", "no", "", "", "", "", "no"],
    ["winrock", "C-003", "Himalaya Hotels", "hospitality", "local", "NP", "", "medium", "",
     "", "", "", "", "", ""],
]  # fmt: skip


def test_template_has_the_documented_columns():
    out = io.StringIO()
    call_command("template", "companies", stdout=out)
    assert out.getvalue().splitlines()[0].lstrip("\ufeff") == ",".join(COLUMNS)


def test_companies_are_imported_then_updated_never_duplicated(cast, tmp_path):
    run = run_import("companies", str(write_csv(tmp_path / "a.csv", COLUMNS, ROWS)))
    assert run.status == 0, run.err
    assert run.out[-1] == "created=3 updated=0 unchanged=0"
    company = Company.objects.get(ref="C-002")
    assert company.organisation == cast.implementer
    assert company.operating_country_list == ["KH", "TH", "VN"]
    assert (company.ownership, company.is_target, company.has_csr_strategy) == (
        "multinational",
        False,
        False,
    )
    assert Company.objects.get(ref="C-001").is_target is True
    assert company.import_batch == ImportBatch.objects.get()
    assert AuditEntry.objects.filter(action="import", detail__kind="companies").count() == 1

    again = run_import("companies", str(write_xlsx(tmp_path / "b.xlsx", COLUMNS, ROWS)))
    assert again.out[-1] == "created=0 updated=0 unchanged=3"

    changed = [list(row) for row in ROWS]
    changed[2][14] = "yes"  # mark Himalaya Hotels as a target
    changed[1][6] = "TH;KH;VN"  # same countries, another order: unchanged
    run = run_import("companies", str(write_csv(tmp_path / "c.csv", COLUMNS, changed)))
    assert run.out[-1] == "created=0 updated=1 unchanged=2"
    assert Company.objects.get(ref="C-003").is_target is True
    assert Company.objects.count() == 3


def test_any_bad_row_writes_nothing_and_every_problem_is_listed(cast, tmp_path):
    make_company(cast, "Existing Fisheries")
    rows = [
        ROWS[0],
        ["winrock", "C-002", "Mekong Garments", "textiles", "global", "XX", "KH;ZZ", "huge",
         "", "maybe", "", "", "", "not a url", ""],
        ["winrock", "C-001", "Again", "seafood", "local", "", "", "", "", "", "", "", "", "", ""],
        ["nowhere", "C-004", "X", "seafood", "local", "", "", "", "", "", "", "", "", "", ""],
        ["winrock", "C-005", "existing fisheries", "seafood", "local", "", "", "", "", "", "",
         "", "", "", ""],
    ]  # fmt: skip
    run = run_import("companies", str(write_csv(tmp_path / "bad.csv", COLUMNS, rows)))
    assert run.status == 1
    problems = [line for line in run.err if line.startswith("row ")]
    assert problems == [
        "row 3, column sector: textiles is not one of: " + ", ".join(
            ["seafood", "agriculture", "garments", "electronics", "construction", "hospitality",
             "recruitment", "finance", "technology", "logistics", "retail", "manufacturing",
             "other"]
        ),
        "row 3, column ownership: global is not one of: multinational, local",
        "row 3, column hq_country: XX is not an ISO 3166 alpha-2 country code",
        "row 3, column operating_countries: ZZ is not an ISO 3166 alpha-2 country code",
        "row 3, column size: huge is not one of: micro, small, medium, large",
        "row 3, column has_csr_strategy: maybe is not yes or no",
        "row 3, column website: not a url is not a web address",
        "row 4, column ref: C-001 appears twice in the file (first on row 2)",
        "row 5, column implementer: no implementer with code nowhere",
        "row 6, column name: existing fisheries is already in the registry (ref —)",
    ]  # fmt: skip
    assert "nothing was imported" in run.err[-1]
    assert Company.objects.count() == 1
    assert not ImportBatch.objects.exists()


def test_scope_limits_the_implementer(cast, tmp_path):
    run = run_import(
        "companies", str(write_csv(tmp_path / "a.csv", COLUMNS, ROWS[:1])), "--org", "th"
    )
    assert run.status == 1
    assert "no implementer with code winrock" in run.err[0]
    ok = run_import(
        "companies", str(write_csv(tmp_path / "b.csv", COLUMNS, ROWS[:1])), "--org", "winrock"
    )
    assert ok.out[-1] == "created=1 updated=0 unchanged=0"
