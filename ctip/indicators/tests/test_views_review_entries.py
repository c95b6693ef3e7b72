"""The page renders review lists of any shape (regression: a partnership's review entry has no
survivor code or episode count and used to crash the page with a 500)."""

import pytest

from ctip.indicators.registry import REGISTRY, Indicator, IndicatorResult


def _partnership_like(scope, period):
    review = [{"company": "Andaman Seafood", "organisation": "th", "checked_on": "2026-08-01",
               "concerns": {"trust": 2.5}}]  # fmt: skip
    return IndicatorResult(value=1, numerator=1, denominator=1, review=review)


@pytest.mark.django_db
def test_review_entries_without_survivor_codes_render(cast, client_for, monkeypatch):
    indicator = Indicator(
        code="TST-9",
        name="Test review",
        unit="partnerships",
        definition="test",
        compute=_partnership_like,
        group="partnerships",
    )
    monkeypatch.setitem(REGISTRY, "TST-9", indicator)
    response = client_for(cast.me_officer).get("/indicators/", {"period": "2026-Q3", "org": "th"})
    assert response.status_code == 200
    assert "Andaman Seafood" in response.content.decode()
