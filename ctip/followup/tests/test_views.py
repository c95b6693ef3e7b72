"""The pages: permission matrix (other NGO 404, donor 404, M&E without PII), recording a
follow-up with an instrument, consent withdrawal on the pages."""

import datetime as dt

import pytest
from django.utils import timezone

from ctip.conftest import SYSTEM
from ctip.core.models import AuditEntry
from ctip.followup.models import Assessment, ContactAttempt, FollowUp, OutcomeEvent
from ctip.followup.services import (
    cohort_draw,
    outcome_record,
    route_add,
    schedule_generate,
)
from ctip.followup.tests.conftest import consent

PHONE = "+66 81 777 1234"
NOTE = "She moved to her aunt in Ranong"


@pytest.fixture
def survivor(followed):
    today = timezone.localdate()
    survivor = followed(identified_on=today - dt.timedelta(days=40))
    schedule_generate(origin=SYSTEM, survivor=survivor, today=today)
    route_add(origin=SYSTEM, survivor=survivor, kind="relative", detail=PHONE, label="aunt")
    outcome_record(
        origin=SYSTEM,
        survivor=survivor,
        kind="housing",
        occurred_on=today,
        source="survivor",
        housing_status="own_or_family",
        note=NOTE,
    )
    return survivor


def url(survivor, suffix=""):
    return f"/survivors/{survivor.code}/outcomes/{suffix}"


READERS_WITH_PII = ("case_worker", "supervisor")
READERS_WITHOUT_PII = ("me_officer", "programme_manager")
NO_ACCESS = ("other_case_worker", "donor", "pse_officer", "sysadmin")


@pytest.mark.parametrize("role", READERS_WITH_PII + READERS_WITHOUT_PII + NO_ACCESS)
def test_timeline_permission_matrix(role, cast, survivor, client_for):
    user = getattr(cast, role)
    client = client_for(user)
    before = AuditEntry.objects.count()
    response = client.get(url(survivor))
    body = response.content.decode()
    if role in NO_ACCESS:
        assert response.status_code == 404
        assert survivor.code not in body and PHONE not in body
        assert AuditEntry.objects.count() == before
        return
    assert response.status_code == 200
    assert "Housing" in body
    view = AuditEntry.objects.filter(action="view", object_ref=survivor.code, actor=user)
    assert view.count() == 1
    if role in READERS_WITH_PII:
        assert PHONE in body and NOTE in body and "Somsri" in body
    else:
        assert PHONE not in body and NOTE not in body and "Somsri" not in body
        assert "Contact details are not shown to your role." in body


def test_anonymous_is_sent_to_log_in(survivor, client):
    response = client.get(url(survivor))
    assert response.status_code == 302 and "/account/login/" in response["Location"]


@pytest.mark.parametrize("role", ("me_officer", "programme_manager", "other_case_worker", "donor"))
def test_write_pages_are_404_without_pii_or_scope(role, cast, survivor, client_for):
    client = client_for(getattr(cast, role))
    followup = survivor.followups.order_by("due_on").first()
    pages = [
        f"/followup/{followup.uuid}/record/",
        url(survivor, "contacts/new/"),
        url(survivor, "attempts/new/"),
        url(survivor, "events/new/"),
        url(survivor, "assessments/new/?instrument=who5"),
    ]
    for page in pages:
        assert client.get(page).status_code == 404, page
        assert client.post(page, {"result": "reached"}).status_code == 404, page
    assert client.post(url(survivor, "schedule/")).status_code == 404
    assert followup.__class__.objects.get(pk=followup.pk).status == "pending"
    assert ContactAttempt.objects.count() == 0 and OutcomeEvent.objects.count() == 1


def test_worklist_lists_my_follow_ups_only(cast, survivor, client_for):
    first = survivor.followups.order_by("due_on").first()  # month 1: some days overdue
    page = client_for(cast.case_worker).get("/followup/").content.decode()
    assert survivor.code in page and f"/followup/{first.uuid}/record/" in page
    assert f"{(timezone.localdate() - first.due_on).days} days overdue" in page
    other = client_for(cast.other_case_worker).get("/followup/")
    assert survivor.code not in other.content.decode()
    me = client_for(cast.me_officer).get("/followup/")
    assert me.status_code == 200 and survivor.code not in me.content.decode()
    assert client_for(cast.donor).get("/followup/").status_code == 404


def test_recording_a_follow_up_with_who5_shows_the_score(cast, survivor, client_for):
    client = client_for(cast.case_worker)
    followup = survivor.followups.order_by("due_on").first()
    form = client.get(f"/followup/{followup.uuid}/record/").content.decode()
    assert "I have felt cheerful and in good spirits" in form
    assert "GHQ-12 (0-0-1-1): your organisation has not loaded its licensed item wording." in form
    today = timezone.localdate().isoformat()
    answers = {f"who5-{i}": v for i, v in enumerate([3, 3, 2, 4, 1], start=1)}
    answers |= {f"phq9-{i}": 0 for i in range(1, 9)} | {"phq9-9": 1}
    response = client.post(
        f"/followup/{followup.uuid}/record/",
        {"result": "reached", "done_on": today, "note": "Fine", **answers},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url(survivor)
    body = response.content.decode()
    assert "Follow-up recorded." in body
    assert "Item 9 (thoughts of death or self-harm)" in body  # the safety alert
    assert Assessment.objects.get(instrument_code="who5").score == 52
    assert '<td data-label="Score" class="fu-score">52' in body
    assert "WHO-5 over time" in body  # the chart's title


def test_a_half_answered_instrument_is_refused(cast, survivor, client_for):
    client = client_for(cast.case_worker)
    followup = survivor.followups.order_by("due_on").first()
    response = client.post(
        f"/followup/{followup.uuid}/record/",
        {"result": "reached", "done_on": timezone.localdate().isoformat(), "who5-1": 3},
    )
    assert response.status_code == 200
    assert "Answer every item, or none if not taken." in response.content.decode()
    assert FollowUp.objects.get(pk=followup.pk).status == "pending"
    assert Assessment.objects.count() == 0


def test_after_withdrawal_the_pages_stop_contact(cast, survivor, client_for):
    consent(survivor, given=False, on=timezone.localdate())
    client = client_for(cast.case_worker)
    body = client.get(url(survivor)).content.decode()
    assert "No follow-up consent in force" in body
    assert PHONE not in body and "Record a contact attempt" not in body
    followup = survivor.followups.order_by("due_on").first()
    response = client.get(f"/followup/{followup.uuid}/record/", follow=True)
    assert "No follow-up consent in force: nothing can be recorded." in response.content.decode()
    response = client.post(url(survivor, "attempts/new/"), {"result": "reached"}, follow=True)
    assert "No follow-up consent in force: no contact." in response.content.decode()
    assert ContactAttempt.objects.count() == 0
    assert survivor.code not in client.get("/followup/").content.decode()


def test_cohort_pages(cast, survivor, followed, client_for):
    other = followed(org=cast.ngo_b, given_name="Other", phone="")
    cohort = cohort_draw(
        origin=SYSTEM, organisation=cast.thailand, name="Thai cohort", size=5, seed=3
    )
    page = client_for(cast.me_officer).get(f"/followup/cohorts/{cohort.pk}/").content.decode()
    assert survivor.code in page and other.code in page and "Seed 3" in page
    # A partner sees the cohort, but only its own members.
    page = client_for(cast.other_case_worker).get(f"/followup/cohorts/{cohort.pk}/")
    assert other.code in page.content.decode() and survivor.code not in page.content.decode()
    assert client_for(cast.donor).get(f"/followup/cohorts/{cohort.pk}/").status_code == 404
    assert client_for(cast.case_worker).get("/followup/cohorts/new/").status_code == 404
    response = client_for(cast.me_officer).post(
        "/followup/cohorts/new/",
        {"name": "Again", "organisation": cast.thailand.pk, "size": 5, "seed": 3},
    )
    assert response.status_code == 302


def test_settings_and_instruments_pages(cast, client_for):
    me = client_for(cast.me_officer)
    assert me.get("/followup/settings/").status_code == 200
    response = me.post(
        "/followup/settings/",
        {"org": "th", "schedule_months": "1, 6, 12", "cohort_months": "1, 12, 120",
         "lost_after_days": 365},
    )  # fmt: skip
    assert response.status_code == 302
    assert cast.thailand.followup_settings.schedule_months == [1, 6, 12]
    assert client_for(cast.case_worker).get("/followup/settings/").status_code == 404
    page = client_for(cast.case_worker).get("/followup/instruments/").content.decode()
    assert "Kroenke K" in page and "needs your licensed wording" in page
    assert client_for(cast.donor).get("/followup/instruments/").status_code == 404
