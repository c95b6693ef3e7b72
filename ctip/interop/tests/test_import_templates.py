import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from ctip.interop.tests.conftest import run_import

# DESIGN.md, "Import templates", word for word.
DESIGN_COLUMNS = {
    "organisations": ["code", "name", "kind", "parent", "provider_type", "country"],
    "survivors": [
        "ref", "org", "sex", "birth_year", "nationality", "exploitation", "identified_on",
        "given_name", "family_name", "phone",
    ],
    "needs": ["ref", "survivor_ref", "category", "assessed_on", "status"],
}  # fmt: skip


def template(*args) -> str:
    out = io.StringIO()
    call_command("template", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("kind", list(DESIGN_COLUMNS))
def test_csv_template_on_stdout_has_exactly_the_documented_columns(kind):
    assert template(kind) == ",".join(DESIGN_COLUMNS[kind]) + "\n"


@pytest.mark.parametrize("kind", list(DESIGN_COLUMNS))
def test_csv_template_file(kind, tmp_path):
    path = tmp_path / f"{kind}.csv"
    assert template(kind, "-o", str(path)) == f"Wrote the {kind} template to {path}.\n"
    assert path.read_text(encoding="utf-8-sig") == ",".join(DESIGN_COLUMNS[kind]) + "\n"


@pytest.mark.parametrize("kind", list(DESIGN_COLUMNS))
def test_xlsx_template_has_header_and_help_sheet(kind, tmp_path):
    path = tmp_path / f"{kind}.xlsx"
    template(kind, "-o", str(path))

    workbook = load_workbook(path)
    assert workbook.sheetnames == [kind, "help"]
    rows = list(workbook[kind].iter_rows(values_only=True))
    assert rows == [tuple(DESIGN_COLUMNS[kind])]
    help_rows = list(workbook["help"].iter_rows(values_only=True))
    assert help_rows[0] == ("column", "required", "format or allowed values", "description")
    assert [row[0] for row in help_rows[1:]] == DESIGN_COLUMNS[kind]
    assert all(row[2] and row[3] for row in help_rows[1:])


def test_xlsx_help_names_allowed_values():
    from ctip.interop.importers.tabular import template_xlsx

    workbook = load_workbook(io.BytesIO(template_xlsx("survivors")))
    help_rows = {row[0]: row for row in workbook["help"].iter_rows(values_only=True)}
    assert help_rows["sex"][1:3] == ("yes", "one of: female, male, other, unknown")
    assert help_rows["exploitation"][2] == (
        "';'-separated list of: labour, sexual, domestic, forced_marriage, begging, "
        "criminality, other"
    )
    assert help_rows["identified_on"][1:3] == ("no", "date, YYYY-MM-DD")


def test_other_file_types_are_refused(tmp_path):
    with pytest.raises(CommandError, match="Write the template to a .csv or .xlsx file."):
        template("needs", "-o", str(tmp_path / "needs.txt"))


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_blank_template_imports_as_nothing(cast, tmp_path, suffix):
    path = tmp_path / f"survivors.{suffix}"
    template("survivors", "-o", str(path))
    run = run_import("survivors", str(path))
    assert (run.status, run.out) == (0, ["created=0 updated=0 unchanged=0"])


def test_unreadable_files_are_reported(cast, tmp_path):
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(
        "ref,survivor_ref,category,assessed_on,status\nN-1,Sé,x,,\n".encode("latin-1")
    )
    run = run_import("needs", str(latin1))
    assert run.err[0] == "The file is not UTF-8 text (save it as 'CSV UTF-8' or as .xlsx)."

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    assert run_import("needs", str(broken)).err[0] == "The file is not a readable .xlsx workbook."

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert run_import("needs", str(empty)).err[0] == (
        "The file is empty: the first row must name the columns."
    )

    run = run_import("needs", str(tmp_path / "missing.csv"))
    assert run.err == [
        f"CommandError: Cannot read {tmp_path / 'missing.csv'}: No such file or directory"
    ]
