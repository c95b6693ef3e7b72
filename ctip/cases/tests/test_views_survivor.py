"""The survivor pages: permission matrix, search, the list's queries and the CSV export."""

import csv
import io
import json

import pytest
from django.test import Client

from ctip.cases.models import Survivor
from ctip.core.audit import Action
from ctip.core.models import AuditEntry

# What must never appear in a page for a user who may not read PII.
PII = ("Somsri", "Kaewmanee", "234 5678", "234-5678")


def assert_no_pii(response):
    body = response.content.decode()
    for text in PII:
        assert text not in body, f"{text!r} leaked"


def entries(action, **filters):
    return AuditEntry.objects.filter(action=action, **filters)


def url(survivor, suffix=""):
    return f"/survivors/{survivor.code}/{suffix}"


# --- the survivor page ---------------------------------------------------------------------


def test_anonymous_is_sent_to_login(cast, make_survivor):
    survivor = make_survivor()
    for path in ("/survivors/", url(survivor), "/survivors/new/", url(survivor, "edit/")):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/account/login/?next={path}"


def test_case_worker_sees_the_record_and_the_view_is_audited(cast, client_for, make_survivor):
    survivor = make_survivor()
    response = client_for(cast.case_worker).get(url(survivor))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Somsri Kaewmanee" in body
    assert "+66 81 234 5678" in body
    entry = entries(Action.VIEW).get()
    assert (entry.actor, entry.object_type, entry.object_ref) == (
        cast.case_worker,
        "survivor",
        survivor.code,
    )
    assert entry.organisation_code == "th-ngo-a"
    assert entry.source == f"GET /survivors/{survivor.code}/"


def test_supervisor_and_lowercase_code_work(cast, client_for, make_survivor):
    survivor = make_survivor()
    response = client_for(cast.supervisor).get(f"/survivors/{survivor.code.lower()}/")
    assert response.status_code == 200
    assert "Somsri Kaewmanee" in response.content.decode()


@pytest.mark.parametrize("role", ["other_case_worker", "donor", "pse_officer", "sysadmin"])
def test_out_of_scope_or_wrong_role_gets_404_and_no_pii(role, cast, client_for, make_survivor):
    survivor = make_survivor()
    client = client_for(getattr(cast, role))
    for path in (url(survivor), "/survivors/"):
        response = client.get(path)
        if role == "other_case_worker" and path == "/survivors/":
            assert response.status_code == 200  # their own (empty) list
            assert survivor.code not in response.content.decode()
        else:
            assert response.status_code == 404
        assert_no_pii(response)
    assert not entries(Action.VIEW).exists()


def test_cambodian_worker_cannot_see_thai_survivor(cast, client_for, make_survivor):
    from ctip.conftest import PASSWORD, SYSTEM
    from ctip.core.models import Role
    from ctip.core.services import user_create

    worker = user_create(
        origin=SYSTEM,
        username="kim",
        password=PASSWORD,
        role=Role.CASE_WORKER,
        organisation=cast.ngo_kh,
    )
    response = client_for(worker).get(url(make_survivor()))
    assert response.status_code == 404
    assert_no_pii(response)


@pytest.mark.parametrize("role", ["me_officer", "programme_manager"])
def test_de_identified_roles_see_the_record_without_pii(role, cast, client_for, make_survivor):
    survivor = make_survivor(address="12 Soi Secret", notes="Fled the boat in Songkhla")
    user = getattr(cast, role)
    response = client_for(user).get(url(survivor))
    assert response.status_code == 200
    body = response.content.decode()
    assert survivor.code in body
    assert "Labour exploitation" in body
    assert_no_pii(response)
    assert "Soi Secret" not in body
    assert "Songkhla" not in body
    assert "Edit profile" not in body
    assert entries(Action.VIEW, actor=user, object_ref=survivor.code).count() == 1


def test_programme_manager_with_grant_sees_pii(cast, client_for, make_survivor):
    cast.programme_manager.pii_granted = True
    cast.programme_manager.save()
    response = client_for(cast.programme_manager).get(url(make_survivor()))
    assert "Somsri Kaewmanee" in response.content.decode()


def test_notes_of_consents_and_needs_are_hidden_from_me_officer(cast, client_for, make_survivor):
    import datetime as dt

    from ctip.cases.services import consent_record, need_assess
    from ctip.conftest import SYSTEM

    survivor = make_survivor()
    consent_record(
        origin=SYSTEM,
        survivor=survivor,
        purpose="referral",
        given=True,
        decided_on=dt.date(2026, 2, 1),
        note="Agreed with her mother present",
    )
    need_assess(
        origin=SYSTEM,
        survivor=survivor,
        category="legal",
        assessed_on=dt.date(2026, 2, 1),
        notes="Wage claim against Mr Boonmee",
    )
    me_body = client_for(cast.me_officer).get(url(survivor)).content.decode()
    worker_body = client_for(cast.case_worker).get(url(survivor)).content.decode()
    for secret in ("mother present", "Boonmee"):
        assert secret not in me_body
        assert secret in worker_body
    assert "Consent given: Referral to services" in me_body
    assert "Need assessed: Legal" in me_body


# --- the list and its search -----------------------------------------------------------------


def codes_in(response):
    return {s.code for s in response.context["page"].object_list}


def test_list_shows_own_organisation_and_sites_only(cast, client_for, make_survivor):
    mine = make_survivor()
    at_site = make_survivor(org=cast.site_a, given_name="Nok")
    # A long name: a short one can turn up by chance inside a random CSRF token on the page.
    other = make_survivor(org=cast.ngo_b, given_name="Lekkhana")
    response = client_for(cast.case_worker).get("/survivors/")
    assert codes_in(response) == {mine.code, at_site.code}
    assert other.code not in response.content.decode()
    assert "Lekkhana" not in response.content.decode()


def test_search_by_code_full_and_prefix(cast, client_for, make_survivor):
    wanted = make_survivor()
    make_survivor(given_name="Nok")
    client = client_for(cast.case_worker)
    assert codes_in(client.get("/survivors/", {"q": wanted.code.lower()})) == {wanted.code}
    assert wanted.code in codes_in(client.get("/survivors/", {"q": wanted.code[:7]}))


def test_search_by_exact_name_and_by_phone_in_another_format(cast, client_for, make_survivor):
    wanted = make_survivor()
    make_survivor(given_name="Nok", family_name="Srisuk", phone="+66 89 111 2222")
    client = client_for(cast.case_worker)
    assert codes_in(client.get("/survivors/", {"q": "somsri kaewmanee"})) == {wanted.code}
    assert codes_in(client.get("/survivors/", {"q": "KAEWMANEE"})) == {wanted.code}
    assert codes_in(client.get("/survivors/", {"q": "Somsr"})) == set()  # exact only
    assert codes_in(client.get("/survivors/", {"q": "081-234-5678"})) == {wanted.code}


def test_search_audit_keeps_the_kind_never_the_term(cast, client_for, make_survivor):
    survivor = make_survivor()
    client = client_for(cast.case_worker)
    client.get("/survivors/", {"q": "Somsri Kaewmanee"})
    client.get("/survivors/", {"q": "081-234-5678"})
    client.get("/survivors/", {"q": survivor.code[:5]})
    client.get("/survivors/")  # no term, no search entry
    searches = list(entries(Action.SEARCH).order_by("id"))
    assert [e.detail for e in searches] == [
        {"kind": "name", "results": 1},
        {"kind": "phone", "results": 1},
        {"kind": "code", "results": 1},
    ]
    for entry in searches:
        stored = json.dumps(entry.detail) + entry.source + entry.object_ref + entry.reason
        assert "Somsri" not in stored
        assert "5678" not in stored
        assert entry.source == "GET /survivors/"


def test_me_officer_cannot_search_by_name_or_phone(cast, client_for, make_survivor):
    survivor = make_survivor()
    client = client_for(cast.me_officer)
    assert codes_in(client.get("/survivors/", {"q": "Somsri Kaewmanee"})) == set()
    assert codes_in(client.get("/survivors/", {"q": "081-234-5678"})) == set()
    response = client.get("/survivors/", {"q": survivor.code})
    assert codes_in(response) == {survivor.code}
    assert_no_pii(response)


def test_list_filters(cast, client_for, make_survivor):
    from ctip.cases.services import case_close
    from ctip.conftest import SYSTEM

    labour = make_survivor()
    sexual = make_survivor(exploitation=["sexual"], sex="male", given_name="Nok")
    unassigned = make_survivor(case_worker=None, given_name="Lek")
    at_site = make_survivor(org=cast.site_a, case_worker=None, given_name="Dao")
    import datetime as dt

    case_close(
        origin=SYSTEM, survivor=unassigned, reason="reintegrated", closed_on=dt.date(2026, 2, 1)
    )
    client = client_for(cast.case_worker)
    assert codes_in(client.get("/survivors/", {"exploitation": "sexual"})) == {sexual.code}
    assert codes_in(client.get("/survivors/", {"sex": "male"})) == {sexual.code}
    assert codes_in(client.get("/survivors/", {"status": "closed"})) == {unassigned.code}
    assert codes_in(client.get("/survivors/", {"mine": "on"})) == {labour.code, sexual.code}
    assert codes_in(client.get("/survivors/", {"organisation": "th-ngo-a-cm"})) == {at_site.code}
    # an organisation out of scope is not a valid choice: the filters are ignored, nothing leaks
    response = client.get("/survivors/", {"organisation": "th-ngo-b"})
    assert "organisation" in response.context["form"].errors


def test_list_columns_by_role(cast, client_for, make_survivor):
    make_survivor()
    worker = client_for(cast.case_worker).get("/survivors/").content.decode()
    assert "Somsri Kaewmanee" in worker
    assert ">Name<" in worker
    me = client_for(cast.me_officer).get("/survivors/")
    assert ">Name<" not in me.content.decode()
    assert_no_pii(me)


def test_pagination_keeps_filters(cast, client_for, make_survivor):
    for index in range(27):
        make_survivor(phone=f"+66 81 000 {index:04d}")
    response = client_for(cast.case_worker).get("/survivors/", {"status": "open", "sex": "female"})
    page = response.context["page"]
    assert (page.paginator.count, len(page.object_list), page.paginator.num_pages) == (27, 25, 2)
    body = response.content.decode()
    assert (
        'href="?q=&amp;status=open&amp;sex=female&amp;exploitation=&amp;organisation=' not in body
    )
    assert "status=open&amp;sex=female&amp;page=2" in body
    second = client_for(cast.case_worker).get(
        "/survivors/", {"status": "open", "sex": "female", "page": 2}
    )
    assert len(second.context["page"].object_list) == 2


def test_list_queries_do_not_grow_with_rows(
    cast, client_for, make_survivor, django_assert_max_num_queries
):
    client = client_for(cast.case_worker)
    for index in range(3):
        make_survivor(phone=f"+66 81 000 {index:04d}")
    with django_assert_max_num_queries(10):
        client.get("/survivors/")
    for index in range(3, 30):
        make_survivor(phone=f"+66 81 000 {index:04d}", case_worker=cast.supervisor)
    with django_assert_max_num_queries(10):
        response = client.get("/survivors/")
    assert len(response.context["page"].object_list) == 25


def test_htmx_gets_the_results_only_and_no_phone_in_the_pushed_url(cast, client_for, make_survivor):
    survivor = make_survivor()
    client = client_for(cast.case_worker)
    response = client.get(
        "/survivors/", {"q": "081-234-5678", "status": "open"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "<html" not in body
    assert survivor.code in body
    assert response["HX-Push-Url"] == "/survivors/?status=open"
    assert "HX-Request" in response["Vary"]
    by_code = client.get("/survivors/", {"q": survivor.code}, HTTP_HX_REQUEST="true")
    assert "HX-Push-Url" not in by_code


def test_list_pages_are_not_cached(cast, client_for, make_survivor):
    survivor = make_survivor()
    client = client_for(cast.case_worker)
    for path in ("/survivors/", url(survivor)):
        assert "no-store" in client.get(path)["Cache-Control"]


# --- export ----------------------------------------------------------------------------------


def test_export_is_de_identified_and_audited(cast, client_for, make_survivor):
    first = make_survivor(address="12 Soi Secret")
    second = make_survivor(
        given_name="Nok", exploitation=["sexual", "labour"], nationality="kh", birth_year=None
    )
    make_survivor(org=cast.ngo_b, given_name="Lek")
    response = client_for(cast.case_worker).post("/survivors/export/", {"status": "open"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="survivors-')
    text = response.content.decode()
    for secret in ("Somsri", "Kaewmanee", "Nok", "5678", "Soi Secret", "Lek"):
        assert secret not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "code",
        "sex",
        "birth_year",
        "nationality",
        "exploitation",
        "organisation",
        "opened_on",
        "status",
    ]
    assert sorted(rows[1:]) == sorted(
        [
            [first.code, "female", "1998", "MM", "labour", "th-ngo-a", "2026-01-15", "open"],
            [second.code, "female", "", "KH", "labour;sexual", "th-ngo-a", "2026-01-15", "open"],
        ]
    )
    entry = entries(Action.EXPORT).get()
    assert entry.actor == cast.case_worker
    assert entry.detail == {"format": "csv", "rows": 2, "filters": {"status": "open"}}


def test_export_with_a_search_keeps_the_term_out_of_the_audit(cast, client_for, make_survivor):
    survivor = make_survivor()
    make_survivor(given_name="Nok", phone="+66 89 000 0000")
    response = client_for(cast.me_officer).post("/survivors/export/", {"q": survivor.code})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[0] for row in rows[1:]] == [survivor.code]
    worker = client_for(cast.case_worker).post("/survivors/export/", {"q": "081-234-5678"})
    assert len(list(csv.reader(io.StringIO(worker.content.decode())))) == 2
    details = [e.detail for e in entries(Action.EXPORT).order_by("id")]
    assert details == [
        {"format": "csv", "rows": 1, "filters": {}, "search": "code"},
        {"format": "csv", "rows": 1, "filters": {}, "search": "phone"},
    ]


@pytest.mark.parametrize("role", ["donor", "pse_officer", "sysadmin"])
def test_export_refused_to_roles_without_records(role, cast, client_for, make_survivor):
    make_survivor()
    response = client_for(getattr(cast, role)).post("/survivors/export/")
    assert response.status_code == 404
    assert not entries(Action.EXPORT).exists()


def test_export_is_post_only(cast, client_for):
    assert client_for(cast.case_worker).get("/survivors/export/").status_code == 405
    assert Survivor.objects.count() == 0
