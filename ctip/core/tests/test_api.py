"""`/api/v1/organisations/`, token authentication, the two-factor permission, `ctip token`,
and the OpenAPI schema."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from drf_spectacular.validation import validate_schema

from ctip.conftest import SYSTEM, verified_client
from ctip.core.audit import Action
from ctip.core.models import ApiToken, AuditEntry
from ctip.core.services import api_token_create, token_hash

ALL_CODES = [
    "winrock",
    "kh",
    "kh-ngo",
    "th",
    "th-ngo-a",
    "th-ngo-a-cm",
    "th-ngo-b",
    "th-dsdw",
]


def codes(response) -> list[str]:
    assert response.status_code == 200
    return [row["code"] for row in response.json()["results"]]


def sorted_codes(response) -> list[str]:
    return sorted(codes(response))


@pytest.mark.django_db
def test_organisations_are_scoped_to_the_subtree(cast):
    url = "/api/v1/organisations/"
    assert sorted_codes(verified_client(cast.case_worker).get(url)) == ["th-ngo-a", "th-ngo-a-cm"]
    assert sorted_codes(verified_client(cast.me_officer).get(url)) == [
        "th",
        "th-dsdw",
        "th-ngo-a",
        "th-ngo-a-cm",
        "th-ngo-b",
    ]
    assert sorted_codes(verified_client(cast.donor).get(url)) == sorted(ALL_CODES)
    assert sorted_codes(verified_client(cast.sysadmin).get(url)) == sorted(ALL_CODES)
    assert codes(verified_client(cast.me_officer).get(url, {"kind": "provider"})) == ["th-dsdw"]


@pytest.mark.django_db
def test_organisation_detail_fields_and_404_out_of_scope(cast):
    client = verified_client(cast.me_officer)
    response = client.get("/api/v1/organisations/th-dsdw/")
    assert response.status_code == 200
    assert response.json() == {
        "code": "th-dsdw",
        "name": "Social Development Office",
        "kind": "provider",
        "parent": "th",
        "provider_type": "government",
        "country": "",
    }
    assert client.get("/api/v1/organisations/th/").json()["parent"] == "winrock"
    for code in ("kh-ngo", "winrock", "nowhere"):
        response = client.get(f"/api/v1/organisations/{code}/")
        assert response.status_code == 404
        assert "Phnom Penh" not in response.content.decode()


@pytest.mark.django_db
def test_organisations_are_read_only(cast):
    client = verified_client(cast.sysadmin)
    response = client.post("/api/v1/organisations/", {"code": "x", "name": "X"})
    assert response.status_code == 405
    assert client.delete("/api/v1/organisations/th/").status_code == 405


@pytest.mark.django_db
def test_anonymous_is_401(cast):
    response = Client().get("/api/v1/organisations/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.django_db
def test_unverified_session_refused_only_for_two_factor_roles(cast):
    for user, expected in (
        (cast.case_worker, 403),
        (cast.sysadmin, 403),
        (cast.donor, 200),
        (cast.pse_officer, 200),
    ):
        client = Client()
        client.force_login(user)
        assert client.get("/api/v1/organisations/").status_code == expected, user.username


@pytest.mark.django_db
def test_bearer_token_authenticates_and_records_use(cast):
    token, key = api_token_create(origin=SYSTEM, user=cast.case_worker, name="sync")
    assert token.key_hash == token_hash(key)
    assert key not in json.dumps(list(ApiToken.objects.values()), default=str)
    for keyword in ("Bearer", "Token"):
        response = Client(headers={"authorization": f"{keyword} {key}"}).get(
            "/api/v1/organisations/"
        )
        assert sorted_codes(response) == ["th-ngo-a", "th-ngo-a-cm"]
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Bearer ctip_not-a-key", "Bearer", "Bearer a b"])
def test_bad_tokens_are_401(cast, header):
    response = Client(headers={"authorization": header}).get("/api/v1/organisations/")
    assert response.status_code == 401


@pytest.mark.django_db
def test_revoked_token_and_inactive_user_fail(cast):
    token, key = api_token_create(origin=SYSTEM, user=cast.case_worker, name="sync")
    client = Client(headers={"authorization": f"Bearer {key}"})
    assert client.get("/api/v1/organisations/").status_code == 200
    cast.case_worker.is_active = False
    cast.case_worker.save(update_fields=["is_active"])
    assert client.get("/api/v1/organisations/").status_code == 401
    cast.case_worker.is_active = True
    cast.case_worker.save(update_fields=["is_active"])
    call_command("token", "revoke", token.prefix, stdout=io.StringIO())
    response = client.get("/api/v1/organisations/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked token."}


# --- ctip token --------------------------------------------------------------------------


@pytest.mark.django_db
def test_token_command_creates_prints_once_and_revokes(cast):
    out, err = io.StringIO(), io.StringIO()
    call_command("token", "create", "anong", "--name", "laptop", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("ctip_") and "\n" not in key
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.prefix) == (cast.case_worker, "laptop", key[5:13])
    assert token.key_hash == token_hash(key)
    assert err.getvalue() == (
        f"Token {token.prefix} for anong. It is shown once and cannot be recovered:\n"
    )
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.object_ref, entry.source) == (
        Action.TOKEN_CREATE,
        "anong",
        "cli: token create anong",
    )
    assert key not in json.dumps(entry.detail)

    listing = io.StringIO()
    call_command("token", "list", stdout=listing)
    assert listing.getvalue().split("  ")[:3] == [token.prefix, "anong", "laptop"]
    assert key not in listing.getvalue()

    out = io.StringIO()
    call_command("token", "revoke", "--", token.prefix, stdout=out)
    assert out.getvalue() == f"Token {token.prefix} (laptop) of anong revoked.\n"
    token.refresh_from_db()
    assert token.revoked_at is not None
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.object_ref, entry.detail) == (
        Action.TOKEN_REVOKE,
        "anong",
        {"token": token.prefix},
    )
    with pytest.raises(CommandError, match=f"No active token starts with {token.prefix}"):
        call_command("token", "revoke", "--", token.prefix)


@pytest.mark.django_db
def test_token_command_refuses_unknown_user(cast):
    with pytest.raises(CommandError, match="No active user nobody"):
        call_command("token", "create", "nobody", "--name", "x")
    assert ApiToken.objects.count() == 0


# --- the schema --------------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_endpoint_is_valid_openapi():
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/organisations/",
        "/api/v1/organisations/{code}/",
        "/api/v1/survivors/",
        "/api/v1/survivors/{code}/",
        "/api/v1/survivors/{code}/needs/",
        "/api/v1/survivors/{code}/consents/",
        "/api/v1/needs/{uuid}/",
    } <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }
    survivor = schema["components"]["schemas"]["SurvivorPii"]
    # PII keys are documented but not required: roles without PII never receive them.
    assert {"given_name", "phone"} <= set(survivor["properties"])
    assert not {"given_name", "family_name", "phone", "address"} & set(survivor["required"])


def test_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert target.read_text().startswith("openapi: 3.0.3")
