import datetime as dt

import pytest

from ctip.cases.models import CaseEvent, CaseEventType, Need
from ctip.core.models import ImportBatch
from ctip.interop.tests.conftest import NEED_COLUMNS, run_import

ROWS = [
    ["N-001", "S-001", "shelter", "2026-01-16", "open"],
    ["N-002", "S-001", "health", "2026-01-16", "met"],
    ["N-003", "S-002", "legal", "2026-02-03", "open"],
]


@pytest.fixture
def survivors(cast, make_survivor):
    return {
        "S-001": make_survivor(ref="S-001"),
        "S-002": make_survivor(org=cast.site_a, ref="S-002"),
    }


def test_needs_are_created_for_survivors_by_ref(survivors, files):
    run = run_import("needs", files.csv("needs.csv", NEED_COLUMNS, ROWS))

    assert run.status == 0
    assert run.out[-1] == "created=3 updated=0 unchanged=0"
    need = Need.objects.get(ref="N-003")
    assert need.survivor == survivors["S-002"]
    assert need.organisation == survivors["S-002"].organisation
    assert (need.category, need.assessed_on, need.status) == ("legal", dt.date(2026, 2, 3), "open")
    assert need.import_batch == ImportBatch.objects.get()
    assert (
        CaseEvent.objects.filter(
            survivor=survivors["S-001"], type=CaseEventType.NEED_ASSESSED
        ).count()
        == 2
    )


def test_reimport_is_idempotent_and_a_status_change_updates(survivors, files):
    run_import("needs", files.csv("a.csv", NEED_COLUMNS, ROWS))
    again = run_import("needs", files.csv("b.csv", NEED_COLUMNS, ROWS))
    assert again.out[-1] == "created=0 updated=0 unchanged=3"

    changed = [list(row) for row in ROWS]
    changed[0][4] = "met"
    run = run_import("needs", files.csv("c.csv", NEED_COLUMNS, changed))
    assert run.out[-1] == "created=0 updated=1 unchanged=2"
    need = Need.objects.get(ref="N-001")
    assert need.status == "met"
    assert need.import_batch == ImportBatch.objects.order_by("-id").first()
    assert Need.objects.count() == 3


def test_problems_are_listed_and_nothing_is_written(survivors, files):
    rows = [
        ROWS[0],
        ["N-002", "S-404", "shelter", "2026-01-16", "open"],
        ["N-003", "S-001", "housing", "2090-01-01", "closed"],
        ["", "S-001", "health", "", "open"],
        ["N-001", "S-001", "shelter", "2026-01-16", "open"],
    ]
    run = run_import("needs", files.csv("n.csv", NEED_COLUMNS, rows))

    assert run.status == 1
    assert run.err[:-1] == [
        "row 3, column survivor_ref: no survivor with ref S-404",
        "row 4, column category: housing is not one of: shelter, basic_needs, health, "
        "mental_health, legal, education, livelihood, family, return",
        "row 4, column assessed_on: 2090-01-01 is in the future",
        "row 4, column status: closed is not one of: open, met, withdrawn",
        "row 5, column ref: is required",
        "row 5, column assessed_on: is required (a date, YYYY-MM-DD)",
        "row 6, column ref: N-001 appears twice in the file for th-ngo-a (first on row 2)",
    ]
    assert Need.objects.count() == 0


def test_a_ref_used_in_several_organisations_needs_the_org_option(
    cast, survivors, make_survivor, files
):
    make_survivor(org=cast.ngo_kh, ref="S-001")
    path = files.csv("n.csv", NEED_COLUMNS, ROWS[:1])

    run = run_import("needs", path)
    assert run.err[0] == (
        "row 2, column survivor_ref: S-001 is the ref of survivors in several organisations "
        "(kh-ngo, th-ngo-a); import with --org"
    )

    ok = run_import("needs", path, "--org", "th")
    assert ok.out[-1] == "created=1 updated=0 unchanged=0"
    assert Need.objects.get().survivor == survivors["S-001"]


def test_survivors_outside_the_org_option_are_not_found(survivors, files):
    run = run_import("needs", files.csv("n.csv", NEED_COLUMNS, ROWS[:1]), "--org", "kh")
    assert run.err[0] == "row 2, column survivor_ref: no survivor with ref S-001 within kh"
