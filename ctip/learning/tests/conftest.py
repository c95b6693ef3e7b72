"""Helpers of the learning tests: domains for the cast's Thai and Cambodian projects and a
story factory that goes through the service."""

import datetime as dt

import pytest

from ctip.conftest import SYSTEM
from ctip.core.audit import Origin
from ctip.learning.services import domain_create, story_record

COLLECTED = dt.date(2026, 2, 10)


@pytest.fixture
def domains(cast):
    """Two Thai domains (with their open domain) and one Cambodian."""
    return {
        "th_income": domain_create(origin=SYSTEM, programme=cast.thailand, name="Income and work"),
        "th_safety": domain_create(origin=SYSTEM, programme=cast.thailand, name="Safety"),
        "kh_income": domain_create(origin=SYSTEM, programme=cast.cambodia, name="Income and work"),
    }


@pytest.fixture
def make_story(cast, domains):
    def make(org=None, domain=None, user=None, **values):
        defaults = dict(
            organisation=org or cast.ngo_a,
            domain=domain or domains["th_income"],
            teller_type="staff",
            language="th",
            title="A new job",
            text="She found work at the market and sends money home.",
            why_it_matters="She can pay back the debt.",
            collected_on=COLLECTED,
            consent_given=True,
            consent_scope="reports",
        )
        defaults.update(values)
        origin = Origin(user=user or cast.case_worker, source="tests")
        return story_record(origin=origin, **defaults)

    return make
