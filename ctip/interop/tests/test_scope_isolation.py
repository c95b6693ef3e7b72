"""One survivor of one NGO, seen from another NGO through every read path: pages, API, CLI.

Each path must answer as if the record did not exist (404, or "no survivor" on the command line)
and must leave no PII in what it returns.
"""

import pytest

from ctip.conftest import SYSTEM
from ctip.core.models import AuditEntry
from ctip.core.services import api_token_create
from ctip.interop.tests.conftest import NEED_COLUMNS, run_import


@pytest.fixture
def survivor(make_survivor):
    return make_survivor(ref="S-ISO", given_name="Malai", family_name="Srisuk")


def test_pages_answer_404(cast, client_for, survivor):
    client = client_for(cast.other_case_worker)
    for path in (f"/survivors/{survivor.code}/", f"/survivors/{survivor.code}/edit/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"Malai" not in response.content
    listing = client.get("/survivors/", {"q": survivor.code})
    assert f"/survivors/{survivor.code}/".encode() not in listing.content  # no result row
    assert b"No survivors match" in listing.content or b"0 survivors" in listing.content


def test_api_answers_404(cast, client, survivor):
    _token, key = api_token_create(origin=SYSTEM, user=cast.other_case_worker, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    detail = client.get(f"/api/v1/survivors/{survivor.code}/", **headers)
    assert detail.status_code == 404
    listing = client.get("/api/v1/survivors/", **headers)
    assert survivor.code not in listing.content.decode()
    views = AuditEntry.objects.filter(action="view", object_ref=survivor.code)
    assert not views.exists()  # nothing was read, so nothing was logged as read


def test_cli_does_not_find_it(cast, files, survivor):
    rows = [["N-ISO", "S-ISO", "legal", "2026-02-01", "open"]]
    run = run_import("needs", files.csv("n.csv", NEED_COLUMNS, rows), "--org", "th-ngo-b")
    assert run.status == 1
    assert run.err[0] == "row 2, column survivor_ref: no survivor with ref S-ISO within th-ngo-b"
    assert not survivor.needs.exists()


def test_the_owner_reaches_it_on_every_path(cast, client_for, files, survivor):
    assert client_for(cast.case_worker).get(f"/survivors/{survivor.code}/").status_code == 200
    rows = [["N-ISO", "S-ISO", "legal", "2026-02-01", "open"]]
    run = run_import("needs", files.csv("n.csv", NEED_COLUMNS, rows), "--org", "th-ngo-a")
    assert run.status == 0
