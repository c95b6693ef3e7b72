"""`ctip import followups`: all-or-nothing, idempotent, fills in scheduled follow-ups."""

import datetime as dt

import pytest
from django.core.management import call_command

from ctip.conftest import SYSTEM
from ctip.followup.models import Assessment, ContactState, FollowUp
from ctip.followup.services import schedule_generate
from ctip.followup.tests.conftest import consent
from ctip.interop.importers import column_names, records_import

HEADER = "ref,survivor_ref,due_on,done_on,result,instrument,score\n"


def run(content: str, scope=None, dry_run=False):
    return records_import(
        origin=SYSTEM,
        kind="followups",
        file_name="followups.csv",
        content=(HEADER + content).encode(),
        scope=scope,
        dry_run=dry_run,
    )


@pytest.fixture
def survivors(make_survivor):
    a = make_survivor(ref="S-1")
    consent(a)
    schedule_generate(origin=SYSTEM, survivor=a, today=dt.date(2026, 1, 15))
    b = make_survivor(ref="S-2", given_name="B")  # no follow-up consent
    return a, b


def test_the_template_has_designs_columns():
    assert column_names("followups") == [
        "ref", "survivor_ref", "due_on", "done_on", "result", "instrument", "score"
    ]  # fmt: skip


def test_import_fills_in_the_schedule_and_is_idempotent(survivors):
    a, _b = survivors
    rows = (
        "F-1,S-1,2026-02-16,2026-02-20,reached,who5,48\n"  # month 1 (due 2026-02-15)
        "F-2,S-1,2026-04-15,2026-04-20,reached,who5,64\n"  # month 3
        "F-3,S-1,2026-07-15,2026-07-15,not_reached,,\n"  # month 6
        "F-4,S-1,2026-09-01,,,,\n"  # no schedule month near: a new one
    )
    outcome = run(rows)
    assert outcome.ok, [str(p) for p in outcome.problems]
    assert outcome.counts == "created=1 updated=3 unchanged=0"
    assert a.followups.count() == 9  # the 8 scheduled + F-4
    first = a.followups.get(ref="F-1")
    assert (first.month, first.result, first.done_on) == (1, "reached", dt.date(2026, 2, 20))
    scores = Assessment.objects.filter(survivor=a).order_by("taken_on")
    assert [(s.score, s.sequence, s.first_score) for s in scores] == [(48, 1, 48), (64, 2, 48)]
    assert all(s.import_batch_id == outcome.batch.pk and s.answers == "" for s in scores)
    assert a.followups.get(ref="F-4").schedule == "imported"
    assert ContactState.objects.get(survivor=a).last_contact_on == dt.date(2026, 4, 20)

    again = run(rows)
    assert again.counts == "created=0 updated=0 unchanged=4"
    assert a.followups.count() == 9 and Assessment.objects.count() == 2

    changed = run(rows.replace("who5,64", "who5,68"))
    assert changed.counts == "created=0 updated=1 unchanged=3"
    assert sorted(Assessment.objects.values_list("score", flat=True)) == [48, 68]


def test_any_bad_row_and_nothing_is_written(survivors):
    outcome = run(
        "F-1,S-1,2026-02-16,2026-02-20,reached,who5,48\n"
        "F-2,S-1,2026-04-15,,reached,,\n"
        "F-3,S-1,2026-04-15,2026-04-20,not_reached,who5,50\n"
        "F-4,S-1,2026-05-15,2026-05-20,reached,who5,101\n"
        "F-5,S-2,2026-06-15,,,,\n"
        "F-6,S-9,2026-06-15,,,,\n"
        "F-7,S-1,2026-06-15,2026-06-16,found,,\n"
        "F-1,S-1,2026-06-15,,,,\n"
    )
    assert [str(p) for p in outcome.problems] == [
        "row 3, column done_on: is required when there is a result",
        "row 4, column instrument: a score needs result reached",
        "row 5, column score: 101 is outside WHO-5's range 0–100",
        "row 6, column survivor_ref: has no follow-up consent in force: a follow-up still to "
        "do cannot be planned",
        "row 7, column survivor_ref: no survivor with ref S-9",
        "row 8, column result: found is not one of: reached, not_reached, lost",
        "row 9, column ref: F-1 appears twice in the file for th-ngo-a (first on row 2)",
    ]
    assert FollowUp.objects.exclude(ref="").count() == 0
    assert Assessment.objects.count() == 0


def test_a_lost_row_marks_the_survivor_lost(survivors):
    a, _b = survivors
    outcome = run("F-9,S-1,2026-04-15,2026-04-18,lost,,\n")
    assert outcome.ok
    lost = a.followups.get(ref="F-9")
    assert (lost.result, lost.lost_reason, lost.month) == ("lost", "not_recorded", 3)
    assert ContactState.objects.get(survivor=a).status == "lost"
    assert a.followups.filter(status="pending").count() == 0


def test_the_command_line(survivors, tmp_path, capsys):
    path = tmp_path / "followups.csv"
    path.write_text(HEADER + "F-1,S-1,2026-02-16,2026-02-20,reached,phq9,7\n", encoding="utf-8")
    call_command("import_records", "followups", str(path), "--org", "th-ngo-a")
    assert capsys.readouterr().out.strip().endswith("created=0 updated=1 unchanged=0")
    template = tmp_path / "template.csv"
    call_command("template", "followups", "-o", str(template))
    assert template.read_text(encoding="utf-8-sig").splitlines()[0] == HEADER.strip()
