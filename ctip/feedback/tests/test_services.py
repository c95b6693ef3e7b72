"""Triage services: status flow, replies, assignment, themes and tags, notes, spam, actions."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ctip.conftest import SYSTEM
from ctip.core.audit import Origin
from ctip.core.models import AuditEntry
from ctip.feedback import protection
from ctip.feedback.models import Feedback, FeedbackTag, FeedbackTheme, RateCounter
from ctip.feedback.services import (
    RateLimited,
    action_create,
    channel_create,
    feedback_assign,
    feedback_mark_spam,
    feedback_note_add,
    feedback_reply,
    feedback_set_status,
    feedback_set_tags,
    feedback_set_themes,
    feedback_submit,
)
from ctip.feedback.tests.conftest import stored_bytes


@pytest.fixture
def item(channel):
    return feedback_submit(channel=channel, language="en", body="Hello", themes=["health"]).feedback


@pytest.fixture
def pm(cast):
    return Origin(user=cast.programme_manager, source="tests")


@pytest.mark.django_db
def test_status_flow_needs_a_reply_before_closing(item, pm):
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="Write a reply the sender can read"):
        feedback_set_status(origin=pm, feedback=item, status="closed")
    feedback_set_status(origin=pm, feedback=item, status="acknowledged")
    assert (item.status, item.acknowledged_on) == ("acknowledged", today)
    feedback_set_status(origin=pm, feedback=item, status="in_progress")
    feedback_reply(origin=pm, feedback=item, body="We are on it", close=True)
    item.refresh_from_db()
    assert (item.status, item.closed_on, item.awaiting_reply) == ("closed", today, False)
    with pytest.raises(ValidationError, match="not possible"):
        feedback_set_status(origin=pm, feedback=item, status="new")
    feedback_set_status(origin=pm, feedback=item, status="in_progress")
    item.refresh_from_db()
    assert item.closed_on is None
    events = list(item.events.values_list("event_type", flat=True))
    assert events == ["acknowledged", "in_progress", "replied", "closed", "reopened"]
    assert all(e.on == today for e in item.events.all())
    assert AuditEntry.objects.filter(object_type="feedback", object_ref=str(item.uuid)).count() == 4


@pytest.mark.django_db
def test_a_reply_acknowledges_a_new_item(item, pm):
    feedback_reply(origin=pm, feedback=item, body="Thank you")
    item.refresh_from_db()
    assert item.status == "acknowledged"
    assert item.acknowledged_on == timezone.localdate()
    with pytest.raises(ValidationError):
        feedback_reply(origin=pm, feedback=item, body="   ")


@pytest.mark.django_db
def test_assignment_only_to_people_who_can_see_it(item, pm, cast):
    feedback_assign(origin=pm, feedback=item, assignee=cast.supervisor)
    assert Feedback.objects.get().assigned_to == cast.supervisor
    for outsider in (cast.case_worker, cast.donor, cast.other_case_worker):
        with pytest.raises(ValidationError, match="cannot see"):
            feedback_assign(origin=pm, feedback=item, assignee=outsider)
    feedback_assign(origin=pm, feedback=item, assignee=None)
    assert Feedback.objects.get().assigned_to is None


@pytest.mark.django_db
def test_themes_and_tags(item, pm):
    feedback_set_themes(origin=pm, feedback=item, themes=["health", "respect"])
    rows = dict(FeedbackTheme.objects.values_list("theme", "by_staff"))
    assert rows == {"health": False, "respect": True}
    with pytest.raises(ValidationError):
        feedback_set_themes(origin=pm, feedback=item, themes=["nonsense"])
    feedback_set_tags(origin=pm, feedback=item, labels=["Food ", "night shift", "food"])
    assert sorted(FeedbackTag.objects.values_list("label", flat=True)) == ["food", "night shift"]
    feedback_set_tags(origin=pm, feedback=item, labels=["food"])
    assert list(FeedbackTag.objects.values_list("label", flat=True)) == ["food"]


@pytest.mark.django_db(transaction=True)
def test_internal_notes_and_replies_are_encrypted(channel, cast):
    item = feedback_submit(channel=channel, language="en", body="Zebramarker").feedback
    pm = Origin(user=cast.programme_manager, source="tests")
    feedback_note_add(origin=pm, feedback=item, body="Notemarker: probably the night guard")
    feedback_reply(origin=pm, feedback=item, body="Replymarker")
    raw = stored_bytes()
    for marker in (b"Zebramarker", b"Notemarker", b"night guard", b"Replymarker"):
        assert marker not in raw
    assert item.notes.get().body == "Notemarker: probably the night guard"


@pytest.mark.django_db
def test_spam_is_hidden_from_lists_and_counts(item, pm, cast, client_for):
    feedback_mark_spam(origin=pm, feedback=item, spam=True)
    client = client_for(cast.programme_manager)
    assert item.ref not in client.get("/feedback/").content.decode()
    assert item.ref in client.get("/feedback/?spam=on").content.decode()
    feedback_mark_spam(origin=pm, feedback=item, spam=False)
    assert item.ref in client.get("/feedback/").content.decode()


@pytest.mark.django_db
def test_rate_counter_counts_per_minute_and_forgets_old_minutes(channel):
    bucket = f"submit:{channel.pk}"
    minute = 29_000_000
    for _n in range(3):
        protection.rate_limit_hit(bucket, 2, now=minute * 60 + 5)
    assert RateCounter.objects.get().count == 3
    assert not protection.rate_limit_hit(bucket, 2, now=minute * 60 + 6).allowed
    assert protection.rate_limit_hit(bucket, 2, now=(minute + 1) * 60).allowed
    assert RateCounter.objects.count() == 2
    protection.rate_limit_hit(bucket, 2, now=(minute + 3) * 60)
    # Only the current and the previous minute may remain.
    assert set(RateCounter.objects.values_list("minute", flat=True)) == {minute + 3}


@pytest.mark.django_db
def test_rate_limit_in_the_service_saves_nothing(cast):
    channel = channel_create(
        origin=SYSTEM,
        organisation=cast.ngo_a,
        slug="tiny",
        name="Tiny",
        audience="staff",
        languages=["en"],
        rate_limit_per_minute=1,
    )
    feedback_submit(channel=channel, language="en", body="first")
    with pytest.raises(RateLimited):
        feedback_submit(channel=channel, language="en", body="second")
    assert Feedback.objects.count() == 1


@pytest.mark.django_db
def test_channel_rules(cast):
    with pytest.raises(ValidationError):
        channel_create(
            origin=SYSTEM, organisation=cast.ngo_a, slug="status", name="x",
            audience="staff", languages=["en"],
        )  # fmt: skip
    with pytest.raises(ValidationError):
        channel_create(
            origin=SYSTEM, organisation=cast.ngo_a, slug="ok", name="x",
            audience="staff", languages=["fr"],
        )  # fmt: skip
    staff = channel_create(
        origin=SYSTEM, organisation=cast.ngo_a, slug="staff-voice", name="Staff voice",
        audience="staff", languages=["th", "en"],
    )  # fmt: skip
    assert staff.questions == ["raise_problems", "design_fits", "workload", "listened_to"]
    assert "project_design" in staff.themes


@pytest.mark.django_db
def test_actions_link_feedback_within_the_programme_line(item, pm, cast, other_channel):
    action = action_create(
        origin=pm,
        organisation=cast.thailand,
        title="Night guard replaced",
        kind="service_change",
        taken_on=dt.date(2026, 1, 10),
        description="Details",
        feedback=[item],
    )
    assert list(action.feedback.all()) == [item]
    assert item.events.get().event_type == "linked_action"
    foreign = feedback_submit(channel=other_channel, language="en", body="x").feedback
    with pytest.raises(ValidationError):
        action_create(
            origin=pm, organisation=cast.thailand, title="t", kind="decision",
            taken_on=dt.date(2026, 1, 10), feedback=[foreign],
        )  # fmt: skip
