"""`ctip template|import services|referrals`: columns, all-or-nothing, idempotent, linked."""

import csv
import datetime as dt
import io
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ctip.cases.models import CaseEvent, CaseEventType
from ctip.cases.services import need_assess
from ctip.conftest import SYSTEM
from ctip.core.models import ImportBatch
from ctip.services.models import Referral, ReferralEvent, ServiceEpisode

D = dt.date
SERVICE_COLUMNS = [
    "ref", "survivor_ref", "need_ref", "service_type", "provider", "started_on", "ended_on",
    "status",
]  # fmt: skip
REFERRAL_COLUMNS = [
    "ref", "survivor_ref", "need_ref", "service_type", "from_org", "to_provider", "consent_on",
    "sent_on", "status", "service_started_on",
]  # fmt: skip


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_records", *args, stdout=out, stderr=err)
        status = 0
    except CommandError as exc:
        err.write(f"{exc}\n")
        status = exc.returncode
    return status, out.getvalue().splitlines(), err.getvalue().splitlines()


def write(tmp_path, name, header, rows):
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


@pytest.fixture
def people(cast, make_survivor):
    """Two survivors of th-ngo-a with refs S-1 and S-2, each with refs for their needs."""
    first = make_survivor(ref="S-1")
    second = make_survivor(ref="S-2", given_name="Malee")
    for survivor, ref, category in (
        (first, "N-1", "legal"),
        (first, "N-2", "mental_health"),
        (second, "N-3", "livelihood"),
    ):
        need_assess(
            origin=SYSTEM,
            survivor=survivor,
            category=category,
            assessed_on=D(2026, 1, 16),
            ref=ref,
        )
    return first, second


def test_templates_have_designs_columns():
    for kind, columns in (("services", SERVICE_COLUMNS), ("referrals", REFERRAL_COLUMNS)):
        out = io.StringIO()
        call_command("template", kind, stdout=out)
        assert out.getvalue().splitlines()[0] == ",".join(columns)


SERVICE_ROWS = [
    ["E-1", "S-1", "N-1", "legal_aid", "th-dsdw", "2026-01-20", "", "ongoing"],
    ["E-2", "S-1", "N-2", "psychosocial", "th-ngo-a", "2026-01-21", "2026-02-28", "completed"],
    ["E-3", "S-1", "", "transport", "th-ngo-a", "2026-01-22", "2026-01-22", "completed"],
    ["E-4", "S-2", "N-3", "job_placement", "th-ngo-a", "2026-02-01", "", "ongoing"],
]


def test_services_import_then_reimport_is_idempotent(cast, people, tmp_path):
    path = write(tmp_path, "services.csv", SERVICE_COLUMNS, SERVICE_ROWS)
    status, out, err = run("services", path)
    assert (status, out, err) == (0, ["created=4 updated=0 unchanged=0"], [])
    episode = ServiceEpisode.objects.get(ref="E-1")
    assert (episode.survivor, episode.need.ref, episode.provider, episode.organisation) == (
        people[0],
        "N-1",
        cast.gov_provider,
        cast.ngo_a,
    )
    assert episode.import_batch == ImportBatch.objects.get()
    assert ServiceEpisode.objects.get(ref="E-3").need is None
    # Public ids written by the bulk path: distinct random (version 4, RFC 4122) UUIDs.
    ids = list(ServiceEpisode.objects.values_list("uuid", flat=True))
    assert len(set(ids)) == 4
    assert {(u.version, u.variant) for u in ids} == {(4, uuid.RFC_4122)}
    assert ServiceEpisode.objects.get(uuid=ids[0]).pk
    # History: one "imported" row per survivor, naming the batch (each episode points to it).
    batch = str(ImportBatch.objects.get().uuid)
    assert sorted(
        CaseEvent.objects.filter(type=CaseEventType.IMPORTED).values_list("survivor", "data")
    ) == [
        (people[0].pk, {"import_batch": batch, "episodes": 3}),
        (people[1].pk, {"import_batch": batch, "episodes": 1}),
    ]

    assert run("services", path)[1] == ["created=0 updated=0 unchanged=4"]
    changed = [row[:] for row in SERVICE_ROWS]
    changed[0][6:] = ["2026-03-01", "completed"]
    path = write(tmp_path, "services2.csv", SERVICE_COLUMNS, changed)
    assert run("services", path)[1] == ["created=0 updated=1 unchanged=3"]
    episode.refresh_from_db()
    assert (episode.status, episode.ended_on) == ("completed", D(2026, 3, 1))
    assert ServiceEpisode.objects.count() == 4


def test_services_bad_third_row_writes_nothing(cast, people, tmp_path):
    rows = [row[:] for row in SERVICE_ROWS]
    rows[2] = ["E-3", "S-1", "", "legal_aid", "th-ngo-a", "2026-01-22", "", "ongoing"]
    path = write(tmp_path, "bad.csv", SERVICE_COLUMNS, rows)
    status, out, err = run("services", path)
    assert status == 1
    assert err[0] == (
        "row 4, column need_ref: Legal aid counts as a service, so it must answer one of the "
        "survivor's assessed needs (Legal). Assess the need first, or record a one-off support "
        "instead."
    )
    assert err[-1] == "1 problem found in " + path + "; nothing was imported."
    assert ServiceEpisode.objects.count() == 0
    assert ImportBatch.objects.count() == 0
    assert CaseEvent.objects.filter(type=CaseEventType.IMPORTED).count() == 0


def test_services_row_problems_are_named(cast, people, tmp_path):
    rows = [
        ["E-1", "S-9", "", "legal_aid", "th-dsdw", "2026-01-20", "", "ongoing"],
        ["E-2", "S-1", "N-9", "legal_aid", "nowhere", "2026-01-20", "", "ongoing"],
        ["E-3", "S-1", "N-2", "legal_aid", "th-dsdw", "2026-01-20", "", "ongoing"],
        ["E-4", "S-1", "", "massage", "th-dsdw", "2026-01-20", "2026-01-19", "finished"],
        ["E-5", "S-1", "", "transport", "th-dsdw", "2026-01-20", "", "completed"],
    ]
    path = write(tmp_path, "bad.csv", SERVICE_COLUMNS, rows)
    status, _out, err = run("services", path)
    assert status == 1
    assert err[:-1] == [
        "row 2, column survivor_ref: no survivor with ref S-9",
        "row 3, column need_ref: survivor S-1 has no need with ref N-9",
        "row 3, column provider: no organisation with code nowhere",
        "row 4, column need_ref: Legal aid meets Legal needs; the need chosen is Mental health.",
        "row 5, column service_type: massage is not a service type of the catalogue ("
        + "business_support, documentation, education, family_counselling, food, job_placement, "
        "legal_aid, medical, one_off_support, psychosocial, repatriation, shelter, "
        "skills_training, transport)",
        "row 5, column status: finished is not one of: ongoing, completed, discontinued",
        "row 6, column ended_on: A completed or discontinued episode needs its end date.",
    ]


def test_services_import_respects_org_scope(cast, people, tmp_path):
    path = write(tmp_path, "services.csv", SERVICE_COLUMNS, SERVICE_ROWS[:1])
    status, _out, err = run("services", path, "--org", "th-ngo-b")
    assert status == 1
    assert err[0] == "row 2, column survivor_ref: no survivor with ref S-1 within th-ngo-b"


REFERRAL_ROWS = [
    ["R-1", "S-1", "N-1", "legal_aid", "th-ngo-a", "th-dsdw", "2026-01-16", "2026-01-18",
     "sent", ""],
    ["R-2", "S-1", "N-2", "psychosocial", "th-ngo-a", "th-ngo-b", "2026-01-16", "2026-01-18",
     "service_started", "2026-01-25"],
    ["R-3", "S-2", "N-3", "job_placement", "th-ngo-a", "th-dsdw", "2026-01-16", "2026-01-18",
     "declined", ""],
]  # fmt: skip


def test_referrals_import_links_started_ones_to_episodes(cast, people, tmp_path):
    path = write(tmp_path, "referrals.csv", REFERRAL_COLUMNS, REFERRAL_ROWS)
    status, out, err = run("referrals", path)
    assert (status, out, err) == (0, ["created=3 updated=0 unchanged=0"], [])
    started = Referral.objects.get(ref="R-2")
    assert (started.status, started.status_on, started.service_started_on) == (
        "service_started",
        D(2026, 1, 25),
        D(2026, 1, 25),
    )
    episode = started.episode
    assert (episode.provider, episode.started_on, episode.status, episode.ref) == (
        cast.ngo_b,
        D(2026, 1, 25),
        "ongoing",
        "",
    )
    assert list(started.events.values_list("status", "on", "reason")) == [
        ("sent", D(2026, 1, 18), "imported"),
        ("service_started", D(2026, 1, 25), "imported"),
    ]
    assert Referral.objects.get(ref="R-1").episode is None
    assert run("referrals", path)[1] == ["created=0 updated=0 unchanged=3"]
    # The services file later names that episode: it adopts it rather than duplicating it.
    services = write(
        tmp_path,
        "services.csv",
        SERVICE_COLUMNS,
        [["E-9", "S-1", "N-2", "psychosocial", "th-ngo-b", "2026-01-25", "2026-03-01",
          "completed"]],
    )  # fmt: skip
    assert run("services", services)[1] == ["created=0 updated=1 unchanged=0"]
    episode.refresh_from_db()
    assert (episode.ref, episode.status, episode.ended_on) == ("E-9", "completed", D(2026, 3, 1))
    assert ServiceEpisode.objects.count() == 1


def test_referral_without_consent_on_is_an_error(cast, people, tmp_path):
    rows = [row[:] for row in REFERRAL_ROWS]
    rows[2][6] = ""
    path = write(tmp_path, "referrals.csv", REFERRAL_COLUMNS, rows)
    status, _out, err = run("referrals", path)
    assert status == 1
    assert err[0] == (
        "row 4, column consent_on: is required: a referral needs the date the survivor "
        "consented to it (no referral without consent)"
    )
    assert Referral.objects.count() == ReferralEvent.objects.count() == 0
    assert ServiceEpisode.objects.count() == 0


def test_referral_status_moves_forward_only(cast, people, tmp_path):
    path = write(tmp_path, "referrals.csv", REFERRAL_COLUMNS, REFERRAL_ROWS)
    run("referrals", path)
    rows = [row[:] for row in REFERRAL_ROWS]
    rows[0][8:] = ["completed", "2026-01-30"]  # sent → (service_started →) completed
    path = write(tmp_path, "forward.csv", REFERRAL_COLUMNS, rows)
    assert run("referrals", path)[1] == ["created=0 updated=1 unchanged=2"]
    referral = Referral.objects.get(ref="R-1")
    assert referral.status == "completed"
    assert list(referral.events.values_list("status", flat=True)) == [
        "sent",
        "service_started",
        "completed",
    ]
    assert (referral.episode.status, referral.episode.ended_on) == ("completed", D(2026, 1, 30))
    rows[0][8:] = ["sent", ""]
    path = write(tmp_path, "back.csv", REFERRAL_COLUMNS, rows)
    status, _out, err = run("referrals", path)
    assert status == 1
    assert err[0] == "row 2, column status: a referral that is completed cannot become sent"
    assert Referral.objects.get(ref="R-1").status == "completed"


def test_referral_checks(cast, people, tmp_path):
    rows = [
        ["R-1", "S-1", "N-1", "legal_aid", "th-ngo-a", "th-dsdw", "2026-01-19", "2026-01-18",
         "sent", ""],
        ["R-2", "S-1", "N-1", "legal_aid", "th-ngo-a", "th-dsdw", "2026-01-16", "2026-01-18",
         "service_started", ""],
        ["R-3", "S-1", "N-1", "legal_aid", "th-ngo-b", "th-ngo-a", "2026-01-16", "2026-01-18",
         "sent", "2026-01-20"],
    ]  # fmt: skip
    path = write(tmp_path, "referrals.csv", REFERRAL_COLUMNS, rows)
    status, _out, err = run("referrals", path)
    assert status == 1
    assert err[:-1] == [
        "row 2, column sent_on: The referral consent dates from 2026-01-19, after this referral: "
        "consent comes first.",
        "row 3, column service_started_on: is required when the status is service_started or "
        "completed",
        "row 4, column from_org: th-ngo-b is not the survivor's organisation (th-ngo-a) nor one "
        "of its sites",
    ]
