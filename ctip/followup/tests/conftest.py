import datetime as dt

import pytest

from ctip.cases.services import consent_record
from ctip.conftest import SYSTEM

OPENED = dt.date(2026, 1, 15)


def consent(survivor, given=True, on=OPENED):
    return consent_record(
        origin=SYSTEM, survivor=survivor, purpose="follow_up", given=given, decided_on=on
    )


@pytest.fixture
def followed(make_survivor):
    """A survivor of ngo_a (case worker anong) opened 2026-01-15 with follow-up consent."""

    def make(**values):
        survivor = make_survivor(**values)
        consent(survivor, on=survivor.opened_on)
        return survivor

    return make
