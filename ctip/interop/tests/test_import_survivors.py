import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ctip.cases.models import CaseEvent, CaseEventType, Survivor
from ctip.cases.services import survivor_erase_pii
from ctip.conftest import SYSTEM
from ctip.core.audit import Action
from ctip.core.crypto import phone_index
from ctip.core.models import AuditEntry, ImportBatch
from ctip.interop.tests.conftest import SURVIVOR_COLUMNS, run_import

# Names and numbers unusual enough that finding them in the database file can only be a leak.
ROWS = [
    ["S-001", "th-ngo-a", "female", "1998", "MM", "labour;sexual", "2026-01-15",
     "Zawadiqua", "Quillfeatherby", "+66 81 555 0101"],
    ["S-002", "th-ngo-a-cm", "male", "2001", "th", "", "2026-02-01",
     "Tawanixo", "Xylanderro", "081-555-0102"],
    ["S-003", "th-ngo-b", "unknown", "", "", "", "", "", "", ""],
]  # fmt: skip


def counts():
    return (
        Survivor.objects.count(),
        CaseEvent.objects.count(),
        AuditEntry.objects.count(),
        ImportBatch.objects.count(),
    )


def test_a_bad_third_row_writes_nothing_and_names_the_problem(cast, files):
    bad = ["S-004", "th-ngo-a", "female", "2090", "MM", "", "2026-01-15", "", "", ""]
    path = files.csv("survivors.csv", SURVIVOR_COLUMNS, [ROWS[0], ROWS[1], bad])
    before = counts()

    run = run_import("survivors", path)

    assert run.status == 1
    assert run.err == [
        "row 4, column birth_year: 2090 is in the future",
        "CommandError: 1 problem found in " + path + "; nothing was imported.",
    ]
    assert run.out == []
    assert counts() == before
    assert ImportBatch.objects.count() == 0


def test_every_problem_is_listed_and_pii_is_never_echoed(cast, files):
    rows = [
        ["S-001", "th-ngo-a", "femme", "19x8", "XX", "labour;slavery", "15/01/2026",
         "Zawadiqua", "Quillfeatherby", "call 0815550101 after 6"],
        ["S-002", "th-ngo-a", "male", "1899", "TH", "", "2090-01-01", "Tawanixo" * 40, "", ""],
        ["S-003", "nope", "female", "2000", "TH", "", "2001-05-01", "", "", ""],
        ["S-004", "th-ngo-a", "", "2005", "", "", "2004-12-31", "", "", ""],
    ]  # fmt: skip
    path = files.csv("survivors.csv", SURVIVOR_COLUMNS, rows)

    run = run_import("survivors", path)

    assert run.status == 1
    assert run.err[:-1] == [
        "row 2, column sex: femme is not one of: female, male, other, unknown",
        "row 2, column birth_year: 19x8 is not a year",
        "row 2, column nationality: XX is not an ISO 3166 alpha-2 country code",
        "row 2, column exploitation: slavery is not one of: labour, sexual, domestic, "
        "forced_marriage, begging, criminality, other",
        "row 2, column identified_on: 15/01/2026 is not a date in the form YYYY-MM-DD",
        "row 2, column phone: not a phone number",
        "row 3, column birth_year: 1899 is before 1900",
        "row 3, column identified_on: 2090-01-01 is in the future",
        "row 3, column given_name: is too long (at most 200 characters)",
        "row 4, column org: no organisation with code nope",
        "row 5, column sex: is required (one of: female, male, other, unknown)",
        "row 5, column identified_on: 2004-12-31 is before the birth year 2005",
    ]
    assert run.err[-1].endswith("12 problems found in " + path + "; nothing was imported.")
    text = "\n".join(run.err)
    assert "0815550101" not in text
    assert "Zawadiqua" not in text
    assert "Tawanixo" not in text
    assert Survivor.objects.count() == 0


def test_import_creates_then_reimport_is_idempotent(cast, files):
    path = files.csv("survivors.csv", SURVIVOR_COLUMNS, ROWS)

    first = run_import("survivors", path)
    assert first.status == 0
    assert first.out[-1] == "created=3 updated=0 unchanged=0"
    assert Survivor.objects.count() == 3
    batch = ImportBatch.objects.get()
    survivor = Survivor.objects.get(organisation=cast.ngo_a, ref="S-001")
    assert survivor.code.startswith("TH-")
    assert (survivor.sex, survivor.birth_year, survivor.nationality) == ("female", 1998, "MM")
    assert survivor.exploitation_list == ["labour", "sexual"]
    assert survivor.identified_on == dt.date(2026, 1, 15)
    assert survivor.opened_on == dt.date(2026, 1, 15)
    assert (survivor.given_name, survivor.family_name) == ("Zawadiqua", "Quillfeatherby")
    assert survivor.phone == "+66 81 555 0101"
    assert survivor.phone_index == phone_index("081 555 0101")
    assert survivor.import_batch == batch
    assert Survivor.objects.get(ref="S-002").nationality == "TH"
    assert list(CaseEvent.objects.filter(survivor=survivor).values_list("type", flat=True)) == [
        CaseEventType.REGISTERED
    ]

    second = run_import("survivors", path)
    assert second.status == 0
    assert second.out[-1] == "created=0 updated=0 unchanged=3"
    assert Survivor.objects.count() == 3
    assert ImportBatch.objects.count() == 2
    survivor.refresh_from_db()
    assert survivor.import_batch == batch  # unchanged rows keep the batch that wrote them


def test_a_changed_value_updates_one_survivor(cast, files):
    run_import("survivors", files.csv("one.csv", SURVIVOR_COLUMNS, ROWS))
    changed = [list(row) for row in ROWS]
    changed[1][3] = "2002"
    changed[1][9] = "081-555-0199"

    run = run_import("survivors", files.csv("two.csv", SURVIVOR_COLUMNS, changed))

    assert run.out[-1] == "created=0 updated=1 unchanged=2"
    survivor = Survivor.objects.get(ref="S-002")
    assert survivor.birth_year == 2002
    assert survivor.phone == "081-555-0199"
    assert survivor.phone_index == phone_index("0815550199")
    latest = ImportBatch.objects.order_by("-id").first()
    assert survivor.import_batch == latest
    assert (latest.created, latest.updated, latest.unchanged) == (0, 1, 2)
    assert Survivor.objects.get(ref="S-001").import_batch != latest
    event = CaseEvent.objects.filter(survivor=survivor).first()
    assert (event.type, event.data) == (
        CaseEventType.PROFILE_CHANGED,
        {"fields": ["birth_year", "phone"]},
    )


def test_xlsx_and_csv_import_the_same_records(cast, files):
    rows = [list(row) for row in ROWS]
    rows[0][3] = 1998  # a number cell, as Excel stores it
    rows[0][6] = dt.date(2026, 1, 15)  # a date cell (read back as a datetime)
    xlsx = files.xlsx("survivors.xlsx", SURVIVOR_COLUMNS, rows)

    first = run_import("survivors", xlsx)
    assert first.out[-1] == "created=3 updated=0 unchanged=0"
    survivor = Survivor.objects.get(ref="S-001")
    assert (survivor.birth_year, survivor.identified_on) == (1998, dt.date(2026, 1, 15))

    again = run_import("survivors", files.csv("survivors.csv", SURVIVOR_COLUMNS, ROWS, bom=True))
    assert again.out[-1] == "created=0 updated=0 unchanged=3"


def test_an_extra_column_is_an_error_not_ignored(cast, files):
    path = files.csv("s.csv", [*SURVIVOR_COLUMNS, "notes"], [[*ROWS[0], "met at the border"]])

    run = run_import("survivors", path)

    assert run.status == 1
    assert run.err[0] == (
        "unknown columns (the survivors template has only ref, org, sex, birth_year, "
        "nationality, exploitation, identified_on, given_name, family_name, phone): notes"
    )
    assert Survivor.objects.count() == 0


def test_a_missing_column_is_named(cast, files):
    header = [c for c in SURVIVOR_COLUMNS if c != "phone"]
    run = run_import("survivors", files.csv("s.csv", header, [ROWS[0][:-1]]))
    assert run.status == 1
    assert run.err[0] == "missing columns: phone"


def test_columns_may_come_in_any_order(cast, files):
    header = list(reversed(SURVIVOR_COLUMNS))
    rows = [list(reversed(row)) for row in ROWS]
    run = run_import("survivors", files.csv("s.csv", header, rows))
    assert run.out[-1] == "created=3 updated=0 unchanged=0"


def test_org_of_another_country_rejects_rows_outside_it(cast, files):
    rows = [*ROWS, ["K-001", "kh-ngo", "female", "2000", "KH", "", "", "", "", ""]]
    path = files.csv("survivors.csv", SURVIVOR_COLUMNS, rows)

    run = run_import("survivors", path, "--org", "kh")

    assert run.status == 1
    assert run.err[:-1] == [
        "row 2, column org: no organisation with code th-ngo-a within kh",
        "row 3, column org: no organisation with code th-ngo-a-cm within kh",
        "row 4, column org: no organisation with code th-ngo-b within kh",
    ]
    assert Survivor.objects.count() == 0

    ok = run_import("survivors", files.csv("kh.csv", SURVIVOR_COLUMNS, rows[3:]), "--org", "kh")
    assert ok.out[-1] == "created=1 updated=0 unchanged=0"
    assert ImportBatch.objects.get().organisation == cast.cambodia


def test_unknown_org_option_is_a_command_error(cast, files):
    run = run_import("survivors", files.csv("s.csv", SURVIVOR_COLUMNS, ROWS), "--org", "nope")
    assert run.status == 1
    assert run.err == ["CommandError: No organisation with code nope."]


def test_survivors_belong_to_partners_or_sites(cast, files):
    rows = [["S-009", "th", "female", "", "", "", "", "", "", ""]]
    run = run_import("survivors", files.csv("s.csv", SURVIVOR_COLUMNS, rows))
    assert run.err[0] == (
        "row 2, column org: th is a country_project; survivors belong to a partner or a site"
    )


def test_a_duplicate_ref_is_an_error_on_the_second_row(cast, files):
    rows = [ROWS[0], ROWS[2], ROWS[0]]
    run = run_import("survivors", files.csv("s.csv", SURVIVOR_COLUMNS, rows))
    assert run.err[:-1] == [
        "row 4, column ref: S-001 appears twice in the file for th-ngo-a (first on row 2)"
    ]


def test_dry_run_counts_and_writes_nothing(cast, files):
    path = files.csv("s.csv", SURVIVOR_COLUMNS, ROWS)
    before = counts()

    run = run_import("survivors", path, "--dry-run")

    assert run.status == 0
    assert run.out == [
        "Dry run: 3 rows checked, nothing was written.",
        "created=3 updated=0 unchanged=0",
    ]
    assert counts() == before


def test_the_import_writes_one_audit_entry_without_pii(cast, files):
    path = files.csv("survivors.csv", SURVIVOR_COLUMNS, ROWS)
    before = AuditEntry.objects.count()

    run_import("survivors", path, "--org", "th")

    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-id").first()
    batch = ImportBatch.objects.get()
    assert entry.action == Action.IMPORT
    assert entry.object_type == "import_batch"
    assert entry.object_ref == str(batch.uuid)
    assert entry.organisation_code == "th"
    assert entry.source == "cli: import survivors"
    assert entry.detail == {
        "kind": "survivors",
        "rows": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "file_sha256": batch.file_sha256,
    }
    assert (batch.kind, batch.file_name, batch.organisation) == (
        "survivors",
        "survivors.csv",
        cast.thailand,
    )
    assert batch.file_sha256 == hashlib.sha256(Path(path).read_bytes()).hexdigest()
    assert (batch.created, batch.updated, batch.unchanged) == (3, 0, 0)


def test_blank_pii_cells_keep_what_is_stored(cast, files):
    run_import("survivors", files.csv("one.csv", SURVIVOR_COLUMNS, ROWS[:1]))
    blanked = [[*ROWS[0][:7], "", "", ""]]

    run = run_import("survivors", files.csv("two.csv", SURVIVOR_COLUMNS, blanked))

    assert run.out[-1] == "created=0 updated=0 unchanged=1"
    assert Survivor.objects.get().given_name == "Zawadiqua"


def test_reimport_does_not_bring_back_erased_pii(cast, files):
    path = files.csv("survivors.csv", SURVIVOR_COLUMNS, ROWS[:1])
    run_import("survivors", path)
    survivor_erase_pii(origin=SYSTEM, survivor=Survivor.objects.get())

    run = run_import("survivors", path)

    assert run.out[-1] == "created=0 updated=0 unchanged=1"
    survivor = Survivor.objects.get()
    assert (survivor.given_name, survivor.family_name, survivor.phone) == ("", "", "")
    assert survivor.phone_index == ""


def test_validation_queries_do_not_grow_with_rows(cast, files):
    bad = ["S-999", "th-ngo-a", "female", "2090", "", "", "", "", "", ""]

    def queries_for(rows):
        path = files.csv(f"s{len(rows)}.csv", SURVIVOR_COLUMNS, rows)
        with CaptureQueriesContext(connection) as context:
            assert run_import("survivors", path).status == 1
        return len(context.captured_queries)

    many = [[f"S-{i:03d}", "th-ngo-a", "female", "2000", "MM", "labour", "2026-01-01",
             f"Given{i}", "Family", "0815550101"] for i in range(40)]  # fmt: skip
    assert queries_for([many[0], bad]) == queries_for([*many, bad])


@pytest.mark.django_db(transaction=True)
def test_database_file_holds_no_plaintext_pii(cast, files, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("reads the SQLite database file")
    run = run_import("survivors", files.csv("survivors.csv", SURVIVOR_COLUMNS, ROWS))
    assert run.out[-1] == "created=3 updated=0 unchanged=0"
    code = Survivor.objects.get(ref="S-001").code

    name = str(connection.settings_dict["NAME"])
    if connection.is_in_memory_db():
        # No file to read: copy the database into one, page by page.
        copy = tmp_path / "copy.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(copy)])
        paths = [copy]
    else:
        paths = [Path(name), Path(name + "-wal")]
    content = b"".join(p.read_bytes() for p in paths if p.exists())
    assert code.encode("ascii") in content  # the reading does see what was written
    for secret in ["Zawadiqua", "Quillfeatherby", "Tawanixo", "Xylanderro",
                   "+66 81 555 0101", "081-555-0102", "815550101", "815550102"]:  # fmt: skip
        assert secret.encode("utf-8") not in content, secret
        assert secret.encode("utf-16-le") not in content, secret
