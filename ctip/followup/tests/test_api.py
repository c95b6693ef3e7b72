"""`/api/v1/followups/`, `assessments/`, `outcome-events/`, `instruments/`: scoping, PII,
audit and recording."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from ctip.conftest import SYSTEM
from ctip.core.models import AuditEntry
from ctip.followup.models import FollowUp
from ctip.followup.services import schedule_generate


@pytest.fixture
def survivor(followed):
    today = timezone.localdate()
    survivor = followed(identified_on=today - dt.timedelta(days=40))
    schedule_generate(origin=SYSTEM, survivor=survivor, today=today)
    return survivor


def post(client, path, payload):
    return client.post(path, json.dumps(payload), content_type="application/json")


def test_followups_are_scoped_and_recorded_through_the_api(cast, survivor, client_for):
    first = survivor.followups.order_by("due_on").first()
    worker = client_for(cast.case_worker)
    listing = worker.get(f"/api/v1/followups/?survivor={survivor.code}&status=pending").json()
    assert listing["count"] == 8 and listing["results"][0]["uuid"] == str(first.uuid)
    assert "note" in listing["results"][0]
    assert AuditEntry.objects.filter(action="list", object_type="followup").count() == 1

    other = client_for(cast.other_case_worker)
    assert other.get("/api/v1/followups/").json()["count"] == 0
    assert other.get(f"/api/v1/followups/{first.uuid}/").status_code == 404
    assert post(other, f"/api/v1/followups/{first.uuid}/record/", {}).status_code == 404

    me = client_for(cast.me_officer)
    assert "note" not in me.get(f"/api/v1/followups/{first.uuid}/").json()
    refused = post(me, f"/api/v1/followups/{first.uuid}/record/", {"result": "reached"})
    assert refused.status_code == 403

    today = timezone.localdate().isoformat()
    response = post(
        worker,
        f"/api/v1/followups/{first.uuid}/record/",
        {
            "result": "reached",
            "done_on": today,
            "assessments": [
                {"instrument": "who5", "answers": {"1": 3, "2": 3, "3": 2, "4": 4, "5": 1}},
                {"instrument": "phq9", "answers": {**{str(i): 0 for i in range(1, 9)}, "9": 2}},
            ],
        },
    )
    assert response.status_code == 200, response.content
    who5, phq9 = response.json()
    assert (who5["score"], who5["instrument_version"], who5["alerts"]) == (52.0, "1998", [])
    assert phq9["score"] == 2 and len(phq9["alerts"]) == 1
    assert FollowUp.objects.get(pk=first.pk).result == "reached"

    again = post(worker, f"/api/v1/followups/{first.uuid}/record/", {"result": "reached",
                                                                     "done_on": today})  # fmt: skip
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["This follow-up is no longer pending."]}

    answers = worker.get(f"/api/v1/assessments/?survivor={survivor.code}").json()["results"]
    assert answers[0]["answers"] == {"1": 3, "2": 3, "3": 2, "4": 4, "5": 1}
    deidentified = me.get(f"/api/v1/assessments/?survivor={survivor.code}").json()["results"]
    assert "answers" not in deidentified[0] and deidentified[0]["score"] == 52.0


def test_instruments_and_outcome_events(cast, survivor, client_for):
    instruments = client_for(cast.case_worker).get("/api/v1/instruments/").json()
    by_code = {item["code"]: item for item in instruments}
    assert by_code["who5"]["usable"] and len(by_code["who5"]["items"]) == 5
    assert not by_code["ghq12_ghq"]["usable"] and by_code["ghq12_ghq"]["items"] == []
    assert by_code["phq9"]["cutoffs"] == {"default": 10.0, "TH": 9.0}
    assert by_code["reintegration"]["weight_set"] == "equal-1"
    assert client_for(cast.donor).get("/api/v1/outcome-events/").json()["count"] == 0


def test_the_schema_describes_the_followup_endpoints(cast, client_for):
    schema = client_for(cast.case_worker).get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/api/v1/followups/{uuid}/record/" in paths
    assert "/api/v1/instruments/" in paths
