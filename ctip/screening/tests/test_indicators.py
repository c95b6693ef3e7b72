"""SCR-1 against a hand-worked example."""

import datetime as dt

import pytest

from ctip.conftest import SYSTEM
from ctip.indicators.definitions.screening import scr1
from ctip.indicators.engine import report_build
from ctip.indicators.periods import Period
from ctip.screening.services import screen_record, screen_refer
from ctip.screening.tests.conftest import CHILD, NEGATIVE

D = dt.date
pytestmark = pytest.mark.django_db


def test_scr1_hand_example(cast, outreach_screen, provider, shelter):
    # In the Thai project, 2026-Q1: four screens, one of which led to a consented referral.
    referred = outreach_screen(on=D(2026, 1, 20), language="th")
    outreach_screen(NEGATIVE, on=D(2026, 2, 3), language="en")
    outreach_screen(on=D(2026, 3, 31), language="th", org=cast.ngo_b, user=cast.other_case_worker)
    screen_record(
        origin=SYSTEM, organisation=cast.site_a, channel="self", language="th",
        age="under_18", answers=CHILD, screened_on=D(2026, 3, 1), audit=False,
    )  # fmt: skip
    screen_refer(
        origin=SYSTEM, user=cast.case_worker, screen=referred, provider=provider,
        service_type=shelter, consent_on=D(2026, 1, 21), sent_on=D(2026, 1, 21),
        given_name="Moe", family_name="Thandar",
    )  # fmt: skip
    # Outside: another period, another country project.
    outreach_screen(on=D(2026, 4, 1))
    screen_record(
        origin=SYSTEM, organisation=cast.ngo_kh, channel="self", language="km",
        age="adult", answers={}, screened_on=D(2026, 2, 2), audit=False,
    )  # fmt: skip

    result = scr1(cast.thailand, Period.parse("2026-Q1"))
    assert (result.value, result.numerator, result.denominator) == (25.0, 1, 4)
    assert result.disaggregations["language"] == {
        "th": {"value": 33.3, "numerator": 1, "denominator": 3},
        "en": {"value": 0.0, "numerator": 0, "denominator": 1},
    }
    assert result.disaggregations["channel"] == {
        "outreach": {"value": 33.3, "numerator": 1, "denominator": 3},
        "self": {"value": 0.0, "numerator": 0, "denominator": 1},
    }
    # The site's screen rolls up to its partner.
    assert result.disaggregations["organisation"] == {
        "th-ngo-a": {"value": 33.3, "numerator": 1, "denominator": 3},
        "th-ngo-b": {"value": 0.0, "numerator": 0, "denominator": 1},
    }
    whole = scr1(cast.implementer, Period.parse("2026-Q1"))
    assert (whole.numerator, whole.denominator) == (1, 5)
    empty = scr1(cast.thailand, Period.parse("2025"))
    assert (empty.value, empty.denominator) == (None, 0)


def test_scr1_is_in_the_report(cast):
    report = report_build(scope=cast.implementer, period=Period.parse("2026-Q3"), public=True)
    codes = [row["code"] for row in report["indicators"]]
    assert "SCR-1" in codes
    row = next(row for row in report["indicators"] if row["code"] == "SCR-1")
    assert row["group"] == "screening"
