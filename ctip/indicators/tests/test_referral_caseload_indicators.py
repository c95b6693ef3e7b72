"""REF-0, REF-1, REF-2 and CAP-1 on hand-made data sets, values worked out by hand."""

import datetime as dt

import pytest

from ctip.cases.models import Survivor
from ctip.core.models import Organisation, Role, User
from ctip.indicators.engine import compute
from ctip.indicators.periods import Period
from ctip.indicators.registry import REGISTRY

Q1 = Period.parse("2026-Q1")


def run(code, scope, period=Q1):
    return compute(REGISTRY[code], scope, period)


@pytest.fixture
def referred(cast, make_survivor, records):
    """Referrals (owner ngo_a unless said; sent, status, service started):

    r1  A  2026-01-10 completed        2026-01-20  (10 days)
    r2  B  2026-02-01 service_started  2026-02-05  (4 days)
    r3  A  2026-02-10 declined                      denominator only
    r4  C  2026-03-01 not_reached                   denominator only
    r5  D  2026-03-05 withdrawn                     nowhere (D has nothing else)
    r6  E  2026-03-31 sent (no answer yet)          denominator only (sent on the last day)
    r7  F  2025-12-31 accepted                      outside the period
    r8  G  kh-ngo, 2026-02-01 completed             outside Thailand
    r9  H  ngo_b, 2026-03-10 service_started 2026-03-30 (20 days)
    r10 I  2026-01-15 completed, no start date      numerator, but not in REF-2
    """
    people = {name: make_survivor() for name in "ABCDEFHI"}
    people["G"] = make_survivor(org=cast.ngo_kh, nationality="KH")
    people["H"] = make_survivor(org=cast.ngo_b, sex="male")
    referral = records.referral
    referral(people["A"], "completed", "2026-01-10", "2026-01-20", code="shelter")
    referral(people["B"], "service_started", "2026-02-01", "2026-02-05")
    referral(people["A"], "declined", "2026-02-10")
    referral(people["C"], "not_reached", "2026-03-01", code="medical")
    referral(people["D"], "withdrawn", "2026-03-05")
    referral(people["E"], "sent", "2026-03-31")
    referral(people["F"], "accepted", "2025-12-31")
    referral(people["G"], "completed", "2026-02-01", "2026-02-02", to=cast.ngo_kh)
    referral(people["H"], "service_started", "2026-03-10", "2026-03-30", to=cast.ngo_a)
    referral(people["I"], "completed", "2026-01-15")
    return people


def test_ref0_survivors_referred(cast, referred):
    # A, B, C, E, H, I; D only withdrawn, F outside the period, G outside Thailand.
    result = run("REF-0", cast.thailand)
    assert result.value == 6
    assert result.disaggregations["organisation"] == {"th-ngo-a": 5, "th-ngo-b": 1}
    assert result.disaggregations["sex"]["male"] == 1
    assert run("REF-0", cast.implementer).value == 7  # and G


def test_ref1_completion_rate(cast, referred):
    # Denominator r1 r2 r3 r4 r6 r9 r10 = 7 (withdrawn r5 out); numerator r1 r2 r9 r10 = 4:
    # 4 / 7 = 57.1 %. Declined r3 and not reached r4 stay in the denominator only.
    result = run("REF-1", cast.thailand)
    assert (result.value, result.numerator, result.denominator) == (57.1, 4, 7)
    assert result.disaggregations["status"] == {
        "sent": 1, "accepted": 0, "declined": 1, "service_started": 2, "completed": 2,
        "not_reached": 1,
    }  # fmt: skip
    cells = result.disaggregations
    assert cells["organisation"]["th-ngo-b"] == {"value": 100.0, "numerator": 1, "denominator": 1}
    assert cells["organisation"]["th-ngo-a"] == {"value": 50.0, "numerator": 3, "denominator": 6}
    assert cells["service_category"]["shelter"] == {"value": 100.0, "numerator": 1,
                                                    "denominator": 1}  # fmt: skip
    assert cells["service_category"]["health"] == {"value": 0.0, "numerator": 0,
                                                   "denominator": 1}  # fmt: skip
    # To the government office: r1 r2 r3 r4 r6 r10 (r9 went to ngo_a, a partner with no type).
    assert cells["provider_type"]["government"] == {"value": 50.0, "numerator": 3,
                                                    "denominator": 6}  # fmt: skip


def test_ref2_days_to_service(cast, referred):
    # Days over the numerator with a start date: r1 10, r2 4, r9 20 -> sorted 4 10 20, median 10.
    result = run("REF-2", cast.thailand)
    assert (result.value, result.denominator) == (10, 3)
    assert result.detail == {"p90": 20, "max": 20}
    cells = result.disaggregations
    assert cells["days"] == {"0-7": 1, "8-14": 1, "15-30": 1, "31-60": 0, "61+": 0}
    assert cells["sex"]["male"] == {"value": 20, "numerator": None, "denominator": 1}
    assert cells["sex"]["female"] == {"value": 7.0, "numerator": None, "denominator": 2}
    assert cells["organisation"]["th-ngo-a"]["value"] == 7.0


def test_ref_indicators_with_nothing_sent(cast):
    assert run("REF-0", cast.thailand).value == 0
    result = run("REF-1", cast.thailand)
    assert (result.value, result.numerator, result.denominator) == (None, 0, 0)
    assert run("REF-2", cast.thailand).value is None


@pytest.fixture
def caseload(cast, make_survivor):
    """At 2026-12-31 (end of 2026-Q4). Case workers created 2025-01-01:

    ngo_a: anong (cast) and one more active, one inactive, one who joined in 2027, and the
           supervisor (not a case worker): 2 case workers.
           Open cases: 5 at ngo_a (one unassigned) + 1 at its site = 6; one closed 2026-11-01
           and one opened 2027-01-05 do not count -> 6 / 2 = 3.0.
    ngo_b: bopha (cast): 1 case worker; 4 open -> 4.0, above its capacity of 2.
    Thailand: 10 open / 3 case workers = 3.3.
    """
    joined = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    extra = [
        ("ngo-a-2", cast.ngo_a, True, joined),
        ("ngo-a-gone", cast.ngo_a, False, joined),
        ("ngo-a-new", cast.ngo_a, True, dt.datetime(2027, 1, 2, tzinfo=dt.UTC)),
    ]
    for username, org, active, when in extra:
        User.objects.create(
            username=username, role=Role.CASE_WORKER, organisation=org, is_active=active,
            date_joined=when,
        )  # fmt: skip
    User.objects.filter(organisation__in=[cast.ngo_a, cast.ngo_b], date_joined__gt=joined).exclude(
        username="ngo-a-new"
    ).update(date_joined=joined)
    opened = dt.date(2026, 6, 1)
    for index in range(5):
        make_survivor(opened_on=opened, case_worker=None if index == 0 else cast.case_worker)
    make_survivor(org=cast.site_a, opened_on=opened)
    closed = make_survivor(opened_on=opened)
    Survivor.objects.filter(pk=closed.pk).update(status="closed", closed_on=dt.date(2026, 11, 1))
    make_survivor(opened_on=dt.date(2027, 1, 5))
    for _ in range(4):
        make_survivor(org=cast.ngo_b, opened_on=opened, case_worker=cast.other_case_worker)
    Organisation.objects.filter(pk=cast.ngo_b.pk).update(caseload_capacity=2)


def test_cap1_caseload_per_case_worker(cast, caseload):
    result = run("CAP-1", cast.thailand, Period.parse("2026-Q4"))
    assert (result.value, result.numerator, result.denominator) == (3.3, 10, 3)
    assert result.disaggregations["organisation"] == {
        "th-ngo-a": {"value": 3.0, "numerator": 6, "denominator": 2, "capacity": 25},
        "th-ngo-b": {"value": 4.0, "numerator": 4, "denominator": 1, "capacity": 2},
    }
    # The unassigned case at ngo_a, and the site's case (no case worker set for sites).
    assert result.detail == {"capacity": 25, "over_capacity": ["th-ngo-b"], "unassigned": 2}


def test_cap1_case_closed_after_the_period_was_open_then(cast, caseload):
    # At 2026-09-30 the case closed on 2026-11-01 was still open: ngo_a 7 / 2 = 3.5.
    result = run("CAP-1", cast.ngo_a, Period.parse("2026-Q3"))
    assert (result.value, result.numerator, result.denominator) == (3.5, 7, 2)
