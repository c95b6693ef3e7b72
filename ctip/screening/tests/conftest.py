"""Shared set-up for the screening tests: answers for each path of the rule, a provider in the
directory, and helpers that read everything the database holds."""

import datetime as dt

import pytest
from django.db import connection

from ctip.conftest import SYSTEM
from ctip.screening.services import screen_record
from ctip.services.models import ProviderProfile, ServiceType

D = dt.date
DEFAULT_DAY = D(2026, 3, 10)

# Worked examples (docs/screening.md has the same table).
POSITIVE_ADULT = {"act_recruited": "yes", "rec_deceived_job": "yes", "dur_forced_work": "yes"}
NEGATIVE = {"act_recruited": "yes", "dur_underpaid": "yes", "pen_fines": "unsure"}
CHILD = {"act_moved": "yes", "dur_illicit": "yes"}
ADULT_NO_MEANS = {"act_moved": "yes", "dur_forced_work": "yes", "dur_confined": "yes"}


@pytest.fixture
def provider(cast):
    ProviderProfile.objects.create(organisation=cast.gov_provider, accepts_ctip_referrals=True)
    return cast.gov_provider


@pytest.fixture
def shelter():
    return ServiceType.objects.get(code="shelter")


@pytest.fixture
def outreach_screen(cast):
    def make(answers=None, *, age="adult", on=DEFAULT_DAY, org=None, user=None, **extra):
        return screen_record(
            origin=SYSTEM,
            organisation=org or cast.ngo_a,
            channel="outreach",
            language=extra.pop("language", "th"),
            age=age,
            answers=POSITIVE_ADULT if answers is None else answers,
            screened_on=on,
            screened_by=user or cast.case_worker,
            **extra,
        )

    return make


def stored_bytes() -> bytes:
    """Everything the database holds: the SQLite file's bytes (WAL included), or on PostgreSQL
    every row of every table as JSON text."""
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
