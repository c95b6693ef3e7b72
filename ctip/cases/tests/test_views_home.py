"""Home page per role: own caseload counts, or suppressed aggregates for donors, or admin links."""

import datetime as dt

import pytest

from ctip.cases.services import case_close, need_assess
from ctip.conftest import SYSTEM


def stats(response):
    return response.context["summary"]


def test_case_worker_sees_own_counts_with_links(cast, client_for, make_survivor):
    first = make_survivor()
    make_survivor(case_worker=cast.supervisor, given_name="Nok")
    closed = make_survivor(given_name="Lek")
    make_survivor(org=cast.ngo_b, given_name="Dao")
    case_close(origin=SYSTEM, survivor=closed, reason="withdrew", closed_on=dt.date(2026, 2, 1))
    need_assess(origin=SYSTEM, survivor=first, category="shelter", assessed_on=dt.date(2026, 2, 1))
    response = client_for(cast.case_worker).get("/")
    assert response.status_code == 200
    assert stats(response) == {"open": 2, "closed": 1, "mine": 1, "open_needs": 1}
    body = response.content.decode()
    assert 'href="/survivors/?status=open"' in body
    assert 'href="/survivors/?status=open&amp;mine=on"' in body
    assert 'href="/survivors/?status=closed"' in body
    assert "My open cases" in body


def test_me_officer_home_has_no_own_cases(cast, client_for, make_survivor):
    make_survivor()
    response = client_for(cast.me_officer).get("/")
    assert stats(response)["open"] == 1
    assert "My open cases" not in response.content.decode()
    assert "Register a survivor" not in response.content.decode()


def test_anonymous_home_redirects_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=/"


@pytest.mark.parametrize("role", ["donor", "pse_officer"])
def test_aggregate_roles_see_suppressed_counts_only(role, cast, client_for, make_survivor):
    for index in range(7):
        make_survivor(phone=f"+66 81 000 {index:04d}")
    make_survivor(org=cast.ngo_b, sex="male", given_name="Nok", case_worker=None)
    make_survivor(org=cast.ngo_kh, sex="male", given_name="Lek", nationality="KH")
    make_survivor(org=cast.ngo_kh, sex="male", given_name="Dao", nationality="KH")
    response = client_for(getattr(cast, role)).get("/")
    assert response.status_code == 200
    aggregates = response.context["aggregates"]
    assert aggregates["total"] == 10
    # Cambodia's 2 is small; Thailand's 8 would give it away from the total, so it hides too.
    assert aggregates["by_country"] == [("Cambodia project", "<5"), ("Thailand project", "*")]
    assert aggregates["by_sex"] == [("Female", "*"), ("Male", "<5"), ("Other", 0), ("Unknown", 0)]
    body = response.content.decode()
    assert "Somsri" not in body
    assert "TH-" not in body
    assert "&lt;5" in body


def test_aggregates_without_small_cells_are_shown_as_they_are(cast, client_for, make_survivor):
    for index in range(6):
        make_survivor(phone=f"+66 81 000 {index:04d}")
        make_survivor(org=cast.ngo_kh, sex="male", case_worker=None, phone=f"+855 1 {index:04d}")
    aggregates = client_for(cast.donor).get("/").context["aggregates"]
    assert aggregates["by_country"] == [("Cambodia project", 6), ("Thailand project", 6)]
    assert aggregates["by_sex"] == [("Female", 6), ("Male", 6), ("Other", 0), ("Unknown", 0)]


def test_small_total_is_suppressed(cast, client_for, make_survivor):
    make_survivor()
    aggregates = client_for(cast.donor).get("/").context["aggregates"]
    assert aggregates["total"] == "<5"
    assert aggregates["by_country"] == [("Cambodia project", 0), ("Thailand project", "<5")]


def test_sysadmin_home_links_to_audit_log_and_admin(cast, client_for):
    response = client_for(cast.sysadmin).get("/")
    body = response.content.decode()
    assert 'href="/audit/"' in body
    assert 'href="/admin/"' in body
    assert "Survivors" not in body.split("<main")[0]  # no survivor link in the nav


def test_nav_matches_the_role(cast, client_for):
    worker = client_for(cast.case_worker).get("/").content.decode()
    assert 'href="/survivors/new/"' in worker
    assert 'href="/audit/"' not in worker
    me = client_for(cast.me_officer).get("/").content.decode()
    assert 'href="/survivors/"' in me
    assert 'href="/survivors/new/"' not in me
    donor = client_for(cast.donor).get("/").content.decode()
    assert 'href="/survivors/"' not in donor


def test_demo_banner_only_in_demo_mode(cast, client_for, settings):
    assert "Demo data" not in client_for(cast.case_worker).get("/").content.decode()
    settings.CTIP_DEMO_MODE = True
    assert "Demo data" in client_for(cast.case_worker).get("/").content.decode()
