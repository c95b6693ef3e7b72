"""The engine: DESIGN.md's JSON shape, suppression for public output, query counts."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctip.core.suppression import HIDDEN, SMALL
from ctip.indicators.engine import indicator_json, report_build, suppress, trend_build
from ctip.indicators.periods import Period
from ctip.indicators.registry import REGISTRY, Indicator, IndicatorResult

Q1 = Period.parse("2026-Q1")


def fake(**values) -> Indicator:
    defaults = dict(
        code="T-1", name="Test", unit="survivors", definition="", compute=lambda s, p: None
    )
    defaults.update(values)
    return Indicator(**defaults)


def test_report_shape(cast, make_survivor, records):
    records.episode(make_survivor(), "shelter", "2026-02-01")
    report = report_build(scope=cast.thailand, period=Q1, public=False)
    assert report["period"] == {"label": "2026-Q1", "start": "2026-01-01", "end": "2026-03-31"}
    assert report["scope"] == "th"
    assert dt.datetime.fromisoformat(report["generated_at"])
    codes = [item["code"] for item in report["indicators"]]
    for code in ("SRV-1", "SRV-2", "SRV-3", "REF-0", "REF-1", "REF-2", "GOV-1", "CAP-1", "OUT-3"):
        assert code in codes
    # Every registered indicator, grouped: services first.
    assert set(codes) == set(REGISTRY)
    assert codes[0] == "SRV-1"
    srv1 = report["indicators"][0]
    assert set(srv1) >= {"code", "name", "unit", "value", "numerator", "denominator",
                         "disaggregations"}  # fmt: skip
    assert srv1["value"] == 1
    assert srv1["disaggregations"]["sex"]["female"] == 1


def test_report_selected_indicators(cast):
    report = report_build(scope=cast.thailand, period=Q1, public=False, codes=["REF-1", "SRV-1"])
    assert [item["code"] for item in report["indicators"]] == ["SRV-1", "REF-1"]
    with pytest.raises(KeyError):
        report_build(scope=cast.thailand, period=Q1, public=False, codes=["NOPE"])


def test_public_count_suppression():
    indicator = fake()
    result = IndicatorResult(
        value=12,
        disaggregations={
            "sex": {"female": 9, "male": 3, "other": 0, "unknown": 0},
            "nationality": {"MM": 6, "KH": 5, "LA": 1},
        },
    )
    shown = suppress(indicator, result)
    assert shown["value"] == 12
    # male 3 is primary; the smallest other non-zero cell (female) is hidden with it.
    assert shown["disaggregations"]["sex"] == {"female": HIDDEN, "male": SMALL, "other": 0,
                                               "unknown": 0}  # fmt: skip
    assert shown["disaggregations"]["nationality"] == {"MM": 6, "KH": HIDDEN, "LA": SMALL}
    assert suppress(indicator, IndicatorResult(value=3))["value"] == SMALL
    assert suppress(indicator, IndicatorResult(value=0))["value"] == 0


def test_public_rate_suppression():
    indicator = fake(unit="%", is_count=False)
    assert suppress(indicator, IndicatorResult(value=75.0, numerator=3, denominator=4)) == {
        "value": None, "numerator": SMALL, "denominator": SMALL, "disaggregations": {},
    }  # fmt: skip
    # A numerator from 1 to 4 would be given away by the rate: no value either.
    shown = suppress(indicator, IndicatorResult(value=10.0, numerator=2, denominator=20))
    assert (shown["value"], shown["numerator"], shown["denominator"]) == (None, SMALL, 20)
    shown = suppress(indicator, IndicatorResult(value=0.0, numerator=0, denominator=20))
    assert shown["value"] == 0.0
    cells = {
        "female": {"value": 50.0, "numerator": 10, "denominator": 20},
        "male": {"value": 25.0, "numerator": 1, "denominator": 4},
        "other": {"value": 60.0, "numerator": 6, "denominator": 10},
    }
    shown = suppress(indicator, IndicatorResult(value=50.0, numerator=17, denominator=34,
                                                disaggregations={"sex": cells}))  # fmt: skip
    sex = shown["disaggregations"]["sex"]
    assert sex["male"] == {"value": None, "numerator": SMALL, "denominator": SMALL}
    # Secondary: the smallest other numerator (6) and denominator (10) are hidden too.
    assert sex["other"] == {"value": None, "numerator": HIDDEN, "denominator": HIDDEN}
    assert sex["female"] == {"value": 50.0, "numerator": 10, "denominator": 20}


def test_public_output_drops_review_and_private_detail():
    indicator = REGISTRY["SRV-3"]
    result = IndicatorResult(
        value=2, denominator=40, review=[{"code": "TH-AAAA-BBBB", "episodes": 30}],
        detail={"median": 2, "p90": 5, "p99": 30, "max": 30},
    )  # fmt: skip
    public = indicator_json(indicator, result, public=True)
    assert "review" not in public
    assert public["detail"] == {"p90": 5, "max": 30}
    private = indicator_json(indicator, result, public=False)
    assert private["review"] == [{"code": "TH-AAAA-BBBB", "episodes": 30}]
    # With 1 to 4 survivors behind it, neither the median nor its detail is shown.
    small = indicator_json(indicator, IndicatorResult(value=2, denominator=3,
                                                      detail={"p90": 3}), public=True)  # fmt: skip
    assert small["value"] is None and "detail" not in small


def test_always_suppressed_indicator_even_inside_the_programme():
    indicator = fake(always_suppress=True)
    item = indicator_json(indicator, IndicatorResult(value=2), public=False)
    assert item["value"] == SMALL


def test_caseload_denominator_is_staff_not_suppressed():
    # CAP-1's denominator counts case workers, not survivors: shown even when small.
    indicator = REGISTRY["CAP-1"]
    cell = {"value": 6.0, "numerator": 12, "denominator": 2, "capacity": 25}
    shown = suppress(
        indicator,
        IndicatorResult(
            value=6.0, numerator=12, denominator=2, disaggregations={"organisation": {"a": cell}}
        ),
    )
    assert shown["value"] == 6.0 and shown["denominator"] == 2
    assert shown["disaggregations"]["organisation"]["a"] == cell


cells_strategy = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d", "e", "f"]), st.integers(0, 40), min_size=1
)


@settings(max_examples=200, deadline=None)
@given(cells_strategy)
def test_suppressed_breakdown_never_reveals_a_small_cell(cells):
    shown = suppress(fake(), IndicatorResult(value=sum(cells.values()),
                                             disaggregations={"x": cells}))  # fmt: skip
    visible = shown["disaggregations"]["x"]
    total = shown["value"]
    # No cell from 1 to 4 is ever shown as a number.
    for key, value in visible.items():
        if 0 < cells[key] < 5:
            assert value == SMALL
        assert value in (SMALL, HIDDEN) or value == cells[key]
    hidden = [key for key, value in visible.items() if value in (SMALL, HIDDEN)]
    if hidden and isinstance(total, int):
        remainder = total - sum(v for v in visible.values() if isinstance(v, int))
        # Whenever a cell is hidden, at least two are (or the total is hidden too), so the
        # total minus the visible cells never equals one hidden cell.
        assert len(hidden) >= 2
        for key in hidden:
            assert remainder != cells[key]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d"]),
                       st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1))  # fmt: skip
def test_suppressed_rates_never_rest_on_small_counts(pairs):
    cells = {}
    for key, (part, rest) in pairs.items():
        denominator = part + rest
        cells[key] = {"value": round(100 * part / denominator, 1) if denominator else None,
                      "numerator": part, "denominator": denominator}  # fmt: skip
    indicator = fake(unit="%", is_count=False)
    shown = suppress(indicator, IndicatorResult(value=None, disaggregations={"x": cells}))
    for key, cell in shown["disaggregations"]["x"].items():
        original = cells[key]
        if 0 < original["numerator"] < 5 or 0 < original["denominator"] < 5:
            assert cell["value"] is None
        if cell["value"] is not None:
            assert cell["numerator"] == original["numerator"] >= 0
            assert cell["denominator"] == original["denominator"]


def test_report_build_queries_do_not_grow_with_rows(
    cast, make_survivor, records, django_assert_max_num_queries
):
    """No per-row queries: the same number of queries for 2 survivors as for 12."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def populate(count):
        for index in range(count):
            survivor = make_survivor(org=cast.ngo_a if index % 2 else cast.ngo_b)
            records.episode(survivor, "shelter", "2026-02-01")
            records.episode(survivor, "skills_training", "2026-02-03")
            records.referral(survivor, "completed", "2026-02-01", "2026-02-04")

    populate(2)
    with CaptureQueriesContext(connection) as few:
        report_build(scope=cast.implementer, period=Q1, public=True)
    populate(10)
    with CaptureQueriesContext(connection) as many:
        report_build(scope=cast.implementer, period=Q1, public=True)
    assert len(many) == len(few)
    services = ["SRV-1", "SRV-2", "SRV-3", "REF-0", "REF-1", "REF-2", "GOV-1", "CAP-1", "OUT-3"]
    # The nine services indicators together: a fixed, small number of queries.
    with django_assert_max_num_queries(25):
        report_build(scope=cast.implementer, period=Q1, public=False, codes=services)


def test_trend_is_suppressed_like_the_report(cast, make_survivor, records):
    survivor = make_survivor()
    records.episode(survivor, "shelter", "2026-02-01", "2026-02-10")
    periods = Q1.last(3)
    indicator = REGISTRY["SRV-1"]
    assert trend_build(indicator, cast.thailand, periods, public=False) == [
        ("2025-Q3", 0), ("2025-Q4", 0), ("2026-Q1", 1),
    ]  # fmt: skip
    assert trend_build(indicator, cast.thailand, periods, public=True)[-1] == ("2026-Q1", SMALL)


def test_trends_agree_with_compute(cast, make_survivor, records):
    """Each services indicator's one-query trend gives, per period, the headline `compute`
    gives for that period."""
    from ctip.cases.models import StatedInterest
    from ctip.indicators.engine import compute

    for index in range(7):
        survivor = make_survivor(org=cast.ngo_a if index % 2 else cast.ngo_b)
        month = index % 6 + 1
        records.episode(survivor, "shelter", f"2025-{month + 6:02d}-01", f"2026-0{month}-15")
        records.episode(survivor, "skills_training", f"2026-0{month}-02",
                        provider=cast.gov_provider if index % 3 else None)  # fmt: skip
        records.referral(survivor, "completed", f"2026-0{month}-01", f"2026-0{month}-0{month + 1}")
        records.referral(survivor, "declined", f"2025-1{index % 3}-01")
        if index % 2:
            StatedInterest.objects.create(
                survivor=survivor, interest="skills_training", stated_on=dt.date(2026, 3, 1)
            )
    periods = Period.parse("2026-Q2").last(4)
    mine = ("SRV-1", "SRV-2", "SRV-3", "REF-0", "REF-1", "REF-2", "GOV-1", "CAP-1", "OUT-3")
    for code in mine:
        indicator = REGISTRY[code]
        trend = indicator.trend(cast.thailand, periods)
        for period, point in zip(periods, trend, strict=True):
            full = compute(indicator, cast.thailand, period)
            assert (point.value, point.numerator, point.denominator) == (
                full.value,
                full.numerator,
                full.denominator,
            ), (code, period.label)
