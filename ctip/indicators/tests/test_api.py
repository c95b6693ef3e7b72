"""`/api/v1/indicators/`: the report JSON, scoped, suppressed for donors, audited, in the
OpenAPI schema."""

import pytest
from django.test import Client

from ctip.conftest import SYSTEM
from ctip.core.models import AuditEntry
from ctip.core.services import api_token_create

URL = "/api/v1/indicators/"


@pytest.fixture
def data(cast, make_survivor, records):
    """2026-Q1: six survivors at ngo_a (one male), two at ngo_b."""
    for index in range(6):
        records.episode(make_survivor(sex="male" if index == 0 else "female"), "shelter")
    for _ in range(2):
        records.episode(make_survivor(org=cast.ngo_b), "shelter")


def bearer(user) -> Client:
    _token, key = api_token_create(origin=SYSTEM, user=user, name="reports")
    return Client(headers={"authorization": f"Bearer {key}"})


def srv1(body):
    return next(item for item in body["indicators"] if item["code"] == "SRV-1")


def test_report_for_own_scope_and_audit(cast, data):
    client = bearer(cast.me_officer)
    before = AuditEntry.objects.count()
    response = client.get(URL, {"period": "2026-Q1"})
    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == "th" and body["public"] is False
    assert body["period"]["label"] == "2026-Q1"
    assert srv1(body)["value"] == 8
    assert srv1(body)["disaggregations"]["organisation"] == {"th-ngo-a": 6, "th-ngo-b": 2}
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry.action == "export" and entry.source == "GET /api/v1/indicators/"
    assert entry.detail["format"] == "json"


def test_donor_gets_suppressed_cells(cast, data):
    body = bearer(cast.donor).get(URL, {"period": "2026-Q1", "org": "th"}).json()
    assert body["public"] is True
    cells = srv1(body)["disaggregations"]
    assert cells["sex"]["male"] == "<5"
    assert cells["organisation"] == {"th-ngo-a": "*", "th-ngo-b": "<5"}


def test_other_ngo_case_worker_gets_404_outside_scope(cast, data):
    client = bearer(cast.other_case_worker)
    before = AuditEntry.objects.count()
    assert client.get(URL, {"org": "th-ngo-a"}).status_code == 404
    assert client.get(URL, {"org": "th"}).status_code == 404
    assert AuditEntry.objects.count() == before
    body = client.get(URL, {"period": "2026-Q1"}).json()
    assert body["scope"] == "th-ngo-b" and srv1(body)["value"] == 2


def test_selected_indicators_and_bad_input(cast, data):
    client = bearer(cast.me_officer)
    body = client.get(URL, {"period": "2026-Q1", "indicator": ["REF-1", "srv-1"]}).json()
    assert [item["code"] for item in body["indicators"]] == ["SRV-1", "REF-1"]
    response = client.get(URL, {"period": "2026-Q9"})
    assert response.status_code == 400 and "period" in response.json()
    response = client.get(URL, {"indicator": "NOPE-1"})
    assert response.status_code == 400 and "indicator" in response.json()


def test_anonymous_is_refused(cast):
    assert Client().get(URL).status_code in (401, 403)


def test_in_the_openapi_schema(cast, client_for):
    schema = client_for(cast.sysadmin).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"][URL]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"period", "org", "public", "indicator"}
    assert "200" in operation["responses"] and "404" in operation["responses"]
