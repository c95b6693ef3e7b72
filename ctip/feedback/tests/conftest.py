"""Shared set-up for the feedback tests: a Thai partner's channel, a safeguarding officer at the
implementer, and helpers that drive the anonymous pages like a browser without cookies."""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from ctip.conftest import SYSTEM, _user
from ctip.core.models import Role
from ctip.feedback.services import channel_create

TOKEN = re.compile(r'name="token" value="([^"]+)"')
CODE = re.compile(r'id="receipt-code"[^>]*>([\d ]{19})<')


@pytest.fixture(autouse=True)
def no_min_fill(settings):
    """Tests post at once; the minimum fill time has its own test."""
    settings.CTIP_FEEDBACK_MIN_FILL_SECONDS = 0


@pytest.fixture
def channel(cast):
    return channel_create(
        origin=SYSTEM,
        organisation=cast.ngo_a,
        slug="friends",
        name="Friends Foundation feedback",
        audience="beneficiaries",
        languages=["th", "en", "my"],
    )


@pytest.fixture
def other_channel(cast):
    return channel_create(
        origin=SYSTEM,
        organisation=cast.ngo_kh,
        slug="pp-care",
        name="Phnom Penh Care feedback",
        audience="beneficiaries",
        languages=["km", "en"],
    )


@pytest.fixture
def safeguarding_officer(cast):
    user = _user("sita", Role.PROGRAMME_MANAGER, cast.implementer)
    group, _created = Group.objects.get_or_create(name="safeguarding")
    user.groups.add(group)
    return user


def token_of(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "no form token on the page"
    return match.group(1)


def receipt_of(html: str) -> str:
    match = CODE.search(html)
    assert match, "no receipt code on the page"
    return match.group(1)


def anonymous() -> Client:
    return Client()


def submit(client, channel, *, lang="en", **fields):
    """GET the form (for its token), then POST it; returns the POST response."""
    page = client.get(f"/f/{channel.slug}?lang={lang}")
    data = {"token": token_of(page.content.decode()), "lang": lang, **fields}
    return client.post(f"/f/{channel.slug}", data)


def submit_ok(client, channel, **fields) -> str:
    """Submit and return the receipt code shown (grouped)."""
    response = submit(client, channel, **fields)
    assert response.status_code == 200, response.content.decode()[:2000]
    return receipt_of(response.content.decode())


def status(client, path: str, code: str, *, message: str = "", lang: str = "en"):
    page = client.get(f"{path}?lang={lang}")
    data = {"token": token_of(page.content.decode()), "code": code, "lang": lang}
    if message:
        data["message"] = message
    return client.post(path, data)


def stored_bytes() -> bytes:
    """Everything the database holds: the SQLite file's bytes (WAL included), or on PostgreSQL
    every row of every table as JSON text."""
    from django.db import connection

    from ctip.cases.tests.test_services import database_bytes

    if connection.vendor == "sqlite":
        return database_bytes()
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT row_to_json(t)::text FROM {quoted} t")  # noqa: S608
            parts.extend(row[0] for row in cursor.fetchall())
    return "\n".join(parts).encode()
