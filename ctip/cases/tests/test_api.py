"""`/api/v1/survivors/`, `/needs/`, `/consents/`: the permission matrix, PII, audit, writes."""

import datetime as dt
import json

import pytest
from django.test import Client

from ctip.cases.models import CaseEvent, Consent, Need, NeedStatus, Survivor
from ctip.cases.services import need_assess
from ctip.conftest import SYSTEM, verified_client
from ctip.core.audit import Action
from ctip.core.models import AuditEntry, User
from ctip.core.services import api_token_create

PII_KEYS = {"given_name", "family_name", "phone", "address"}
PII_VALUES = ("Somsri", "Kaewmanee", "234 5678", "Mae Sot")
SURVIVOR_KEYS = {
    "code",
    "organisation",
    "sex",
    "birth_year",
    "nationality",
    "exploitation",
    "identified_on",
    "identifying_agency",
    "case_worker",
    "status",
    "opened_on",
    "closed_on",
    "closed_reason",
    "pii_erased",
    "created_at",
    "modified_at",
}
NEED_KEYS = {"uuid", "survivor", "category", "assessed_on", "status", "created_at", "modified_at"}
# Roles of the cast and what they get for a survivor of ngo_a: status code, PII or not.
DETAIL_MATRIX = [
    ("case_worker", 200, True),
    ("supervisor", 200, True),
    ("other_case_worker", 404, False),  # another NGO of the same country
    ("me_officer", 200, False),
    ("programme_manager", 200, False),
    ("pse_officer", 404, False),
    ("donor", 404, False),
    ("sysadmin", 404, False),
]


@pytest.fixture
def survivor(make_survivor):
    return make_survivor(address="12 Moo 4, Mae Sot")


@pytest.fixture
def need(survivor):
    return need_assess(
        origin=SYSTEM,
        survivor=survivor,
        category="shelter",
        assessed_on=dt.date(2026, 1, 20),
        notes="Needs a safe place in Mae Sot",
    )


def last_audit() -> AuditEntry:
    return AuditEntry.objects.order_by("-id").first()


def audit_count() -> int:
    return AuditEntry.objects.count()


def no_pii_in(response) -> bool:
    body = response.content.decode()
    return not any(value in body for value in PII_VALUES)


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def patch(client, url, data):
    return client.patch(url, json.dumps(data), content_type="application/json")


# --- authentication ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/api/v1/survivors/"),
        ("get", "/api/v1/survivors/{code}/"),
        ("get", "/api/v1/survivors/{code}/needs/"),
        ("get", "/api/v1/survivors/{code}/consents/"),
        ("get", "/api/v1/needs/{need}/"),
        ("post", "/api/v1/survivors/"),
        ("patch", "/api/v1/survivors/{code}/"),
    ],
)
def test_anonymous_gets_401_and_nothing(survivor, need, method, path):
    before = audit_count()
    response = getattr(Client(), method)(path.format(code=survivor.code, need=need.uuid))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert no_pii_in(response)
    assert audit_count() == before


@pytest.mark.django_db
def test_session_without_two_factor_is_refused(cast, survivor):
    client = Client()
    client.force_login(cast.case_worker)  # password passed, TOTP not
    before = audit_count()
    for path in ("/api/v1/survivors/", f"/api/v1/survivors/{survivor.code}/"):
        response = client.get(path)
        assert response.status_code == 403
        assert response.json() == {
            "detail": "Two-factor verification is required: complete it in the web interface first."
        }
    assert audit_count() == before


@pytest.mark.django_db
def test_token_counts_as_verified_and_a_revoked_token_fails(cast, survivor):
    token, key = api_token_create(origin=SYSTEM, user=cast.case_worker, name="laptop")
    client = Client(headers={"authorization": f"Bearer {key}"})
    response = client.get(f"/api/v1/survivors/{survivor.code}/")
    assert response.status_code == 200
    assert response.json()["given_name"] == "Somsri"
    entry = last_audit()
    assert (entry.action, entry.actor_id, entry.object_ref) == (
        Action.VIEW,
        cast.case_worker.pk,
        survivor.code,
    )
    assert entry.source == f"GET /api/v1/survivors/{survivor.code}/"

    token.revoked_at = token.created_at
    token.save(update_fields=["revoked_at"])
    before = audit_count()
    response = client.get(f"/api/v1/survivors/{survivor.code}/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked token."}
    assert audit_count() == before


# --- survivor detail ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role,expected,pii", DETAIL_MATRIX)
def test_survivor_detail_matrix(cast, survivor, role, expected, pii):
    user = getattr(cast, role)
    client = verified_client(user)  # logging in writes its own audit entry
    before = audit_count()
    response = client.get(f"/api/v1/survivors/{survivor.code}/")
    assert response.status_code == expected
    if expected == 404:
        assert response.json() == {"detail": "No such survivor."}
        assert audit_count() == before
        assert no_pii_in(response)
        return
    body = response.json()
    assert set(body) == (SURVIVOR_KEYS | PII_KEYS if pii else SURVIVOR_KEYS)
    assert body["code"] == survivor.code
    assert body["organisation"] == "th-ngo-a"
    assert body["exploitation"] == ["labour"]
    assert body["case_worker"] == "anong"
    assert body["birth_year"] == 1998
    if pii:
        assert (body["given_name"], body["family_name"], body["phone"], body["address"]) == (
            "Somsri",
            "Kaewmanee",
            "+66 81 234 5678",
            "12 Moo 4, Mae Sot",
        )
    else:
        assert no_pii_in(response)
    assert audit_count() == before + 1
    entry = last_audit()
    assert (entry.action, entry.object_type, entry.object_ref, entry.actor_id) == (
        Action.VIEW,
        "survivor",
        survivor.code,
        user.pk,
    )
    assert entry.organisation_code == "th-ngo-a"


@pytest.mark.django_db
def test_programme_manager_granted_pii_sees_it(cast, survivor):
    User.objects.filter(pk=cast.programme_manager.pk).update(pii_granted=True)
    manager = User.objects.get(pk=cast.programme_manager.pk)
    response = verified_client(manager).get(f"/api/v1/survivors/{survivor.code}/")
    assert response.status_code == 200
    assert response.json()["phone"] == "+66 81 234 5678"


@pytest.mark.django_db
def test_unknown_code_is_404_like_out_of_scope(cast):
    response = verified_client(cast.case_worker).get("/api/v1/survivors/TH-ZZZZ-ZZZZ/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such survivor."}


# --- survivor list -----------------------------------------------------------------------


@pytest.mark.django_db
def test_list_is_scoped_and_audited_without_pii(cast, make_survivor):
    own = make_survivor(address="12 Moo 4, Mae Sot")
    other = make_survivor(org=cast.ngo_b, given_name="Malee")
    cambodian = make_survivor(org=cast.ngo_kh, given_name="Sokha")

    def codes(user):
        response = verified_client(user).get("/api/v1/survivors/")
        assert response.status_code == 200
        return response, {row["code"] for row in response.json()["results"]}

    response, seen = codes(cast.case_worker)
    assert seen == {own.code}
    assert response.json()["count"] == 1
    assert response.json()["results"][0]["given_name"] == "Somsri"
    entry = last_audit()
    assert (entry.action, entry.object_type, entry.object_ref, entry.actor_id) == (
        Action.LIST,
        "survivor",
        "",
        cast.case_worker.pk,
    )
    assert entry.organisation_code == "th-ngo-a"
    assert entry.detail == {"count": 1, "page": 1, "searched": False, "filters": {}}

    assert codes(cast.other_case_worker)[1] == {other.code}

    response, seen = codes(cast.me_officer)
    assert seen == {own.code, other.code}
    assert all(not set(row) & PII_KEYS for row in response.json()["results"])
    assert no_pii_in(response)
    assert cambodian.code not in response.content.decode()

    for role in ("donor", "pse_officer", "sysadmin"):
        response, seen = codes(getattr(cast, role))
        assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.django_db
def test_search_and_filters_reuse_the_pages_rules(cast, make_survivor):
    somsri = make_survivor()
    make_survivor(
        given_name="Malee",
        family_name="Dee",
        phone="+66 82 000 1111",
        sex="male",
        exploitation=["sexual"],
    )
    client = verified_client(cast.case_worker)

    def codes(query):
        response = client.get("/api/v1/survivors/", query)
        assert response.status_code == 200
        return [row["code"] for row in response.json()["results"]]

    assert codes({"q": "+66 81 234 0000"}) == []
    assert codes({"q": "+66 81 234 5678"}) == [somsri.code]
    assert codes({"q": "somsri"}) == [somsri.code]
    assert codes({"q": somsri.code[:7].lower()}) == [somsri.code]
    assert codes({"sex": "female"}) == [somsri.code]
    assert codes({"exploitation": "labour", "status": "open"}) == [somsri.code]
    assert codes({"organisation": "th-ngo-b"}) == []
    entry = last_audit()
    assert entry.detail == {
        "count": 0,
        "page": 1,
        "searched": False,
        "filters": {"organisation": "th-ngo-b"},
    }
    codes({"q": "Somsri", "status": "open"})
    entry = last_audit()
    assert entry.detail == {"count": 1, "page": 1, "searched": True, "filters": {"status": "open"}}
    assert "Somsri" not in json.dumps(entry.detail) + entry.source + entry.reason

    # An M&E officer searches by code only: a name finds nothing.
    me_client = verified_client(cast.me_officer)
    assert me_client.get("/api/v1/survivors/", {"q": "Somsri"}).json()["count"] == 0
    assert me_client.get("/api/v1/survivors/", {"q": somsri.code}).json()["count"] == 1


@pytest.mark.django_db
def test_bad_filter_value_is_400(cast):
    response = verified_client(cast.case_worker).get("/api/v1/survivors/", {"status": "lost"})
    assert response.status_code == 400
    assert response.json() == {"status": ['"lost" is not a valid choice.']}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["case_worker", "me_officer"])
def test_list_has_no_n_plus_one(cast, make_survivor, django_assert_max_num_queries, role):
    client = verified_client(getattr(cast, role))
    for _ in range(3):
        make_survivor(identifying_agency=cast.gov_provider)
    with django_assert_max_num_queries(14) as few:
        assert client.get("/api/v1/survivors/").json()["count"] == 3
    for _ in range(12):
        make_survivor(identifying_agency=cast.gov_provider)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/survivors/")
    assert response.json()["count"] == 15
    assert {row["identifying_agency"] for row in response.json()["results"]} == {"th-dsdw"}


# --- survivor create and update ----------------------------------------------------------

NEW_SURVIVOR = {
    "sex": "female",
    "birth_year": 2001,
    "nationality": "mm",
    "exploitation": ["domestic", "labour"],
    "identified_on": "2026-02-01",
    "identifying_agency": "th-dsdw",
    "case_worker": "anong",
    "given_name": "Nilar",
    "family_name": "Aung",
    "phone": "+95 9 123 456",
    "address": "Yangon",
}


@pytest.mark.django_db
def test_case_worker_registers_a_survivor(cast):
    response = post(verified_client(cast.case_worker), "/api/v1/survivors/", NEW_SURVIVOR)
    assert response.status_code == 201
    body = response.json()
    survivor = Survivor.objects.get(code=body["code"])
    assert body["organisation"] == "th-ngo-a"
    assert body["nationality"] == "MM"
    assert body["exploitation"] == ["domestic", "labour"]
    assert body["identifying_agency"] == "th-dsdw"
    assert (body["given_name"], body["phone"]) == ("Nilar", "+95 9 123 456")
    assert (survivor.given_name, survivor.family_name, survivor.birth_year) == (
        "Nilar",
        "Aung",
        2001,
    )
    assert survivor.created_by == cast.case_worker
    entry = last_audit()
    assert (entry.action, entry.object_ref, entry.actor_id, entry.source) == (
        Action.CREATE,
        survivor.code,
        cast.case_worker.pk,
        "POST /api/v1/survivors/",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"birth_year": 2090}, "birth_year", "2090 is not a plausible birth year."),
        ({"birth_year": 1800}, "birth_year", "Ensure this value is greater than or equal to 1900."),
        ({"identified_on": "2999-01-01"}, "identified_on", "2999-01-01 is in the future."),
        ({"organisation": "th-ngo-b"}, "organisation", "No such organisation."),  # not in scope
        (
            {"organisation": "th"},
            "organisation",
            "Survivors are registered by a partner organisation or site.",
        ),
        ({"case_worker": "bopha"}, "case_worker", "No such case worker."),
        ({"exploitation": ["piracy"]}, "exploitation", None),
        ({"nationality": "Thai"}, "nationality", None),
    ],
)
def test_bad_create_is_400_naming_the_field_and_writes_nothing(cast, change, field, message):
    user = cast.case_worker
    if change.get("organisation") == "th":  # in scope of a manager granted PII, not a partner
        User.objects.filter(pk=cast.programme_manager.pk).update(pii_granted=True)
        user = User.objects.get(pk=cast.programme_manager.pk)
    client = verified_client(user)
    before = (Survivor.objects.count(), CaseEvent.objects.count(), audit_count())
    response = post(client, "/api/v1/survivors/", {**NEW_SURVIVOR, **change})
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    if message:
        assert errors[field] == [message]
    assert "Nilar" not in response.content.decode()
    assert (Survivor.objects.count(), CaseEvent.objects.count(), audit_count()) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", ["me_officer", "programme_manager", "donor", "pse_officer", "sysadmin"]
)
def test_roles_without_pii_cannot_register(cast, role):
    client = verified_client(getattr(cast, role))
    before = (Survivor.objects.count(), audit_count())
    response = post(client, "/api/v1/survivors/", NEW_SURVIVOR)
    assert response.status_code == 403
    assert (Survivor.objects.count(), audit_count()) == before


@pytest.mark.django_db
def test_case_worker_updates_a_profile(cast, survivor):
    response = patch(
        verified_client(cast.case_worker),
        f"/api/v1/survivors/{survivor.code}/",
        {"phone": "+66 89 999 0000", "birth_year": 1997},
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "+66 89 999 0000"
    assert response.json()["birth_year"] == 1997
    survivor.refresh_from_db()
    assert (survivor.phone, survivor.birth_year) == ("+66 89 999 0000", 1997)
    entry = last_audit()
    assert (entry.action, entry.object_ref, entry.detail) == (
        Action.CHANGE,
        survivor.code,
        {"fields": ["birth_year", "phone"]},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,expected",
    [
        ("other_case_worker", 404),
        ("me_officer", 403),
        ("donor", 403),
    ],
)
def test_update_refused_out_of_scope_or_role(cast, survivor, role, expected):
    client = verified_client(getattr(cast, role))
    before = audit_count()
    response = patch(client, f"/api/v1/survivors/{survivor.code}/", {"phone": "+66 89 999 0000"})
    assert response.status_code == expected
    survivor.refresh_from_db()
    assert survivor.phone == "+66 81 234 5678"
    assert audit_count() == before


@pytest.mark.django_db
def test_bad_update_is_400_and_changes_nothing(cast, survivor):
    client = verified_client(cast.case_worker)
    before = audit_count()
    response = patch(
        client,
        f"/api/v1/survivors/{survivor.code}/",
        {"birth_year": 2090, "phone": "+66 89 999 0000"},
    )
    assert response.status_code == 400
    assert response.json() == {"birth_year": ["2090 is not a plausible birth year."]}
    survivor.refresh_from_db()
    assert (survivor.birth_year, survivor.phone) == (1998, "+66 81 234 5678")
    assert audit_count() == before


@pytest.mark.django_db
def test_put_is_not_offered(cast, survivor):
    response = verified_client(cast.case_worker).put(
        f"/api/v1/survivors/{survivor.code}/", "{}", content_type="application/json"
    )
    assert response.status_code == 405


# --- needs -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role,expected,pii", DETAIL_MATRIX)
def test_needs_of_a_survivor_matrix(cast, survivor, need, role, expected, pii):
    user = getattr(cast, role)
    client = verified_client(user)
    before = audit_count()
    response = client.get(f"/api/v1/survivors/{survivor.code}/needs/")
    assert response.status_code == expected
    assert "safe place" not in response.content.decode() or pii
    if expected == 404:
        assert audit_count() == before
        return
    rows = response.json()["results"]
    assert [row["uuid"] for row in rows] == [str(need.uuid)]
    assert set(rows[0]) == (NEED_KEYS | {"notes"} if pii else NEED_KEYS)
    assert (rows[0]["survivor"], rows[0]["category"], rows[0]["status"]) == (
        survivor.code,
        "shelter",
        "open",
    )
    entry = last_audit()
    assert (entry.action, entry.object_ref, entry.actor_id, entry.source) == (
        Action.VIEW,
        survivor.code,
        user.pk,
        f"GET /api/v1/survivors/{survivor.code}/needs/",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role,expected,pii", DETAIL_MATRIX)
def test_need_detail_matrix(cast, need, role, expected, pii):
    user = getattr(cast, role)
    client = verified_client(user)
    before = audit_count()
    response = client.get(f"/api/v1/needs/{need.uuid}/")
    assert response.status_code == expected
    if expected == 404:
        assert response.json() == {"detail": "No such need."}
        assert audit_count() == before
        return
    body = response.json()
    assert set(body) == (NEED_KEYS | {"notes"} if pii else NEED_KEYS)
    if pii:
        assert body["notes"] == "Needs a safe place in Mae Sot"
    assert last_audit().action == Action.VIEW
    assert last_audit().object_ref == need.survivor.code


@pytest.mark.django_db
def test_case_worker_assesses_and_updates_a_need(cast, survivor):
    client = verified_client(cast.case_worker)
    response = post(
        client,
        f"/api/v1/survivors/{survivor.code}/needs/",
        {"category": "legal", "assessed_on": "2026-02-02", "notes": "Passport"},
    )
    assert response.status_code == 201
    need = Need.objects.get(uuid=response.json()["uuid"])
    assert (need.category, need.status, need.notes, need.organisation) == (
        "legal",
        "open",
        "Passport",
        cast.ngo_a,
    )
    assert last_audit().detail == {"need": str(need.uuid), "category": "legal"}

    response = patch(client, f"/api/v1/needs/{need.uuid}/", {"status": "met"})
    assert response.status_code == 200
    assert response.json()["status"] == "met"
    need.refresh_from_db()
    assert need.status == NeedStatus.MET
    entry = last_audit()
    assert (entry.action, entry.detail) == (
        Action.CHANGE,
        {"need": str(need.uuid), "fields": ["status"]},
    )


@pytest.mark.django_db
def test_bad_need_is_400_and_writes_nothing(cast, survivor, need):
    client = verified_client(cast.case_worker)
    before = (Need.objects.count(), audit_count())
    response = post(
        client,
        f"/api/v1/survivors/{survivor.code}/needs/",
        {"category": "shelter", "assessed_on": "2999-01-01"},
    )
    assert response.status_code == 400
    assert response.json() == {"assessed_on": ["The assessment date cannot be in the future."]}
    response = patch(client, f"/api/v1/needs/{need.uuid}/", {"status": "done"})
    assert response.status_code == 400
    assert list(response.json()) == ["status"]
    assert (Need.objects.count(), audit_count()) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,expected",
    [
        ("other_case_worker", 404),
        ("me_officer", 403),
        ("donor", 403),
    ],
)
def test_need_writes_refused(cast, survivor, need, role, expected):
    client = verified_client(getattr(cast, role))
    before = (Need.objects.count(), audit_count())
    response = post(
        client,
        f"/api/v1/survivors/{survivor.code}/needs/",
        {"category": "legal", "assessed_on": "2026-02-02"},
    )
    assert response.status_code == expected
    response = patch(client, f"/api/v1/needs/{need.uuid}/", {"status": "met"})
    assert response.status_code == expected
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN
    assert (Need.objects.count(), audit_count()) == before


# --- consents ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_consents_list_and_record(cast, survivor):
    client = verified_client(cast.case_worker)
    response = post(
        client,
        f"/api/v1/survivors/{survivor.code}/consents/",
        {
            "purpose": "referral",
            "given": True,
            "decided_on": "2026-02-03",
            "note": "Agreed with her sister present",
        },
    )
    assert response.status_code == 201
    consent = Consent.objects.get(survivor=survivor)
    assert (consent.purpose, consent.given, consent.recorded_by) == (
        "referral",
        True,
        cast.case_worker,
    )
    assert last_audit().detail == {"consent": "referral", "given": True}

    response = client.get(f"/api/v1/survivors/{survivor.code}/consents/")
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "purpose": "referral",
            "given": True,
            "decided_on": "2026-02-03",
            "recorded_by": "anong",
            "recorded_at": response.json()["results"][0]["recorded_at"],
            "note": "Agreed with her sister present",
        }
    ]
    assert last_audit().action == Action.VIEW

    me_response = verified_client(cast.me_officer).get(
        f"/api/v1/survivors/{survivor.code}/consents/"
    )
    assert me_response.status_code == 200
    assert "note" not in me_response.json()["results"][0]
    assert "sister" not in me_response.content.decode()

    other = verified_client(cast.other_case_worker)
    assert other.get(f"/api/v1/survivors/{survivor.code}/consents/").status_code == 404
    before = (Consent.objects.count(), audit_count())
    response = post(
        other,
        f"/api/v1/survivors/{survivor.code}/consents/",
        {"purpose": "referral", "given": False, "decided_on": "2026-02-03"},
    )
    assert response.status_code == 404
    response = post(
        client,
        f"/api/v1/survivors/{survivor.code}/consents/",
        {"purpose": "referral", "given": False, "decided_on": "2999-02-03"},
    )
    assert response.status_code == 400
    assert response.json() == {"decided_on": ["The date of consent cannot be in the future."]}
    assert (Consent.objects.count(), audit_count()) == before
