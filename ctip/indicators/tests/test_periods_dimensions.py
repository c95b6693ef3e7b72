"""Periods, the organisation breakdown's roll-up, labels."""

import datetime as dt

from ctip.indicators.dimensions import Labels, fold_survivor_cells, organisation_units
from ctip.indicators.periods import Period


def test_last_complete_and_neighbours():
    today = dt.date(2026, 11, 23)
    assert Period.last_complete("quarter", today).label == "2026-Q3"
    assert Period.last_complete("month", dt.date(2026, 1, 3)).label == "2025-12"
    assert Period.last_complete("year", today).label == "2025"
    assert Period.parse("2026-Q1").next().label == "2026-Q2"
    assert [p.label for p in Period.parse("2026-02").last(3)] == ["2025-12", "2026-01", "2026-02"]
    recent = Period.recent(today, months=2, quarters=2, years=1)
    assert [p.label for p in recent["quarter"]] == ["2026-Q4", "2026-Q3"]
    assert [p.label for p in recent["month"]] == ["2026-11", "2026-10"]
    assert [p.label for p in recent["year"]] == ["2026"]


def test_units_roll_sites_up_to_their_partner(cast):
    units = organisation_units(cast.thailand)
    by_code = {unit.code: set(unit.ids) for unit in units}
    assert by_code["th-ngo-a"] == {cast.ngo_a.pk, cast.site_a.pk}
    assert by_code["th-ngo-b"] == {cast.ngo_b.pk}
    # Nodes above the partners and providers are cells of their own.
    assert by_code["th"] == {cast.thailand.pk}
    assert by_code["th-dsdw"] == {cast.gov_provider.pk}
    # A site's records belong to its partner even when the site itself is the scope.
    assert [(u.code, u.ids) for u in organisation_units(cast.site_a)] == [
        ("th-ngo-a", (cast.site_a.pk,))
    ]


def test_fold_survivor_cells():
    folded = fold_survivor_cells(
        {
            "sex": {"female": 3},
            "age_band": {"0-11": 1, "12-17": 2, "18-24": 4, "25-39": 0, "40+": 1, "unknown": 5},
            "nationality": {"unknown": 1, "MM": 2},
            "exploitation_set": {";labour;sexual;": 2, ";labour;": 1, "unknown": 4},
        }
    )
    assert folded["age_group"] == {"0-17": 3, "18+": 5, "unknown": 5}
    assert list(folded["nationality"]) == ["MM", "unknown"]
    assert folded["exploitation"]["labour"] == 3
    assert folded["exploitation"]["sexual"] == 2
    assert folded["exploitation"]["unknown"] == 4


def test_labels(cast):
    labels = Labels()
    assert labels.cell("sex", "female") == "Female"
    assert labels.cell("nationality", "MM") == "Myanmar"
    assert labels.cell("organisation", "th-ngo-a") == "Friends Foundation"
    assert labels.cell("service_type", "skills_training") == "Skills training"
    assert labels.cell("provider_type", "unknown") == "Unknown"
