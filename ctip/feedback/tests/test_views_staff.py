"""Staff pages: the permission matrix, triage through the page, audit, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ctip.conftest import _user
from ctip.core.models import AuditEntry, Role
from ctip.feedback.models import Channel, Feedback
from ctip.feedback.services import feedback_submit

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    "/feedback/",
    "/feedback/changes/",
    "/feedback/changes/new/",
    "/feedback/channels/",
    "/feedback/channels/friends/",
    "/feedback/paper/",
]


@pytest.fixture
def item(channel):
    return feedback_submit(
        channel=channel, language="th", body="Secretbody", satisfaction=3, themes=["health"]
    ).feedback


def test_anonymous_is_sent_to_login(item, client):
    for url in STAFF_PAGES + ["/feedback/dashboard/", f"/feedback/{item.uuid}/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/account/login/" in response["Location"], url


@pytest.mark.parametrize("role", ["case_worker", "pse_officer", "sysadmin", "donor"])
def test_roles_without_feedback_get_404_and_no_content(item, cast, client_for, role):
    client = client_for(getattr(cast, role))
    for url in STAFF_PAGES + [f"/feedback/{item.uuid}/", "/feedback/channels/new/"]:
        response = client.get(url)
        assert response.status_code == 404, (role, url)
        assert b"Secretbody" not in response.content
    response = client.post(f"/feedback/{item.uuid}/", {"do": "spam"})
    assert response.status_code == 404
    assert not Feedback.objects.get().spam
    expected = 200 if role == "donor" else 404
    assert client.get("/feedback/dashboard/").status_code == expected


def test_other_country_project_gets_404(item, cast, client_for):
    kh = _user("kosal", Role.PROGRAMME_MANAGER, cast.cambodia)
    client = client_for(kh)
    assert client.get(f"/feedback/{item.uuid}/").status_code == 404
    assert client.get("/feedback/channels/friends/").status_code == 404
    assert item.ref not in client.get("/feedback/").content.decode()


def test_other_ngo_supervisor_does_not_see_ngo_a_channel(item, cast, client_for):
    supervisor_b = _user("boon", Role.CASE_SUPERVISOR, cast.ngo_b)
    assert client_for(supervisor_b).get(f"/feedback/{item.uuid}/").status_code == 404


@pytest.mark.parametrize("role", ["programme_manager", "me_officer", "supervisor"])
def test_triage_roles_read_and_the_read_is_audited(item, cast, client_for, role):
    user = getattr(cast, role)
    response = client_for(user).get(f"/feedback/{item.uuid}/")
    assert response.status_code == 200
    assert "Secretbody" in response.content.decode()
    entry = AuditEntry.objects.filter(action="view", object_type="feedback").get()
    assert (entry.actor, entry.object_ref, entry.organisation_code) == (
        user,
        str(item.uuid),
        "th-ngo-a",
    )


def test_triage_through_the_page(item, cast, client_for):
    client = client_for(cast.me_officer)
    response = client.post(
        f"/feedback/{item.uuid}/",
        {
            "do": "triage",
            "status": "in_progress",
            "assigned_to": cast.supervisor.pk,
            "themes": ["health", "information"],
            "tags": "food, Night shift",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "in_progress" and item.assigned_to == cast.supervisor
    assert sorted(item.theme_rows.values_list("theme", flat=True)) == ["health", "information"]
    assert sorted(item.tags.values_list("label", flat=True)) == ["food", "night shift"]
    # Closing without a reply is refused on the page, with the reason.
    response = client.post(
        f"/feedback/{item.uuid}/",
        {"do": "triage", "status": "closed", "themes": ["health"], "tags": ""},
    )
    assert response.status_code == 400
    assert "Write a reply the sender can read" in response.content.decode()
    # Replying with "close" closes it.
    response = client.post(
        f"/feedback/{item.uuid}/", {"do": "reply", "body": "Fixed", "close": "on"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "closed"
    # A note.
    client.post(f"/feedback/{item.uuid}/", {"do": "note", "body": "Check with cook"})
    assert item.notes.get().body == "Check with cook"
    assert "Check with cook" in client.get(f"/feedback/{item.uuid}/").content.decode()


def test_filters(item, channel, cast, client_for):
    feedback_submit(channel=channel, language="en", body="Othertext", themes=["legal"])
    client = client_for(cast.programme_manager)
    page = client.get("/feedback/?theme=legal").content.decode()
    assert "Othertext" in page and "Secretbody" not in page
    page = client.get("/feedback/?status=closed").content.decode()
    assert "No feedback matches." in page


def test_list_queries_do_not_grow_with_items(channel, cast, client_for):
    client = client_for(cast.programme_manager)
    feedback_submit(channel=channel, language="en", body="one", themes=["health"])
    client.get("/feedback/")
    with CaptureQueriesContext(connection) as few:
        client.get("/feedback/")
    for index in range(10):
        feedback_submit(channel=channel, language="en", body=f"n{index}", themes=["legal"])
    with CaptureQueriesContext(connection) as many:
        client.get("/feedback/")
    assert len(many) == len(few)


def test_channel_created_on_the_page(cast, client_for):
    client = client_for(cast.programme_manager)
    response = client.post(
        "/feedback/channels/new/",
        {
            "slug": "staff-voice",
            "name": "Staff voice",
            "organisation": cast.thailand.pk,
            "audience": "staff",
            "languages": ["th", "en"],
            "questions": ["raise_problems", "workload"],
            "themes": ["project_design", "other"],
            "ask_satisfaction": "on",
            "ask_free_text": "on",
            "rate_limit_per_minute": 30,
        },
    )
    assert response.status_code == 302
    channel = Channel.objects.get(slug="staff-voice")
    assert channel.organisation == cast.thailand
    assert channel.questions == ["raise_problems", "workload"]
    assert channel.created_by == cast.programme_manager
    # An organisation outside the user's subtree is not offered.
    response = client.post(
        "/feedback/channels/new/",
        {"slug": "kh", "name": "x", "organisation": cast.cambodia.pk, "audience": "staff",
         "languages": ["en"], "rate_limit_per_minute": 30},
    )  # fmt: skip
    assert response.status_code == 200
    assert not Channel.objects.filter(slug="kh").exists()
    # The supervisor triages but does not set up channels.
    assert client_for(cast.supervisor).get("/feedback/channels/new/").status_code == 404


def test_nav_link_shows_for_feedback_roles_only(cast, client_for):
    assert 'href="/feedback/"' in client_for(cast.programme_manager).get("/").content.decode()
    assert 'href="/feedback/dashboard/"' in client_for(cast.donor).get("/").content.decode()
    assert "/feedback/" not in client_for(cast.case_worker).get("/").content.decode()
