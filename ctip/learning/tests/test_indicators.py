"""LRN-1 on a hand-worked example (docs/learning.md gives the reading)."""

import datetime as dt

import pytest

from ctip.conftest import SYSTEM
from ctip.indicators.engine import report_build
from ctip.indicators.periods import Period
from ctip.indicators.registry import REGISTRY
from ctip.learning.services import action_add, action_update, session_create

D = dt.date


def _session(org, held):
    return session_create(origin=SYSTEM, organisation=org, title=f"session {org.code}",
                          held_on=held, participants="team")  # fmt: skip


def _action(cast, session, due, status="open", done=None):
    action = action_add(origin=SYSTEM, session=session, description=f"due {due}",
                        owner=cast.me_officer, due_on=due)  # fmt: skip
    if status != "open":
        action_update(origin=SYSTEM, action=action, status=status, done_on=done)
    return action


@pytest.fixture
def actions(cast):
    th = _session(cast.thailand, D(2026, 3, 15))
    ngo = _session(cast.ngo_a, D(2026, 4, 1))
    kh = _session(cast.cambodia, D(2026, 3, 1))
    _action(cast, th, D(2026, 4, 30), "done", D(2026, 4, 28))  # on time
    _action(cast, th, D(2026, 5, 15), "done", D(2026, 5, 15))  # on the due day: on time
    _action(cast, th, D(2026, 5, 31), "done", D(2026, 6, 10))  # late
    _action(cast, th, D(2026, 6, 30))  # not done
    _action(cast, th, D(2026, 7, 15), "done", D(2026, 6, 1))  # due after the period: out
    _action(cast, th, D(2026, 3, 31), "done", D(2026, 4, 2))  # due before the period: out
    _action(cast, ngo, D(2026, 6, 1), "done", D(2026, 5, 20))  # on time
    _action(cast, ngo, D(2026, 6, 15), "in_progress")  # not done
    _action(cast, ngo, D(2026, 4, 10), "done", D(2026, 4, 9))  # on time
    _action(cast, kh, D(2026, 5, 1), "done", D(2026, 4, 30))  # on time, other country


@pytest.mark.django_db
def test_lrn1_hand_example(cast, actions):
    indicator = REGISTRY["LRN-1"]
    assert indicator.group == "learning"
    result = indicator.compute(cast.thailand, Period.parse("2026-Q2"))
    # In: 4 Thai-level + 3 ngo_a actions due in Q2; on time: 2 + 2.
    assert (result.numerator, result.denominator, result.value) == (4, 7, 57.1)
    assert result.disaggregations["organisation"] == {
        "th": {"value": 50.0, "numerator": 2, "denominator": 4},
        "th-ngo-a": {"value": 66.7, "numerator": 2, "denominator": 3},
    }
    everywhere = indicator.compute(cast.implementer, Period.parse("2026-Q2"))
    assert (everywhere.numerator, everywhere.denominator, everywhere.value) == (5, 8, 62.5)
    assert everywhere.disaggregations["organisation"]["kh"] == {
        "value": 100.0, "numerator": 1, "denominator": 1}  # fmt: skip
    partner = indicator.compute(cast.ngo_b, Period.parse("2026-Q2"))
    assert (partner.numerator, partner.denominator, partner.value) == (0, 0, None)
    march = indicator.compute(cast.thailand, Period.parse("2026-03"))
    assert (march.numerator, march.denominator, march.value) == (0, 1, 0.0)  # done late


@pytest.mark.django_db
def test_lrn1_in_the_report(cast, actions):

    report = report_build(scope=cast.thailand, period=Period.parse("2026-Q2"), public=False)
    row = next(i for i in report["indicators"] if i["code"] == "LRN-1")
    assert (row["value"], row["numerator"], row["denominator"]) == (57.1, 4, 7)
