"""Contact routes and attempts; lost to follow-up and found again; consent withdrawal."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ctip.conftest import SYSTEM
from ctip.followup import selectors
from ctip.followup.models import (
    CancelReason,
    ContactState,
    ContactStatus,
    FollowupResult,
    FollowupStatus,
)
from ctip.followup.services import (
    attempt_record,
    followup_record,
    followup_sync,
    route_add,
    schedule_generate,
)
from ctip.followup.tests.conftest import consent

D = dt.date
T0 = D(2026, 1, 15)


@pytest.fixture
def survivor(followed):
    survivor = followed()
    schedule_generate(origin=SYSTEM, survivor=survivor, today=T0)
    return survivor


def test_routes_are_encrypted_and_attempts_recorded(survivor):
    from django.db import connection

    phone = route_add(origin=SYSTEM, survivor=survivor, kind="own_phone", detail="+66 81 999 0000")
    with connection.cursor() as cursor:
        cursor.execute("SELECT detail FROM followup_contactroute WHERE id = %s", [phone.pk])
        stored = cursor.fetchone()[0]
    assert "999" not in stored and stored.startswith("v1.")
    attempt = attempt_record(
        origin=SYSTEM,
        survivor=survivor,
        route=phone,
        attempted_on=D(2026, 2, 20),
        result="reached",
        today=D(2026, 2, 20),
    )
    phone.refresh_from_db()
    assert phone.last_worked_on == D(2026, 2, 20)
    assert attempt.route_kind == "own_phone"
    state = ContactState.objects.get(survivor=survivor)
    assert (state.status, state.last_contact_on) == (ContactStatus.IN_CONTACT, D(2026, 2, 20))


def test_unreachable_on_every_route_for_long_enough_is_lost_and_found_again(survivor):
    phone = route_add(origin=SYSTEM, survivor=survivor, kind="own_phone", detail="081")
    mother = route_add(origin=SYSTEM, survivor=survivor, kind="relative", detail="089")
    day = D(2026, 8, 3)  # 200 days after follow-up began, past the default 180
    attempt_record(
        origin=SYSTEM, survivor=survivor, route=phone, attempted_on=day, result="no_answer",
        today=day,
    )  # fmt: skip
    # The mother's number has not been tried: not lost yet.
    assert ContactState.objects.get(survivor=survivor).status == ContactStatus.IN_CONTACT
    attempt_record(
        origin=SYSTEM, survivor=survivor, route=mother, attempted_on=day, result="route_dead",
        today=day,
    )  # fmt: skip
    state = ContactState.objects.get(survivor=survivor)
    assert (state.status, state.since, state.lost_reason) == ("lost", day, "unreachable")
    mother.refresh_from_db()
    assert not mother.active  # a dead number is retired
    # The earliest pending follow-up carries the loss (FUP-2's event); the rest are cancelled.
    lost = survivor.followups.get(result=FollowupResult.LOST)
    assert (lost.month, lost.done_on, lost.lost_reason) == (1, day, "unreachable")
    assert set(survivor.followups.exclude(pk=lost.pk).values_list("status", flat=True)) == {
        FollowupStatus.CANCELLED
    }
    assert selectors.worklist(survivor.case_worker, today=day, days=400).count() == 0

    # Found again months later: the follow-ups not yet due reopen.
    found_on = D(2026, 11, 11)
    attempt_record(
        origin=SYSTEM, survivor=survivor, route=phone, attempted_on=found_on, result="reached",
        today=found_on,
    )  # fmt: skip
    state.refresh_from_db()
    assert (state.status, state.since) == (ContactStatus.IN_CONTACT, found_on)
    pending = survivor.followups.filter(status=FollowupStatus.PENDING).order_by("due_on")
    assert [f.month for f in pending] == [12, 24, 36, 48, 60]
    cancelled = survivor.followups.filter(status=FollowupStatus.CANCELLED)
    assert [f.month for f in cancelled.order_by("due_on")] == [3, 6]  # were due while lost
    assert [e.type for e in survivor.followup_events.order_by("id")][-2:] == [
        "attempt_recorded",
        "found",
    ]


def test_not_lost_before_the_configured_time(survivor):
    phone = route_add(origin=SYSTEM, survivor=survivor, kind="own_phone", detail="081")
    day = D(2026, 6, 1)  # 137 days
    attempt_record(
        origin=SYSTEM, survivor=survivor, route=phone, attempted_on=day, result="no_answer",
        today=day,
    )  # fmt: skip
    assert ContactState.objects.get(survivor=survivor).status == ContactStatus.IN_CONTACT


def test_recording_lost_with_a_reason(survivor):
    first = survivor.followups.get(month=1)
    followup_record(
        origin=SYSTEM,
        followup=first,
        result="lost",
        done_on=D(2026, 2, 20),
        lost_reason="remigrated",
        today=D(2026, 2, 20),
    )
    first.refresh_from_db()
    assert (first.status, first.result, first.lost_reason) == ("done", "lost", "remigrated")
    assert ContactState.objects.get(survivor=survivor).status == ContactStatus.LOST
    with pytest.raises(ValidationError) as error:
        followup_record(
            origin=SYSTEM,
            followup=survivor.followups.get(month=3),
            result="lost",
            done_on=D(2026, 2, 20),
            today=D(2026, 2, 20),
        )
    assert "This follow-up is no longer pending." in error.value.messages  # cancelled when lost


def test_withdrawing_consent_stops_everything_at_once(survivor, cast):
    today = timezone.localdate()
    phone = route_add(origin=SYSTEM, survivor=survivor, kind="own_phone", detail="081 234")
    followup = survivor.followups.get(month=1)
    assert selectors.worklist(cast.case_worker, today=today).filter(pk=followup.pk).exists()
    assert selectors.routes_usable_by(cast.case_worker).count() == 1

    consent(survivor, given=False, on=today)

    # At once, before any sweep: no worklist entry, no reminder, no contact details…
    assert selectors.worklist(cast.case_worker, today=today, days=10_000).count() == 0
    assert selectors.due_for_reminder(scope=None, today=today, days=10_000) == {}
    assert selectors.routes_usable_by(cast.case_worker).count() == 0
    # … and no contact, no recording, no planning.
    for write in (
        lambda: attempt_record(
            origin=SYSTEM, survivor=survivor, route=phone, attempted_on=today, result="reached"
        ),
        lambda: route_add(origin=SYSTEM, survivor=survivor, kind="peer", detail="x"),
        lambda: followup_record(origin=SYSTEM, followup=followup, result="reached", done_on=today),
        lambda: schedule_generate(origin=SYSTEM, survivor=survivor),
    ):
        with pytest.raises(ValidationError, match="follow-up consent"):
            write()
    assert survivor.contact_attempts.count() == 0

    # The daily sweep cancels what was pending and says so in the history.
    summary = followup_sync(origin=SYSTEM, today=today)
    assert (summary.stopped, summary.cancelled) == (1, 8)
    assert set(survivor.followups.values_list("status", "cancelled_reason")) == {
        (FollowupStatus.CANCELLED, CancelReason.CONSENT_WITHDRAWN)
    }
    assert survivor.followup_events.filter(type="stopped").get().data == {"cancelled": 8}

    # Consent given again: the follow-ups not yet due come back.
    consent(survivor, given=True, on=today)
    followup_sync(origin=SYSTEM, today=today)
    back = survivor.followups.filter(status=FollowupStatus.PENDING)
    assert back.count() > 0 and all(f.due_on >= today for f in back)


def test_sync_plans_schedules_for_new_survivors_only_with_consent(followed, make_survivor):
    with_consent = followed()
    without = make_survivor(given_name="Other")
    summary = followup_sync(origin=SYSTEM, today=T0)
    assert (summary.scheduled, summary.planned) == (1, 8)
    assert with_consent.followups.count() == 8
    assert without.followups.count() == 0
    assert followup_sync(origin=SYSTEM, today=T0).planned == 0  # idempotent


def test_the_daily_sync_finds_survivors_lost_to_follow_up(survivor):
    phone = route_add(origin=SYSTEM, survivor=survivor, kind="own_phone", detail="081")
    attempt_record(
        origin=SYSTEM, survivor=survivor, route=phone, attempted_on=D(2026, 3, 1),
        result="no_answer", today=D(2026, 3, 1),
    )  # fmt: skip
    assert followup_sync(origin=SYSTEM, today=D(2026, 6, 1)).lost == 0  # 137 days: not yet
    summary = followup_sync(origin=SYSTEM, today=D(2026, 7, 20))  # 186 days since follow-up began
    assert (summary.lost, summary.codes_lost) == (1, [survivor.code])
    assert ContactState.objects.get(survivor=survivor).status == ContactStatus.LOST
    assert survivor.followups.get(result="lost").done_on == D(2026, 7, 20)
