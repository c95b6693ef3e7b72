"""`/api/v1/episodes/` and `/api/v1/referrals/`: scoping, PII, audit and writes."""

import datetime as dt
import json

import pytest
from django.test import Client

from ctip.conftest import SYSTEM
from ctip.core.audit import Action
from ctip.core.models import AuditEntry
from ctip.services.models import Referral, ServiceEpisode
from ctip.services.services import episode_record, referral_send

D = dt.date
EPISODE_KEYS = {
    "uuid",
    "survivor",
    "service_type",
    "counted",
    "provider",
    "need",
    "started_on",
    "ended_on",
    "status",
    "discontinued_reason",
    "sessions",
    "created_at",
    "modified_at",
}


@pytest.fixture
def data(cast, make_survivor, types, need, consent):
    survivor = make_survivor()
    consent(survivor)
    legal = need(survivor)
    episode = episode_record(
        origin=SYSTEM,
        survivor=survivor,
        service_type=types["legal_aid"],
        provider=cast.ngo_a,
        need=legal,
        started_on=D(2026, 1, 20),
        notes="Threats from the broker",
    )
    referral = referral_send(
        origin=SYSTEM,
        survivor=survivor,
        service_type=types["legal_aid"],
        to_provider=cast.gov_provider,
        need=legal,
        sent_on=D(2026, 1, 22),
        note="Prefers a female lawyer",
    )
    return survivor, legal, episode, referral


def post(client, path, payload):
    return client.post(path, json.dumps(payload), content_type="application/json")


# --- episodes ---------------------------------------------------------------------------------

EPISODE_MATRIX = [
    ("case_worker", 200, True),
    ("supervisor", 200, True),
    ("other_case_worker", 404, False),
    ("me_officer", 200, False),
    ("programme_manager", 200, False),
    ("donor", 404, False),
    ("sysadmin", 404, False),
]


@pytest.mark.parametrize(("role", "expected", "pii"), EPISODE_MATRIX)
def test_episode_detail_matrix(cast, client_for, data, role, expected, pii):
    episode = data[2]
    before = AuditEntry.objects.filter(action=Action.VIEW).count()
    response = client_for(getattr(cast, role)).get(f"/api/v1/episodes/{episode.uuid}/")
    assert response.status_code == expected
    assert "Threats" not in response.content.decode() or pii
    if expected == 200:
        body = response.json()
        assert set(body) == EPISODE_KEYS | ({"notes"} if pii else set())
        assert (body["survivor"], body["service_type"], body["counted"]) == (
            data[0].code,
            "legal_aid",
            True,
        )
        entry = AuditEntry.objects.filter(action=Action.VIEW).latest("id")
        assert entry.object_ref == data[0].code
    else:
        assert AuditEntry.objects.filter(action=Action.VIEW).count() == before


def test_episode_list_scoped_and_audited(cast, client_for, data):
    assert client_for(cast.case_worker).get("/api/v1/episodes/").json()["count"] == 1
    assert client_for(cast.other_case_worker).get("/api/v1/episodes/").json()["count"] == 0
    assert client_for(cast.donor).get("/api/v1/episodes/").json()["count"] == 0
    assert AuditEntry.objects.filter(action=Action.LIST, object_type="episode").count() == 3
    assert Client().get("/api/v1/episodes/").status_code in (401, 403)


def test_episode_create_enforces_the_need_rule(cast, client_for, data):
    survivor, legal, *_ = data
    client = client_for(cast.case_worker)
    payload = {
        "survivor": survivor.code,
        "service_type": "psychosocial",
        "provider": "th-ngo-a",
        "started_on": "2026-02-01",
    }
    response = post(client, "/api/v1/episodes/", payload)
    assert response.status_code == 400
    assert list(response.json()) == ["need"]
    payload |= {"service_type": "legal_aid", "need": str(legal.uuid)}
    response = post(client, "/api/v1/episodes/", payload)
    assert response.status_code == 201
    assert response.json()["need"] == str(legal.uuid)
    # Read-only roles cannot write; other organisations get 404.
    assert post(client_for(cast.me_officer), "/api/v1/episodes/", payload).status_code == 403
    assert post(client_for(cast.other_case_worker), "/api/v1/episodes/", payload).status_code == 404
    assert ServiceEpisode.objects.count() == 2


def test_episode_close_action(cast, client_for, data):
    episode = data[2]
    response = post(
        client_for(cast.case_worker),
        f"/api/v1/episodes/{episode.uuid}/close/",
        {"status": "completed", "ended_on": "2026-02-10"},
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["ended_on"]) == ("completed", "2026-02-10")


# --- referrals --------------------------------------------------------------------------------


def test_referral_create_without_consent_says_so(cast, client_for, make_survivor, need):
    survivor = make_survivor()
    legal = need(survivor)
    response = post(
        client_for(cast.case_worker),
        "/api/v1/referrals/",
        {
            "survivor": survivor.code,
            "service_type": "legal_aid",
            "to_provider": "th-dsdw",
            "need": str(legal.uuid),
            "sent_on": "2026-01-22",
        },
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"][0].startswith(
        "This survivor has not given consent to be referred"
    )
    assert Referral.objects.count() == 0


def test_sender_sees_the_note_and_the_provider_does_not(cast, client_for, data, provider_user):
    referral = data[3]
    sender = client_for(cast.case_worker).get(f"/api/v1/referrals/{referral.uuid}/").json()
    assert (sender["side"], sender["note"]) == ("sender", "Prefers a female lawyer")
    assert [e["status"] for e in sender["events"]] == ["sent"]
    provider = client_for(provider_user).get(f"/api/v1/referrals/{referral.uuid}/")
    assert provider.status_code == 200
    assert provider.json()["side"] == "receiver"
    assert "note" not in provider.json()
    assert "Somsri" not in provider.content.decode()
    me = client_for(cast.me_officer).get(f"/api/v1/referrals/{referral.uuid}/").json()
    assert "note" not in me
    assert (
        client_for(cast.other_case_worker).get(f"/api/v1/referrals/{referral.uuid}/").status_code
        == 404
    )


def test_referral_lists_by_side(cast, client_for, data, provider_user):
    worker = client_for(cast.case_worker)
    assert worker.get("/api/v1/referrals/?side=sent").json()["count"] == 1
    assert worker.get("/api/v1/referrals/?side=received").json()["count"] == 0
    assert worker.get("/api/v1/referrals/?unanswered=true").json()["count"] == 1
    provider = client_for(provider_user)
    assert provider.get("/api/v1/referrals/").json()["count"] == 1
    assert provider.get("/api/v1/referrals/?side=sent").json()["count"] == 0
    assert worker.get("/api/v1/referrals/?side=nope").status_code == 400


def test_status_action_provider_answers_and_illegal_moves_are_400(
    cast, client_for, data, provider_user
):
    referral = data[3]
    client = client_for(provider_user)
    url = f"/api/v1/referrals/{referral.uuid}/status/"
    response = post(client, url, {"status": "withdrawn", "on": "2026-01-23", "reason": "other"})
    assert response.status_code == 400
    assert response.json() == {
        "status": ["Only the referring organisation can withdraw a referral."]
    }
    response = post(client, url, {"status": "service_started", "on": "2026-01-25"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "service_started" and body["episode"]
    assert [(e["status"], e["by_organisation"]) for e in body["events"]] == [
        ("sent", "th-ngo-a"),
        ("service_started", "th-dsdw"),
    ]
    response = post(client, url, {"status": "accepted", "on": "2026-01-26"})
    assert response.status_code == 400
    assert response.json() == {
        "status": ["A referral that is Service started cannot become Accepted."]
    }
