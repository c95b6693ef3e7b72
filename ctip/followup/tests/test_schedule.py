"""Schedules: month ends, leap years, the cohort's long schedule, idempotence."""

import datetime as dt

from ctip.conftest import SYSTEM
from ctip.followup.models import (
    DEFAULT_COHORT_SCHEDULE,
    FollowupSettings,
    FollowupStatus,
    ScheduleKind,
)
from ctip.followup.services import schedule_generate

D = dt.date


def due_dates(survivor):
    return [
        (f.month, f.due_on) for f in survivor.followups.order_by("due_on") if f.month is not None
    ]


def test_schedule_from_the_31st_lands_on_month_ends(followed):
    survivor = followed(identified_on=D(2026, 1, 31))
    created = schedule_generate(origin=SYSTEM, survivor=survivor, today=D(2026, 1, 31))
    assert len(created) == 8
    assert due_dates(survivor) == [
        (1, D(2026, 2, 28)),
        (3, D(2026, 4, 30)),
        (6, D(2026, 7, 31)),
        (12, D(2027, 1, 31)),
        (24, D(2028, 1, 31)),
        (36, D(2029, 1, 31)),
        (48, D(2030, 1, 31)),
        (60, D(2031, 1, 31)),
    ]
    assert {f.schedule for f in survivor.followups.all()} == {ScheduleKind.STANDARD}
    assert {f.status for f in survivor.followups.all()} == {FollowupStatus.PENDING}
    assert survivor.followup_events.get().type == "schedule_created"


def test_schedule_across_leap_years(followed):
    leap_day = followed(identified_on=D(2024, 2, 29))
    schedule_generate(origin=SYSTEM, survivor=leap_day, today=D(2024, 2, 29))
    dues = dict(due_dates(leap_day))
    assert dues[1] == D(2024, 3, 29)
    assert dues[12] == D(2025, 2, 28)  # no 29 February in 2025
    assert dues[24] == D(2026, 2, 28)
    assert dues[48] == D(2028, 2, 29)  # 2028 is a leap year again

    end_of_august = followed(identified_on=D(2023, 8, 31))
    schedule_generate(origin=SYSTEM, survivor=end_of_august, today=D(2023, 8, 31))
    dues = dict(due_dates(end_of_august))
    assert dues[6] == D(2024, 2, 29)  # six months on: the leap day
    assert dues[12] == D(2024, 8, 31)
    assert dues[24] == D(2025, 8, 31)


def test_generating_again_changes_nothing(followed):
    survivor = followed()
    first = schedule_generate(origin=SYSTEM, survivor=survivor, today=D(2026, 1, 15))
    again = schedule_generate(origin=SYSTEM, survivor=survivor, today=D(2026, 2, 1))
    assert len(first) == 8 and again == []
    assert survivor.followups.count() == 8


def test_an_old_case_gets_no_invented_backlog(followed):
    """Planned for the first time long after the case opened: only due dates from 90 days
    before today on are planned, so recent ones show as overdue and old ones are not made up."""
    survivor = followed(identified_on=D(2023, 1, 15))
    schedule_generate(origin=SYSTEM, survivor=survivor, today=D(2026, 11, 23))
    assert due_dates(survivor) == [(48, D(2027, 1, 15)), (60, D(2028, 1, 15))]


def test_a_projects_own_schedule(cast, followed):
    FollowupSettings.objects.create(organisation=cast.thailand, schedule_months=[2, 4])
    survivor = followed()
    schedule_generate(origin=SYSTEM, survivor=survivor, today=D(2026, 1, 15))
    assert due_dates(survivor) == [(2, D(2026, 3, 15)), (4, D(2026, 5, 15))]


def test_no_schedule_without_consent(make_survivor):
    import pytest
    from django.core.exceptions import ValidationError

    survivor = make_survivor()
    with pytest.raises(ValidationError, match="follow-up consent"):
        schedule_generate(origin=SYSTEM, survivor=survivor, today=D(2026, 1, 15))
    assert survivor.followups.count() == 0


def test_changing_the_schedule_replans_survivors_in_followup(cast, followed):
    """Month 9 added, month 48 dropped on 2026-06-01: the survivor opened 2026-01-15 gets month
    9 (due 2026-10-15) and loses month 48; months already due stay as they were; month 2, newly
    in the schedule but already past, is not invented as a backlog."""
    from ctip.followup.models import CancelReason
    from ctip.followup.services import followup_settings_set

    survivor = followed()
    schedule_generate(origin=SYSTEM, survivor=survivor, today=D(2026, 1, 15))
    first = survivor.followups.get(month=1)
    first.status, first.result, first.done_on = FollowupStatus.DONE, "reached", D(2026, 2, 16)
    first.save()
    _settings, replanned = followup_settings_set(
        origin=SYSTEM,
        organisation=cast.thailand,
        schedule_months=[1, 2, 3, 6, 9, 12, 24, 36, 60],
        cohort_months=list(DEFAULT_COHORT_SCHEDULE),
        lost_after_days=180,
        today=D(2026, 6, 1),
    )
    assert replanned == 1
    pending = [
        (f.month, f.due_on)
        for f in survivor.followups.filter(status=FollowupStatus.PENDING).order_by("due_on")
    ]
    assert pending == [
        (3, D(2026, 4, 15)),  # already overdue before the change: kept
        (6, D(2026, 7, 15)),
        (9, D(2026, 10, 15)),  # gained
        (12, D(2027, 1, 15)),
        (24, D(2028, 1, 15)),
        (36, D(2029, 1, 15)),
        (60, D(2031, 1, 15)),
    ]
    dropped = survivor.followups.get(month=48)
    assert (dropped.status, dropped.cancelled_reason) == (
        FollowupStatus.CANCELLED,
        CancelReason.SCHEDULE_CHANGED,
    )
    assert survivor.followups.get(month=1).status == FollowupStatus.DONE
    assert not survivor.followups.filter(month=2).exists()


def test_saving_the_same_schedule_replans_nobody(cast, followed):
    from ctip.followup.services import followup_settings_set

    survivor = followed()
    schedule_generate(origin=SYSTEM, survivor=survivor, today=D(2026, 1, 15))
    _settings, replanned = followup_settings_set(
        origin=SYSTEM,
        organisation=cast.thailand,
        schedule_months=[1, 3, 6, 12, 24, 36, 48, 60],
        cohort_months=list(DEFAULT_COHORT_SCHEDULE),
        lost_after_days=365,
        today=D(2026, 6, 1),
    )
    assert replanned == 0
    assert survivor.followups.count() == 8
