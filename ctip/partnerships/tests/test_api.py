"""`/api/v1/partnerships/`: the same scope as the pages; out of scope is 404."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ctip.partnerships.models import Stage
from ctip.partnerships.tests.conftest import D, make_company, make_engagement, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def engagements(cast):
    company = make_company(cast, "Mekong Garments", is_target=True)
    th = walk(
        make_engagement(cast, company, avoided_terms="trafficking"),
        [(Stage.FIRST_MEETING, D(2026, 2, 1))],
    )
    kh = make_engagement(cast, company, project=cast.cambodia)
    return company, th, kh


def _list(client, name):
    return client.get(reverse(f"partnerships:api-{name}-list"))


def test_pse_officer_lists_every_engagement(cast, client_for, engagements):
    company, th, kh = engagements
    client = client_for(cast.pse_officer)
    body = _list(client, "engagement").json()
    assert body["count"] == 2
    row = next(r for r in body["results"] if r["organisation"] == "th")
    assert row == row | {
        "company": str(company.uuid),
        "company_name": "Mekong Garments",
        "stage": "first_meeting",
        "stage_since": "2026-02-01",
        "stalled": True,
        "avoided_terms": ["trafficking"],
        "lead": None,
    }
    companies = _list(client, "company").json()
    assert [c["name"] for c in companies["results"]] == ["Mekong Garments"]
    assert companies["results"][0]["is_target"] is True


def test_programme_manager_gets_own_engagements_and_404_for_others(cast, client_for, engagements):
    company, th, kh = engagements
    client = client_for(cast.programme_manager)
    body = _list(client, "engagement").json()
    assert [r["organisation"] for r in body["results"]] == ["th"]
    other = reverse("partnerships:api-engagement-detail", args=[kh.uuid])
    assert client.get(other).status_code == 404
    assert client.get(reverse("partnerships:api-engagement-detail", args=[th.uuid])).json()[
        "uuid"
    ] == str(th.uuid)
    assert _list(client, "company").json()["count"] == 1


@pytest.mark.parametrize("role", ["donor", "case_worker", "sysadmin"])
def test_roles_without_records_see_nothing(cast, client_for, engagements, role):
    company, th, _kh = engagements
    client = client_for(getattr(cast, role))
    assert _list(client, "engagement").json()["count"] == 0
    assert _list(client, "company").json()["count"] == 0
    assert (
        client.get(reverse("partnerships:api-company-detail", args=[company.uuid])).status_code
        == 404
    )


def test_api_is_read_only_and_needs_login(cast, client, client_for, engagements):
    assert _list(client, "engagement").status_code in (401, 403)
    pse = client_for(cast.pse_officer)
    assert pse.post(reverse("partnerships:api-company-list"), {}).status_code == 405


def test_list_pages_do_not_query_per_row(cast, client_for):
    client = client_for(cast.pse_officer)

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for index in range(3):
        make_engagement(cast, make_company(cast, f"First {index}"))
    urls = [
        reverse("partnerships:board"),
        reverse("partnerships:company_list"),
        reverse("partnerships:api-engagement-list"),
    ]
    few = [count(url) for url in urls]
    for index in range(8):
        make_engagement(cast, make_company(cast, f"More {index}"), project=cast.cambodia)
    assert [count(url) for url in urls] == few
