"""SRV-1, SRV-2, SRV-3, GOV-1 and OUT-3 on small hand-made data sets, values worked out by hand.

Period: 2026-Q1 (2026-01-01 to 2026-03-31) unless a test says otherwise.
"""

import pytest

from ctip.cases.models import StatedInterest
from ctip.indicators.definitions.services import HISTOGRAM_MAX, distribution_summary
from ctip.indicators.engine import compute
from ctip.indicators.periods import Period
from ctip.indicators.registry import REGISTRY
from ctip.indicators.tests.conftest import day

Q1 = Period.parse("2026-Q1")


def run(code, scope, period=Q1):
    return compute(REGISTRY[code], scope, period)


@pytest.fixture
def served(cast, make_survivor, records):
    """The SRV data set. Survivors (owner; sex, birth year, nationality, forms):

    A  ngo_a   female 2010 MM labour+sexual  shelter (owned by ngo_a, provider ngo_a) ongoing
                                             from 2026-01-10, and psychosocial recorded by
                                             ngo_b (provider government) 02-01..02-20: served
                                             by two partners
    B  ngo_a   female 1999 MM labour         medical ended 2025-12-31 (before); legal aid
                                             started 2026-04-01 (after): not counted
    C  ngo_b   male   1995 KH labour         transport (one-off) in Q1: never counted
    D  ngo_b   male   2008 KH labour         medical (government) 2025-11-01..2026-01-01:
                                             ended on the first day, counted
    E  site_a  female none --  (none)        legal aid started 2026-03-31 (last day), counted
                                             for ngo_a through its site
    F  kh_ngo  female 2015 KH domestic       shelter in Q1: counted at winrock, not in th
    G  ngo_a   male   1990 MM labour         discontinued, no end date, started 2025-12-15:
                                             not counted (may have stopped before Q1)
    H  ngo_a   other  1980 MM labour         food discontinued, no end date, started
                                             2026-01-05: counted (its own period)
    """
    cast_ = cast
    s = {}
    s["A"] = make_survivor(sex="female", birth_year=2010, exploitation=["labour", "sexual"])
    s["B"] = make_survivor(sex="female", birth_year=1999)
    s["C"] = make_survivor(org=cast_.ngo_b, sex="male", birth_year=1995, nationality="KH")
    s["D"] = make_survivor(org=cast_.ngo_b, sex="male", birth_year=2008, nationality="KH")
    s["E"] = make_survivor(
        org=cast_.site_a, sex="female", birth_year=None, nationality="", exploitation=[]
    )
    s["F"] = make_survivor(
        org=cast_.ngo_kh, sex="female", birth_year=2015, nationality="KH", exploitation=["domestic"]
    )
    s["G"] = make_survivor(sex="male", birth_year=1990)
    s["H"] = make_survivor(sex="other", birth_year=1980)
    gov = cast_.gov_provider
    records.episode(s["A"], "shelter", "2026-01-10")
    records.episode(
        s["A"], "psychosocial", "2026-02-01", "2026-02-20", org=cast_.ngo_b, provider=gov
    )
    records.episode(s["B"], "medical", "2025-10-01", "2025-12-31")
    records.episode(s["B"], "legal_aid", "2026-04-01")
    records.episode(s["C"], "transport", "2026-02-02", "2026-02-02")
    records.episode(s["D"], "medical", "2025-11-01", "2026-01-01", provider=gov)
    records.episode(s["E"], "legal_aid", "2026-03-31")
    records.episode(s["F"], "shelter", "2026-02-01", "2026-03-01")
    records.episode(s["G"], "shelter", "2025-12-15", status="discontinued")
    records.episode(s["H"], "food", "2026-01-05", status="discontinued")
    return s


def test_srv1_counts_each_survivor_once_by_the_rule(cast, served):
    # Counted: A, D, E, F, H. Not: B (before/after), C (one-off), G (discontinued earlier).
    result = run("SRV-1", cast.implementer)
    assert result.value == 5
    # A appears in two partners' records and counts once in Thailand: A, D, E, H.
    assert run("SRV-1", cast.thailand).value == 4
    # Each partner counts the survivors it served: ngo_a A, E (site), H; ngo_b A, D.
    assert run("SRV-1", cast.ngo_a).value == 3
    assert run("SRV-1", cast.ngo_b).value == 2
    assert run("SRV-1", cast.site_a).value == 1
    assert run("SRV-1", cast.cambodia).value == 1


def test_srv1_breakdowns(cast, served):
    cells = run("SRV-1", cast.implementer).disaggregations
    assert cells["sex"] == {"female": 3, "male": 1, "other": 1, "unknown": 0}
    # Ages at the period's end (2026 - birth year): A 16, D 18, E unknown, F 11, H 46.
    assert cells["age_group"] == {"0-17": 2, "18+": 2, "unknown": 1}
    assert cells["age_band"] == {
        "0-11": 1, "12-17": 1, "18-24": 1, "25-39": 0, "40+": 1, "unknown": 1,
    }  # fmt: skip
    assert cells["nationality"] == {"KH": 2, "MM": 2, "unknown": 1}
    # A has two forms and counts in both cells (6 > 5).
    assert cells["exploitation"] == {
        "labour": 3, "sexual": 1, "domestic": 1, "forced_marriage": 0, "begging": 0,
        "criminality": 0, "other": 0, "unknown": 1,
    }  # fmt: skip
    assert cells["organisation"] == {"th-ngo-a": 3, "th-ngo-b": 2, "kh-ngo": 1}
    assert cells["service_category"] == {
        "shelter": 2, "basic_needs": 1, "health": 1, "mental_health": 1, "legal": 1,
        "education": 0, "livelihood": 0, "family": 0, "return": 0,
    }  # fmt: skip
    # Providers: government for A's psychosocial and D's medical; the partner NGO (no type
    # recorded) for the rest.
    assert cells["provider_type"] == {
        "government": 2, "ngo": 0, "international": 0, "private": 0, "project": 0,
        "unknown": 4,
    }  # fmt: skip


def test_srv1_same_survivor_two_provider_partners_counts_once(cast, make_survivor, records):
    survivor = make_survivor()
    records.episode(survivor, "shelter", "2026-01-05", provider=cast.ngo_a)
    records.episode(survivor, "legal_aid", "2026-02-05", provider=cast.ngo_b)
    records.episode(survivor, "medical", "2026-03-05", provider=cast.gov_provider)
    result = run("SRV-1", cast.thailand)
    assert result.value == 1
    assert run("SRV-2", cast.thailand).value == 3


def test_srv1_month_and_year(cast, served):
    # January: A (shelter), D (ended 01-01), H (started 01-05) -> 3; F started in February.
    assert run("SRV-1", cast.implementer, Period.parse("2026-01")).value == 3
    # 2026: A, B (legal aid from April), D, E, F, H; G's discontinued episode began in 2025.
    assert run("SRV-1", cast.implementer, Period.parse("2026")).value == 6


def test_srv2_counts_episodes(cast, served):
    # A 2, D 1, E 1, F 1, H 1 = 6 at the top; Thailand without F = 5.
    result = run("SRV-2", cast.implementer)
    assert result.value == 6
    assert run("SRV-2", cast.thailand).value == 5
    cells = result.disaggregations
    assert cells["sex"] == {"female": 4, "male": 1, "other": 1, "unknown": 0}
    assert cells["organisation"] == {"th-ngo-a": 3, "th-ngo-b": 2, "kh-ngo": 1}
    assert cells["provider_type"]["government"] == 2


def test_gov1_share_of_episodes(cast, served):
    # 2 government episodes (A's psychosocial, D's medical) of 6: 33.3 %.
    result = run("GOV-1", cast.implementer)
    assert (result.value, result.numerator, result.denominator) == (33.3, 2, 6)
    cells = result.disaggregations
    assert cells["sex"]["male"] == {"value": 100.0, "numerator": 1, "denominator": 1}
    assert cells["sex"]["female"] == {"value": 25.0, "numerator": 1, "denominator": 4}
    assert cells["service_category"]["health"] == {"value": 100.0, "numerator": 1,
                                                   "denominator": 1}  # fmt: skip
    assert cells["organisation"]["th-ngo-b"] == {"value": 100.0, "numerator": 2,
                                                 "denominator": 2}  # fmt: skip
    assert "provider_type" not in cells


def test_srv3_median_percentiles_and_no_review(cast, served):
    # Episodes per counted survivor: A 2, D 1, E 1, F 1, H 1 -> sorted 1 1 1 1 2.
    # Median: 3rd value = 1; p90: rank ceil(4.5) = 5 -> 2; p99: rank 5 -> 2; max 2.
    # Review threshold min(p99, 15) = 2: nobody above it.
    result = run("SRV-3", cast.implementer)
    assert result.value == 1
    assert result.denominator == 5
    assert result.detail == {"median": 1, "p90": 2, "p99": 2, "max": 2}
    assert result.review == []
    assert result.disaggregations["episodes_per_survivor"] == {
        "1": 4, "2": 1, "3": 0, "4-5": 0, "6-10": 0, "11-15": 0, "16+": 0,
    }  # fmt: skip


def test_srv3_lists_survivors_above_fifteen(cast, make_survivor, records):
    # Four survivors with 1 episode, one with 16: sorted 1 1 1 1 16.
    # Median 1; p90 = p99 = max = 16; threshold min(16, 15) = 15; 16 > 15 -> listed.
    many = make_survivor()
    for index in range(16):
        records.episode(many, "psychosocial", f"2026-01-{index + 1:02d}")
    for _ in range(4):
        records.episode(make_survivor(), "shelter", "2026-02-01")
    result = run("SRV-3", cast.ngo_a)
    assert result.value == 1
    assert result.detail == {"median": 1, "p90": 16, "p99": 16, "max": 16}
    assert result.review == [{"code": many.code, "episodes": 16}]


def test_srv3_counts_exactly_above_the_shared_histogram(cast, make_survivor, records):
    # One survivor with HISTOGRAM_MAX + 20 = 35 episodes, two with 1 and 2:
    # sorted 1 2 35 -> median 2, p90 rank 3 -> 35, max 35, listed (35 > min(35, 15)).
    big = HISTOGRAM_MAX + 20
    assert big == 35
    many = make_survivor()
    for index in range(big):
        records.episode(many, "psychosocial", f"2026-{index // 28 + 1:02d}-{index % 28 + 1:02d}")
    records.episode(make_survivor(), "shelter", "2026-02-01")
    two = make_survivor()
    records.episode(two, "shelter", "2026-02-01")
    records.episode(two, "medical", "2026-02-03")
    result = run("SRV-3", cast.ngo_a)
    assert (result.value, result.denominator) == (2, 3)
    assert result.detail == {"median": 2, "p90": 35, "p99": 35, "max": 35}
    assert result.review == [{"code": many.code, "episodes": 35}]
    assert result.disaggregations["episodes_per_survivor"]["16+"] == 1


def test_srv3_lists_survivors_above_the_99th_percentile(cast, records):
    # 120 survivors with 1 episode, one with 2, one with 4: 122 values.
    # p99: rank ceil(0.99 * 122) = 121 -> 2 (120 ones, then the 2); threshold min(2, 15) = 2;
    # above it: the survivor with 4 only. Median 1, p90 1, max 4.
    from ctip.cases.services import survivors_bulk_register
    from ctip.conftest import SYSTEM
    from ctip.services.models import ServiceEpisode

    survivors = survivors_bulk_register(
        origin=SYSTEM, entries=[{"organisation": cast.ngo_a, "sex": "female"}] * 122
    )
    shelter = records.types["shelter"]
    counts = [1] * 120 + [2, 4]
    ServiceEpisode.objects.bulk_create(
        ServiceEpisode(
            organisation=cast.ngo_a,
            survivor=survivor,
            service_type=shelter,
            provider=cast.ngo_a,
            started_on=day(f"2026-02-{index + 1:02d}"),
        )  # fmt: skip
        for survivor, count in zip(survivors, counts, strict=True)
        for index in range(count)
    )
    result = run("SRV-3", cast.ngo_a)
    assert (result.value, result.denominator) == (1, 122)
    assert result.detail == {"median": 1, "p90": 1, "p99": 2, "max": 4}
    assert result.review == [{"code": survivors[-1].code, "episodes": 4}]


def test_distribution_summary_even_count_median():
    # 1 1 3 7: median (1 + 3) / 2 = 2.0; p90 rank ceil(3.6) = 4 -> 7.
    summary = distribution_summary([(1, 2), (3, 1), (7, 1)])
    assert summary == {"n": 4, "median": 2.0, "p90": 7, "p99": 7, "max": 7}
    assert distribution_summary([])["median"] is None


@pytest.fixture
def livelihood(cast, make_survivor, records):
    """OUT-3's data set (interests stated before the period unless said otherwise):

    P  ngo_a  skills training in Q1, interest skills training               -> match
    Q  ngo_a  job placement in Q1, interest own business                     -> no match
    R  ngo_b  own business in Q1, interest own business stated 2026-05-01
              (after the period)                                             -> no match
    S  ngo_b  skills training in Q1, interest education (never matches)      -> no match
    T  ngo_a  skills training and job placement, interest job placement      -> match
    U  ngo_a  skills training that ended 2025-12-01, interest skills         -> not counted
    V  ngo_a  shelter only                                                   -> not counted
    """
    people = {}
    plan = {
        "P": (cast.ngo_a, ["skills_training"], [("skills_training", "2025-12-01")]),
        "Q": (cast.ngo_a, ["job_placement"], [("business_support", "2025-12-01")]),
        "R": (cast.ngo_b, ["business_support"], [("business_support", "2026-05-01")]),
        "S": (cast.ngo_b, ["skills_training"], [("education", "2025-12-01")]),
        "T": (cast.ngo_a, ["skills_training", "job_placement"], [("job_placement", "2026-01-02")]),
        "U": (cast.ngo_a, [], [("skills_training", "2025-06-01")]),
        "V": (cast.ngo_a, ["shelter"], []),
    }
    for name, (org, services, interests) in plan.items():
        survivor = make_survivor(org=org, sex="male" if name in "QS" else "female")
        for code in services:
            records.episode(survivor, code, "2026-02-01")
        for interest, stated in interests:
            StatedInterest.objects.create(
                survivor=survivor, interest=interest, stated_on=day(stated)
            )
        people[name] = survivor
    records.episode(people["U"], "skills_training", "2025-09-01", "2025-12-01")
    return people


def test_out3_livelihood_match(cast, livelihood):
    # Denominator P, Q, R, S, T = 5; numerator P, T = 2 -> 40.0 %.
    result = run("OUT-3", cast.thailand)
    assert (result.value, result.numerator, result.denominator) == (40.0, 2, 5)
    cells = result.disaggregations
    # skills training: P, S, T; matched through that type: P only (T matched on placement).
    assert cells["service_type"] == {
        "skills_training": {"value": 33.3, "numerator": 1, "denominator": 3},
        "job_placement": {"value": 50.0, "numerator": 1, "denominator": 2},
        "business_support": {"value": 0.0, "numerator": 0, "denominator": 1},
    }
    assert cells["sex"]["male"] == {"value": 0.0, "numerator": 0, "denominator": 2}
    assert cells["sex"]["female"] == {"value": 66.7, "numerator": 2, "denominator": 3}
    assert cells["organisation"] == {
        "th-ngo-a": {"value": 66.7, "numerator": 2, "denominator": 3},
        "th-ngo-b": {"value": 0.0, "numerator": 0, "denominator": 2},
    }


def test_out3_nothing_to_divide(cast):
    result = run("OUT-3", cast.thailand)
    assert (result.value, result.numerator, result.denominator) == (None, 0, 0)
