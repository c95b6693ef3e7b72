"""`ctip template studies` and `ctip import studies`: all-or-nothing, idempotent, traceable."""

import io

import pytest
from django.core.management import CommandError, call_command

from ctip.core.models import AuditEntry, ImportBatch
from ctip.evidence.models import Study
from ctip.interop.importers.columns import column_names

HEADER = ",".join(column_names("studies"))


def row(**values):
    cells = {name: "" for name in column_names("studies")}
    cells.update(values)
    return ",".join(f'"{cells[name]}"' for name in column_names("studies"))


GOOD_1 = row(
    org="winrock",
    ref="S-1",
    title="Forced labour on Thai fishing boats",
    authors="Nguyen, T.;  Smith, J.",
    year="2019",
    publication_type="journal",
    doi="https://doi.org/10.1234/ABC.1",
    countries="TH; MM",
    sectors="fishing",
    exploitation="labour",
    interventions="identification;legal",
    outcomes="identification",
    design="qualitative",
    sample_size="34",
)
GOOD_2 = row(org="th", ref="S-2", title="Shelters in Thailand", year="2021", design="mixed")


def run(tmp_path, *lines, name="studies.csv", **options):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_records", "studies", str(path), stdout=out, stderr=err, **options)
    return out.getvalue().strip().splitlines()[-1]


def test_the_template_has_the_documented_columns(tmp_path):
    out = io.StringIO()
    call_command("template", "studies", stdout=out)
    assert out.getvalue().strip() == HEADER
    assert HEADER.startswith("org,ref,title,authors,year,publication_type")
    target = tmp_path / "studies.xlsx"
    call_command("template", "studies", "-o", str(target), stdout=io.StringIO())
    assert target.read_bytes()[:2] == b"PK"


def test_import_creates_then_is_idempotent_then_updates(cast, tmp_path):
    assert run(tmp_path, GOOD_1, GOOD_2) == "created=2 updated=0 unchanged=0"
    study = Study.objects.get(ref="S-1")
    assert study.organisation == cast.implementer
    assert study.countries == ";MM;TH;"
    assert study.interventions == ";identification;legal;"
    assert study.authors == "Nguyen, T.; Smith, J."
    assert study.doi == "10.1234/abc.1"
    assert study.sample_size == 34
    batch = ImportBatch.objects.get(kind="studies")
    assert study.import_batch == batch and (batch.created, batch.updated) == (2, 0)
    assert AuditEntry.objects.filter(action="import", object_ref=str(batch.uuid)).count() == 1

    assert run(tmp_path, GOOD_1, GOOD_2) == "created=0 updated=0 unchanged=2"
    changed = GOOD_2.replace("Shelters in Thailand", "Shelters in Thailand revisited")
    assert run(tmp_path, GOOD_1, changed) == "created=0 updated=1 unchanged=1"
    assert Study.objects.get(ref="S-2").title == "Shelters in Thailand revisited"
    assert Study.objects.count() == 2


def test_a_bad_row_names_row_and_column_and_nothing_is_written(cast, tmp_path):
    bad_sector = row(org="winrock", ref="S-3", title="Kilns", sectors="fishing;mining")
    bad_org = row(org="th-ngo-a", ref="S-4", title="Partner library")
    no_title = row(org="kh", ref="S-5")
    bad_year = row(org="kh", ref="S-6", title="Future", year="2999", doi="not-a-doi")
    with pytest.raises(CommandError) as caught:
        run(tmp_path, GOOD_1, bad_sector, bad_org, no_title, bad_year)
    assert str(caught.value).startswith("5 problems found in ")
    assert str(caught.value).endswith("; nothing was imported.")
    assert Study.objects.count() == 0
    assert ImportBatch.objects.count() == 0


def test_problem_messages(cast, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                GOOD_1,
                row(org="winrock", ref="S-3", title="Kilns", sectors="fishing;mining"),
                row(org="th-ngo-a", ref="S-4", title="Partner library"),
                row(org="kh", ref="S-5"),
                row(org="kh", ref="S-6", title="Future", year="2999", doi="not-a-doi"),
                GOOD_1,
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_records", "studies", str(path), stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().strip().splitlines()
    assert lines == [
        "row 3, column sectors: mining is not one of: fishing, agriculture, construction, "
        "domestic_work, sex_industry, manufacturing, hospitality, other",
        "row 4, column org: no implementer or country project with code th-ngo-a",
        "row 5, column title: is required",
        "row 6, column year: 2999 is in the future",
        "row 6, column doi: not-a-doi is not a DOI (it starts with 10. and has a slash)",
        "row 7, column ref: S-1 appears twice in the file (first on row 2)",
    ]
    assert Study.objects.count() == 0


def test_dry_run_and_scope(cast, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("\n".join([HEADER, GOOD_1, GOOD_2]) + "\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_records", "studies", str(path), "--dry-run", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[-1] == "created=2 updated=0 unchanged=0"
    assert Study.objects.count() == 0
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_records", "studies", str(path), "--org", "kh", stdout=out, stderr=err)
    assert err.getvalue().splitlines()[0] == (
        "row 2, column org: no implementer or country project with code winrock"
    )
    assert Study.objects.count() == 0
