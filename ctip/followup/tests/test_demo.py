"""The follow-up part of the demo: years of history that the indicators can read."""

from collections import Counter

from django.utils import timezone

from ctip.core.models import Organisation
from ctip.followup.models import (
    Assessment,
    AssessmentDimension,
    Cohort,
    ContactAttempt,
    FollowUp,
    OutcomeEvent,
)
from ctip.followup.services import cohort_verify
from ctip.indicators.definitions.followup import fup1, fup2, out1, out2
from ctip.indicators.periods import Period
from ctip.interop.demo import build_demo


def test_demo_follow_up_history(db):
    build_demo(survivors=250)
    results = Counter(FollowUp.objects.values_list("result", flat=True))
    assert results["reached"] > results["not_reached"] > 0 and results["lost"] > 0
    assert FollowUp.objects.filter(status="pending").exists()
    assert FollowUp.objects.filter(status="cancelled", cancelled_reason="lost").exists()
    assert ContactAttempt.objects.exists() and OutcomeEvent.objects.exists()
    assert {"who5", "phq9", "reintegration"} <= set(
        Assessment.objects.values_list("instrument_code", flat=True)
    )
    assert AssessmentDimension.objects.filter(dimension="economic").exists()
    cohort = Cohort.objects.get()
    assert 0 < cohort.members.count() <= 50 and cohort_verify(cohort).ok
    assert set(
        FollowUp.objects.filter(survivor__cohort_memberships__cohort=cohort).values_list(
            "schedule", flat=True
        )
    ) == {"cohort"}
    # Every indicator has something to say about last year.
    last_year = str(timezone.localdate().year - 1)
    scope, period = Organisation.objects.get(code="mekong"), Period.parse(last_year)
    for compute in (fup1, fup2, out1, out2):
        result = compute(scope, period)
        assert result.value is not None and result.denominator > 0, compute.__name__
