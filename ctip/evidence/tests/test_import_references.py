"""`ctip import references`: BibTeX and RIS, all-or-nothing, matched by DOI or title and year."""

import io

import pytest
from django.core.management import CommandError, call_command

from ctip.conftest import SYSTEM
from ctip.core.models import ImportBatch
from ctip.evidence.models import Study
from ctip.evidence.services import study_create
from ctip.interop.importers.references import references_import

BIBTEX = r"""% exported from a reference manager
@article{sok2019debt,
  title   = {Debt, Distance and the Boat: Trafficked Fishers Returning to {Cambodia}},
  author  = {Sok, Vannak and Harrington, Mary},
  journal = {Journal of Migration and Labour in Asia},
  year    = {2019},
  doi     = {https://doi.org/10.1234/JMLA.2019.7},
  abstract = {Life-history interviews with 34 returned fishers.}
}

@techreport{ilo2017,
  title       = {Brick Kilns of Nepal: A Survey},
  author      = {Yadav, R. and {South Asia Labour Observatory}},
  institution = {South Asia Labour Observatory},
  year        = 2017,
  url         = {https://example.org/kilns.pdf}
}

@phdthesis{pham2021,
  title  = {Returning Home: Reintegration of Women Trafficked for Marriage},
  author = {Pham, Thu},
  school = {University of Hanoi},
  year   = {2021}
}
"""

RIS = """TY  - JOUR
TI  - Screening for forced labour at Thai ports
AU  - Chaiyaphum, S.
AU  - Okafor, L.
PY  - 2021///
JO  - Maritime Policy Review
DO  - 10.5555/mpr.2021.12
AB  - Before-after comparison of inspection records.
ER  - 

TY  - RPRT
T1  - Palm oil plantations: forced labour risks
AU  - Tan, W.
PY  - 2021
PB  - Commodity Risk Reports
UR  - https://example.org/palm.pdf
ER  - 
"""


def run(tmp_path, text, name, *args):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_records", "references", str(path), *args, stdout=out, stderr=err)
    except CommandError as exc:
        return str(exc), err.getvalue().strip().splitlines()
    return out.getvalue().strip().splitlines()[-1], []


def test_bibtex_import_creates_then_is_idempotent(cast, tmp_path):
    assert run(tmp_path, BIBTEX, "refs.bib", "--org", "winrock") == (
        "created=3 updated=0 unchanged=0",
        [],
    )
    sok = Study.objects.get(doi="10.1234/jmla.2019.7")
    assert sok.title == "Debt, Distance and the Boat: Trafficked Fishers Returning to Cambodia"
    assert sok.authors == "Sok, Vannak; Harrington, Mary"
    assert (sok.year, sok.publication_type) == (2019, "journal")
    assert sok.venue == "Journal of Migration and Labour in Asia"
    assert sok.abstract == "Life-history interviews with 34 returned fishers."
    kilns = Study.objects.get(title="Brick Kilns of Nepal: A Survey")
    assert (kilns.publication_type, kilns.venue, kilns.doi) == (
        "report",
        "South Asia Labour Observatory",
        "",
    )
    assert kilns.url == "https://example.org/kilns.pdf"
    assert Study.objects.get(year=2021).publication_type == "thesis"
    batch = ImportBatch.objects.get(kind="references")
    assert set(Study.objects.values_list("import_batch", flat=True)) == {batch.pk}
    assert set(Study.objects.values_list("organisation", flat=True)) == {cast.implementer.pk}

    assert run(tmp_path, BIBTEX, "refs.bib", "--org", "winrock")[0] == (
        "created=0 updated=0 unchanged=3"
    )
    assert Study.objects.count() == 3


def test_matching_by_doi_else_by_title_and_year(cast, tmp_path):
    by_doi = study_create(
        origin=SYSTEM,
        organisation=cast.implementer,
        title="Debt and the boat (working title)",
        year=2018,
        doi="doi:10.1234/jmla.2019.7",
        countries=["KH"],
    )
    by_title = study_create(
        origin=SYSTEM,
        organisation=cast.implementer,
        title="brick kilns of nepal — a survey",
        year=2017,
        interventions=["policy"],
    )
    assert run(tmp_path, BIBTEX, "refs.bib", "--org", "winrock")[0] == (
        "created=1 updated=2 unchanged=0"
    )
    by_doi.refresh_from_db()
    by_title.refresh_from_db()
    assert by_doi.title.startswith("Debt, Distance and the Boat") and by_doi.year == 2019
    assert by_doi.countries == ";KH;"  # the coding is kept
    assert by_title.title == "Brick Kilns of Nepal: A Survey"
    assert by_title.interventions == ";policy;"
    assert Study.objects.count() == 3


def test_ris_import_and_format_detection(cast, tmp_path):
    assert run(tmp_path, RIS, "export.txt", "--org", "th")[0] == "created=2 updated=0 unchanged=0"
    port = Study.objects.get(doi="10.5555/mpr.2021.12")
    assert port.title == "Screening for forced labour at Thai ports"
    assert port.authors == "Chaiyaphum, S.; Okafor, L."
    assert (port.year, port.publication_type, port.venue) == (
        2021,
        "journal",
        "Maritime Policy Review",
    )
    palm = Study.objects.get(title__startswith="Palm oil")
    assert (palm.publication_type, palm.venue) == ("report", "Commodity Risk Reports")
    assert palm.organisation == cast.thailand
    assert run(tmp_path, RIS, "export.ris", "--org", "th")[0] == "created=0 updated=0 unchanged=2"


def test_broken_bibtex_is_refused_with_its_line_and_nothing_written(cast, tmp_path):
    broken = BIBTEX.replace("  year   = {2021}\n}", "  year   = {2021}\n")
    message, lines = run(tmp_path, broken, "refs.bib", "--org", "winrock")
    assert message == "1 problem found in " + str(tmp_path / "refs.bib") + "; nothing was imported."
    assert lines == ["line 19: cannot read this BibTeX entry (Unexpectedly reached end of file.)"]
    assert Study.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_entries_without_title_or_with_bad_values_are_named(cast, tmp_path):
    text = BIBTEX.replace(
        "title  = {Returning Home: Reintegration of Women Trafficked for Marriage},", ""
    ).replace("year        = 2017", "year = {in press}")
    message, lines = run(tmp_path, text, "refs.bib", "--org", "winrock")
    assert message.startswith("2 problems found")
    assert lines == [
        "entry 2 (line 11, key ilo2017): year in press is not a year between 1900 and this year",
        "entry 3 (line 19, key pham2021): has no title",
    ]
    assert Study.objects.count() == 0


def test_broken_ris_is_refused(cast, tmp_path):
    message, lines = run(tmp_path, RIS.rstrip().rsplit("\n", 1)[0] + "\n", "x.ris", "--org", "th")
    assert lines == ["line 11: the record that starts here never ends (no ER line)"]
    message, lines = run(tmp_path, "hello\n" + RIS, "x.ris", "--org", "th")
    assert lines == ["line 1: not a RIS line ('XX  - value') and outside any record"]
    assert Study.objects.count() == 0


def test_duplicates_unknown_formats_and_missing_org(cast, tmp_path):
    twice = RIS + RIS.split("\n\n")[0] + "\n"
    message, lines = run(tmp_path, twice, "x.ris", "--org", "th")
    assert lines == ["record 3 (line 18): the same reference as record 1 (line 1)"]
    message, lines = run(tmp_path, "Title: something\n", "refs.txt", "--org", "th")
    assert lines[0].startswith("refs.txt is neither BibTeX (entries start with @) nor RIS")
    message, lines = run(tmp_path, RIS, "x.ris")
    assert message.startswith("Name the library to import into: --org CODE")
    message, lines = run(tmp_path, RIS, "x.ris", "--org", "th-ngo-a")
    assert lines == [
        "th-ngo-a is not an implementer or a country project: a library belongs to one."
    ]
    assert Study.objects.count() == 0


def test_dry_run_writes_nothing(cast):
    outcome = references_import(
        origin=SYSTEM,
        file_name="refs.bib",
        content=BIBTEX.encode(),
        organisation=cast.implementer,
        dry_run=True,
    )
    assert outcome.ok and outcome.counts == "created=3 updated=0 unchanged=0"
    assert Study.objects.count() == 0 and ImportBatch.objects.count() == 0


@pytest.mark.parametrize("content", [b"\xff\xfe\x00bad", b""])
def test_unreadable_files(cast, content):
    outcome = references_import(
        origin=SYSTEM, file_name="refs.bib", content=content, organisation=cast.implementer
    )
    assert not outcome.ok and Study.objects.count() == 0
