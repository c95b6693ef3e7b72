"""PSE-1 to PSE-5 on hand-built data sets; every expected value is worked out in the comments."""

from decimal import Decimal

import pytest

from ctip.conftest import SYSTEM
from ctip.indicators.periods import Period
from ctip.indicators.registry import REGISTRY
from ctip.partnerships import services
from ctip.partnerships.models import Placement, Stage
from ctip.partnerships.tests.conftest import (
    D,
    make_company,
    make_engagement,
    make_job_placement,
    walk,
)

pytestmark = pytest.mark.django_db
Q2 = Period.parse("2026-Q2")  # 2026-04-01 .. 2026-06-30


def compute(code, scope, period=Q2):
    return REGISTRY[code].compute(scope, period)


def test_pse_indicators_are_registered_in_their_group():
    codes = [code for code, ind in REGISTRY.items() if ind.group == "partnerships"]
    assert codes == ["PSE-1", "PSE-2", "PSE-3", "PSE-4", "PSE-5"]
    assert [REGISTRY[c].is_count for c in codes] == [False, False, False, False, True]


# --- PSE-1 ----------------------------------------------------------------------------------


@pytest.fixture
def agreements(cast):
    """Seven agreements; three of them are partnership agreements signed in 2026-Q2."""
    th_a = make_engagement(cast, make_company(cast, "A"))
    th_b = make_engagement(cast, make_company(cast, "B"))
    kh_c = make_engagement(cast, make_company(cast, "C"), project=cast.cambodia)

    def agree(engagement, kind, signed_on):
        return services.agreement_record(
            origin=SYSTEM, engagement=engagement, kind=kind, title=f"{kind} {signed_on}",
            signed_on=signed_on, nda_restrictions="Supplier list" if kind == "nda" else "",
        )  # fmt: skip

    agree(th_a, "partnership", D(2026, 4, 10))  # counts (th, partnership)
    agree(th_a, "nda", D(2026, 4, 1))  # an NDA is not a partnership agreement
    agree(th_b, "mou", D(2026, 6, 30))  # counts: last day of the quarter (th, mou)
    agree(kh_c, "partnership", D(2026, 3, 31))  # Q1
    agree(kh_c, "mou", D(2026, 5, 15))  # counts (kh, mou)
    agree(kh_c, "mou", None)  # not signed
    agree(th_b, "partnership", D(2026, 7, 1))  # Q3
    return th_a, th_b, kh_c


def test_pse1_counts_partnership_agreements_signed_in_the_period(cast, agreements):
    result = compute("PSE-1", cast.implementer)
    assert result.value == 3
    assert result.disaggregations == {
        "agreement_type": {"mou": 2, "partnership": 1},
        "organisation": {"kh": 1, "th": 2},
    }
    assert compute("PSE-1", cast.thailand).value == 2
    assert compute("PSE-1", cast.cambodia).value == 1
    assert compute("PSE-1", cast.ngo_a).value == 0  # no engagements below a partner
    assert compute("PSE-1", cast.implementer, Period.parse("2026-Q1")).value == 1
    # The year: Q1 1, Q2 3, Q3 1.
    assert compute("PSE-1", cast.implementer, Period.parse("2026")).value == 5


# --- PSE-2 ----------------------------------------------------------------------------------


def test_pse2_counts_actions_in_the_period_by_level(cast, agreements):
    th_a, th_b, kh_c = agreements
    funded = th_a.agreements.get(kind="partnership")
    services.commitment_add(
        origin=SYSTEM, agreement=funded, side="company", kind="money",
        description="Pilot", amount=Decimal("1000"), unit="USD",
    )  # fmt: skip

    def log(engagement, level, on, **extra):
        if level == "medium":
            extra |= {"government_present": True, "expected_policy_change": "Port rules"}
        services.action_log(
            origin=SYSTEM, engagement=engagement, on=on, level=level, description="x", **extra
        )

    log(th_a, "high", D(2026, 4, 10), agreement=funded)  # Q2: high (th)
    log(th_a, "low", D(2026, 4, 2))  # Q2: low (th)
    log(th_a, "low", D(2026, 6, 30))  # Q2: low (th), last day
    log(th_a, "low", D(2026, 7, 1))  # Q3
    log(th_b, "medium", D(2026, 5, 5))  # Q2: medium (th)
    log(kh_c, "low", D(2026, 3, 31))  # Q1
    log(kh_c, "medium", D(2026, 4, 1))  # Q2: medium (kh), first day

    result = compute("PSE-2", cast.implementer)
    # Q2: high 1, medium 2, low 2 = 5; th 4 (high, low, low, medium), kh 1.
    assert result.value == 5
    assert result.disaggregations == {
        "level": {"high": 1, "medium": 2, "low": 2},
        "organisation": {"kh": 1, "th": 4},
    }
    assert compute("PSE-2", cast.cambodia).disaggregations["level"] == {
        "high": 0,
        "medium": 1,
        "low": 0,
    }
    assert compute("PSE-2", cast.implementer, Period.parse("2026")).value == 7


# --- PSE-4 ----------------------------------------------------------------------------------


def test_pse4_conversion_median_days_and_stalls(cast):
    x, y, z = (make_company(cast, name) for name in ("X", "Y", "Z"))
    w, v = make_company(cast, "W"), make_company(cast, "V")
    # X, Thailand: first meeting 01-10, agreement 04-10 (90 days).
    walk(
        make_engagement(cast, x),
        [(Stage.FIRST_MEETING, D(2026, 1, 10)), (Stage.AGREEMENT_SIGNED, D(2026, 4, 10))],
    )
    # X, Cambodia: first meeting 02-01, no agreement; no change since: stalled at 06-30.
    walk(make_engagement(cast, x, project=cast.cambodia), [(Stage.FIRST_MEETING, D(2026, 2, 1))])
    # Y, Thailand: straight from landscape to interests aligned on 01-20 (passing first
    # meeting: it counts as reached that day), agreement 05-20 (120 days).
    walk(
        make_engagement(cast, y),
        [(Stage.INTERESTS_ALIGNED, D(2026, 1, 20)), (Stage.AGREEMENT_SIGNED, D(2026, 5, 20))],
    )
    # Z, Cambodia: first meeting 03-01, closed 04-01 (closing is not reaching; not stalled).
    z_kh = walk(
        make_engagement(cast, z, project=cast.cambodia), [(Stage.FIRST_MEETING, D(2026, 3, 1))]
    )
    services.engagement_move(
        origin=SYSTEM, engagement=z_kh, to_stage="closed", on=D(2026, 4, 1), reason="funding"
    )
    # W, Thailand: landscape since 01-05: never met; stalled at 06-30.
    make_engagement(cast, w)
    # V, Cambodia: first meeting 07-05, after the period; at 06-30 in landscape since 01-05.
    walk(make_engagement(cast, v, project=cast.cambodia), [(Stage.FIRST_MEETING, D(2026, 7, 5))])

    result = compute("PSE-4", cast.implementer)
    # Companies that reached first meeting by 06-30: X, Y, Z = 3; reached agreement: X, Y = 2.
    assert (result.numerator, result.denominator, result.value) == (2, 3, 66.7)
    # Median of 90 and 120 days; stalled: X-Cambodia, W, V.
    assert result.detail == {"median_days_first_meeting_to_agreement": 105, "stalled": 3}

    thailand = compute("PSE-4", cast.thailand)
    # Thailand: X and Y met, both signed; W stalled.
    assert (thailand.numerator, thailand.denominator, thailand.value) == (2, 2, 100.0)
    assert thailand.detail["stalled"] == 1

    q1 = compute("PSE-4", cast.implementer, Period.parse("2026-Q1"))
    # At 03-31: X, Y, Z had met; none had signed. Stalled (last change on or before 12-31):
    # nothing, every engagement started on 01-05 or later.
    assert (q1.numerator, q1.denominator, q1.value) == (0, 3, 0.0)
    assert q1.detail == {"median_days_first_meeting_to_agreement": None, "stalled": 0}

    empty = compute("PSE-4", cast.ngo_a)
    assert (empty.value, empty.numerator, empty.denominator) == (None, 0, 0)


# --- PSE-3 ----------------------------------------------------------------------------------


def _rate(engagement, on, company, project):
    factors = ["shared_goals", "trust", "communication", "resource_parity", "decision_making",
               "progress", "sustainability"]  # fmt: skip
    ratings = {("company", f): company for f in factors} | {
        ("project", f): project for f in factors
    }
    return services.health_check_record(
        origin=SYSTEM, engagement=engagement, on=on, ratings=ratings
    )


def test_pse3_latest_check_of_active_partnerships(cast):
    signed = [(Stage.AGREEMENT_SIGNED, D(2026, 2, 1))]
    healthy = walk(make_engagement(cast, make_company(cast, "H")), signed)
    troubled = walk(make_engagement(cast, make_company(cast, "T")), signed)
    pipeline_only = make_engagement(cast, make_company(cast, "P"))
    _rate(healthy, D(2026, 3, 1), company=2, project=2)  # superseded by the next one
    _rate(healthy, D(2026, 5, 1), company=5, project=4)  # 4.5 everywhere: strengths
    _rate(troubled, D(2026, 5, 1), company=3, project=2)  # 2.5 everywhere: concerns
    _rate(troubled, D(2026, 7, 1), company=5, project=5)  # after the period: ignored
    _rate(pipeline_only, D(2026, 5, 1), company=1, project=1)  # not a partnership: ignored

    result = compute("PSE-3", cast.implementer)
    assert (result.value, result.numerator, result.denominator) == (1, 1, 2)
    assert set(result.disaggregations["factor_concern"].values()) == {1}
    assert set(result.disaggregations["factor_strength"].values()) == {1}
    assert result.review == [
        {
            "company": "T",
            "organisation": "th",
            "checked_on": "2026-05-01",
            "concerns": dict.fromkeys(result.disaggregations["factor_concern"], 2.5),
        }
    ]
    assert result.detail == {"active_partnerships": 2, "with_health_check": 2}


# --- PSE-5 ----------------------------------------------------------------------------------


def test_pse5_placements_retention_and_activities(cast, make_survivor):
    engagement = walk(
        make_engagement(cast, make_company(cast, "E"), stream="employment"),
        [(Stage.AGREEMENT_SIGNED, D(2026, 2, 1))],
    )
    opening = services.opening_add(
        origin=SYSTEM, engagement=engagement, role="Line worker", location="Ranong",
        opened_on=D(2026, 3, 1), positions=5,
    )  # fmt: skip
    placements = [
        (D(2026, 4, 1), True, True),  # Q2: still employed at 6 months
        (D(2026, 5, 1), True, False),  # Q2: left before 6 months
        (D(2026, 6, 30), None, None),  # Q2: not yet known
        (D(2026, 3, 31), True, True),  # Q1
    ]
    for start, at_3, at_6 in placements:
        job = make_job_placement(make_survivor(), cast.gov_provider, start, at_3, at_6)
        services.placement_link(origin=SYSTEM, opening=opening, job_placement=job)
    stream = services.workstream_add(origin=SYSTEM, engagement=engagement, title="Training")
    for planned, status in [
        (D(2026, 4, 5), "implemented"),
        (D(2026, 5, 5), "implemented"),
        (D(2026, 6, 5), "planned"),
        (D(2026, 6, 6), "cancelled"),
        (D(2026, 7, 5), "implemented"),  # Q3
    ]:
        services.activity_add(
            origin=SYSTEM, workstream=stream, title="Session", planned_on=planned, status=status,
            done_on=planned if status == "implemented" else None,
        )  # fmt: skip

    result = compute("PSE-5", cast.implementer)
    assert result.value == 3
    assert result.disaggregations == {
        "employed_at_3_months": {"yes": 2, "no": 0, "not_yet_known": 1},
        "employed_at_6_months": {"yes": 1, "no": 1, "not_yet_known": 1},
    }
    # Activities planned in Q2: 4 (one cancelled); implemented: 2 → 50.0 %.
    assert result.detail == {
        "activities_planned": 4,
        "activities_implemented": 2,
        "activities_implemented_pct": 50.0,
    }
    assert Placement.objects.count() == 4
    assert compute("PSE-5", cast.cambodia).value == 0
