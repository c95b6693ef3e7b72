"""Property-based run of the whole `/api/v1/` against its own OpenAPI schema (schemathesis).

Skipped when schemathesis is not installed. Checks: no server error, and every response's
status code, content type and body are the ones the schema documents — for a case worker (PII
in the body) and an M&E officer (PII keys absent). Semantic rules the schema cannot express
(dates not in the future, codes that must exist) are left to the matrix tests.
"""

import datetime as dt

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from ctip.cases.services import need_assess
from ctip.conftest import SYSTEM
from ctip.core.services import api_token_create

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def keep_connection():
    """Requests go to the WSGI app directly, as Django's test client does: keep Django from
    closing the test's database connection (and its transaction) at the end of each one."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(keep_connection):
    from ctip.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture
def tokens(keep_connection, cast, make_survivor):
    """Bearer keys of a case worker and an M&E officer, and codes that exist."""
    for index in range(3):
        survivor = make_survivor(birth_year=1990 + index)
        need = need_assess(
            origin=SYSTEM, survivor=survivor, category="shelter", assessed_on=dt.date(2026, 1, 2)
        )
    keys = [
        api_token_create(origin=SYSTEM, user=user, name="schemathesis")[1]
        for user in (cast.case_worker, cast.me_officer)
    ]
    return {
        "keys": keys,
        "survivor": survivor.code,
        "need": str(need.uuid),
        "organisation": "th-ngo-a",
    }


READS = [
    "GET /api/v1/organisations/",
    "GET /api/v1/organisations/{code}/",
    "GET /api/v1/survivors/",
    "GET /api/v1/survivors/{code}/",
    "GET /api/v1/survivors/{code}/needs/",
    "GET /api/v1/survivors/{code}/consents/",
    "GET /api/v1/needs/{uuid}/",
]


def known_parameters(path: str, data: dict) -> dict:
    """Path parameters that exist, so generated cases also reach past the 404."""
    if "{code}" in path:
        return {"code": data["organisation"] if "organisations" in path else data["survivor"]}
    if "{uuid}" in path:
        return {"uuid": data["need"]}
    return {}


@pytest.mark.django_db
def test_api_conforms_to_its_schema(api_schema, tokens):
    # schemathesis' own pytest plugin does not run under pytest 9, so drive Hypothesis directly.
    statuses: dict[str, set[int]] = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for fixed in ({}, known_parameters(operation.path, tokens)):

            @given(case=operation.as_strategy(path_parameters=fixed or None))
            @settings(
                max_examples=10,
                derandomize=True,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case):
                for key in tokens["keys"]:
                    response = case.call_and_validate(
                        headers={"Authorization": f"Bearer {key}"}, checks=CHECKS
                    )
                    statuses.setdefault(case.operation.label, set()).add(response.status_code)

            check()
    # Every operation was reached, and every read answered 200 at least once, so bodies were
    # checked against the schema (writes often meet rules the schema cannot state: a 400).
    reads = {label: statuses.get(label, set()) for label in READS}
    assert all(200 in codes for codes in reads.values()), reads
