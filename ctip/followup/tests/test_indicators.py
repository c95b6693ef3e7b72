"""FUP-1, FUP-2, OUT-1 and OUT-2 against hand-computed values."""

import datetime as dt

import pytest

from ctip.conftest import SYSTEM
from ctip.followup.models import FollowUp
from ctip.followup.services import assessment_record
from ctip.followup.tests.test_scoring import REINTEGRATION
from ctip.indicators.definitions.followup import (
    fup1,
    fup2,
    fup2_observations,
    out1,
    out2,
    retention_curve,
)
from ctip.indicators.engine import report_build
from ctip.indicators.periods import Period

D = dt.date


def followup(survivor, due_on, status="pending", result="", done_on=None, **extra):
    return FollowUp.objects.create(
        survivor=survivor,
        organisation=survivor.organisation,
        due_on=due_on,
        status=status,
        result=result,
        done_on=done_on,
        lost_reason="other" if result == "lost" else "",
        **extra,
    )


def test_fup1_counts_reached_within_30_days(cast, make_survivor):
    a = make_survivor()
    b = make_survivor(given_name="B", sex="male")
    kh = make_survivor(org=cast.ngo_kh, given_name="K")
    followup(a, D(2026, 4, 15), "done", "reached", D(2026, 5, 10), month=3)  # 25 days: counts
    followup(a, D(2026, 4, 30), "done", "reached", D(2026, 6, 5))  # 36 days late
    followup(b, D(2026, 5, 15), "done", "not_reached", D(2026, 5, 15), month=3)
    followup(b, D(2026, 6, 15))  # pending: in the denominator
    followup(b, D(2026, 6, 1), "cancelled", cancelled_reason="consent_withdrawn")  # left out
    followup(a, D(2026, 3, 20), "done", "reached", D(2026, 3, 20))  # due before the period
    followup(b, D(2026, 4, 1), "done", "reached", D(2026, 3, 5))  # 27 days early: counts
    followup(kh, D(2026, 5, 1), "done", "reached", D(2026, 5, 1))  # Cambodia: out of scope

    result = fup1(cast.thailand, Period.parse("2026-Q2"))
    assert (result.numerator, result.denominator, result.value) == (2, 5, 40.0)
    assert result.disaggregations["sex"]["female"] == {
        "value": 50.0, "numerator": 1, "denominator": 2
    }  # fmt: skip
    assert result.disaggregations["sex"]["male"]["denominator"] == 3
    assert result.disaggregations["month"] == {
        "3": {"value": 50.0, "numerator": 1, "denominator": 2}
    }
    assert result.disaggregations["organisation"] == {
        "th-ngo-a": {"value": 40.0, "numerator": 2, "denominator": 5}
    }
    assert fup1(cast.implementer, Period.parse("2026-Q2")).denominator == 6


@pytest.fixture
def retention_cohort(cast, make_survivor):
    """Six survivors opened 2024-01-01. In months: A lost at 3, B censored at 8, C lost at 10,
    D censored at 20, G censored at 26 (lost only after the period), E lost at 30; F was never
    reached nor lost and adds nothing."""
    opened = D(2024, 1, 1)

    def person(name, sex="female"):
        return make_survivor(given_name=name, identified_on=opened, sex=sex, phone="")

    a, b, c, d, e, f, g = (person(n) for n in "ABCDEFG")
    followup(a, D(2024, 4, 1), "done", "lost", D(2024, 4, 1))
    followup(b, D(2024, 9, 1), "done", "reached", D(2024, 9, 1))
    followup(c, D(2024, 2, 1), "done", "reached", D(2024, 2, 1))
    followup(c, D(2024, 11, 1), "done", "lost", D(2024, 11, 1))
    followup(d, D(2025, 9, 1), "done", "reached", D(2025, 9, 1))
    followup(e, D(2026, 7, 1), "done", "lost", D(2026, 7, 1))
    followup(f, D(2024, 6, 1), "done", "not_reached", D(2024, 6, 1))
    followup(g, D(2026, 3, 1), "done", "reached", D(2026, 3, 1))
    followup(g, D(2027, 2, 1), "done", "lost", D(2027, 2, 1))


def test_fup2_is_kaplan_meier_with_censoring(cast, retention_cohort):
    # At 3: 6 at risk, 1 lost → 5/6. At 10: C, D, G, E at risk, 1 lost → 5/6 × 3/4 = 0.625.
    # At 30: E alone at risk and lost → 0.
    result = fup2(cast.thailand, Period.parse("2026"))
    assert result.disaggregations["months"] == {
        "6": {"value": 83.3, "numerator": None, "denominator": 5},
        "12": {"value": 62.5, "numerator": None, "denominator": 3},
        "24": {"value": 62.5, "numerator": None, "denominator": 2},
        "36": {"value": 0.0, "numerator": None, "denominator": 0},
    }
    assert (result.value, result.denominator, result.detail["lost"]) == (62.5, 6, 3)
    assert result.detail["at_6_months"] == 83.3
    curve = retention_curve(fup2_observations(cast.thailand, Period.parse("2026")))
    assert curve[0] == (0, 100.0) and curve[3] == (3, 83.3) and curve[29] == (29, 62.5)
    assert curve[30] == (30, None)  # E was lost at 29.96 months: nothing is known after that


def test_fup2_as_of_an_earlier_period(cast, retention_cohort):
    # By the end of 2024: A lost at 3, B censored at 8, C lost at 10; D, E and G have nothing
    # recorded yet and add nothing.
    result = fup2(cast.thailand, Period.parse("2024"))
    assert result.denominator == 3  # A, B, C
    assert result.disaggregations["months"]["6"]["value"] == 66.7  # 2/3 after A


LATER = D(2027, 6, 1)


def score(survivor, code, value, on, today=LATER):
    return assessment_record(
        origin=SYSTEM,
        survivor=survivor,
        instrument_code=code,
        score=value,
        taken_on=on,
        today=today,
    )


def test_out1_improvement_no_change_and_a_single_score(cast, make_survivor):
    people = {
        n: make_survivor(given_name=n, phone="") for n in ("S1", "S2", "S3", "S4", "S5", "S6")
    }
    # S1: WHO-5 40 → 56, better by 16 ≥ 10 (a later 20 in 2027 is after the period).
    score(people["S1"], "who5", 40, D(2026, 2, 1))
    score(people["S1"], "who5", 56, D(2026, 8, 1))
    score(people["S1"], "who5", 20, D(2027, 2, 1))
    # S2: no change, 40 → 40, still at or below the cut-off 50: not improved.
    score(people["S2"], "who5", 40, D(2026, 2, 1))
    score(people["S2"], "who5", 40, D(2026, 8, 1))
    # S3: a single score: not in the denominator.
    score(people["S3"], "who5", 80, D(2026, 2, 1))
    # S4: PHQ-9 12 → 8: better by 4 only, but below Thailand's cut-off 9: improved.
    score(people["S4"], "phq9", 12, D(2026, 2, 1))
    score(people["S4"], "phq9", 8, D(2026, 8, 1))
    # S5: no change but healthy (WHO-5 72 → 72, above 50): improved by the threshold reading.
    score(people["S5"], "who5", 72, D(2026, 2, 1))
    score(people["S5"], "who5", 72, D(2026, 8, 1))
    # S6: WHO-5 better (40 → 60), PHQ-9 worse (10 → 15): not improved on each instrument.
    score(people["S6"], "who5", 40, D(2026, 2, 1))
    score(people["S6"], "who5", 60, D(2026, 8, 1))
    score(people["S6"], "phq9", 10, D(2026, 2, 1))
    score(people["S6"], "phq9", 15, D(2026, 8, 1))

    result = out1(cast.thailand, Period.parse("2026"))
    assert (result.numerator, result.denominator, result.value) == (3, 5, 60.0)
    assert result.disaggregations["instrument"] == {
        "phq9": {"value": 50.0, "numerator": 1, "denominator": 2},
        "who5": {"value": 75.0, "numerator": 3, "denominator": 4},
    }
    # As of mid-2026 everyone has a single score: nobody to count.
    early = out1(cast.thailand, Period.parse("2026-Q1"))
    assert (early.numerator, early.denominator, early.value) == (0, 0, None)
    # In 2027 S1's last score (20) is worse than the first: S1 no longer counts as improved.
    assert out1(cast.thailand, Period.parse("2027")).numerator == 2


def test_out2_mean_composite_share_and_dimensions(cast, make_survivor):
    r1 = make_survivor(given_name="R1", phone="")
    r2 = make_survivor(given_name="R2", phone="")
    score(r1, "reintegration", 0.3, D(2026, 2, 1))  # superseded by the later one
    assessment_record(
        origin=SYSTEM, survivor=r1, instrument_code="reintegration", answers=REINTEGRATION,
        taken_on=D(2026, 6, 1), today=D(2026, 6, 1),
    )  # 0.825  # fmt: skip
    assessment_record(
        origin=SYSTEM, survivor=r2, instrument_code="reintegration",
        answers={key: 4 for key in REINTEGRATION}, taken_on=D(2026, 6, 1), today=D(2026, 6, 1),
    )  # 0.6  # fmt: skip
    result = out2(cast.thailand, Period.parse("2026"))
    assert result.value == pytest.approx((0.825 + 0.6) / 2, abs=0.001)
    assert (result.numerator, result.denominator) == (1, 2)
    assert result.detail == {
        "share_at_or_above_threshold": 50.0,
        "thresholds": [0.66],
        "weight_sets": ["equal-1"],
    }
    dims = result.disaggregations["dimension"]
    assert list(dims) == ["economic", "social", "psychosocial"]
    assert dims["economic"]["value"] == pytest.approx((0.75 + 0.625) / 2, abs=0.001)
    assert dims["psychosocial"]["denominator"] == 2


def test_the_indicators_are_in_the_report(cast, retention_cohort):
    report = report_build(scope=cast.thailand, period=Period.parse("2026"), public=True)
    items = {item["code"]: item for item in report["indicators"]}
    assert {"FUP-1", "FUP-2", "OUT-1", "OUT-2"} <= set(items)
    assert items["FUP-2"]["group"] == "followup"
    assert items["FUP-2"]["value"] == 62.5  # 6 survivors: shown
    assert items["FUP-2"]["disaggregations"]["months"]["24"] == {
        "value": None, "numerator": None, "denominator": "<5"
    }  # fmt: skip


def test_the_indicators_page_shows_the_followup_group(cast, retention_cohort, client_for):
    page = client_for(cast.me_officer).get("/indicators/?period=2026").content.decode()
    assert "Follow-up and outcomes" in page
    for name in ("Follow-up completion", "Contact retention", "Well-being improved",
                 "Reintegration sustainability"):  # fmt: skip
        assert name in page
