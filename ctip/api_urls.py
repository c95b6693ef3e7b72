"""`/api/v1/`: DRF routes. Scoping, audit and permissions live in each app's `api.py`."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from ctip.cases.api import NeedViewSet, SurvivorViewSet
from ctip.core.api import OrganisationViewSet
from ctip.followup.api import (
    AssessmentViewSet,
    FollowUpViewSet,
    InstrumentViewSet,
    OutcomeEventViewSet,
)
from ctip.indicators.api import IndicatorReportView
from ctip.services.api import EpisodeViewSet, ReferralViewSet

router = DefaultRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("survivors", SurvivorViewSet, basename="survivor")
router.register("needs", NeedViewSet, basename="need")
router.register("episodes", EpisodeViewSet, basename="episode")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("followups", FollowUpViewSet, basename="followup")
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("outcome-events", OutcomeEventViewSet, basename="outcome-event")
router.register("instruments", InstrumentViewSet, basename="instrument")
urlpatterns = [
    path("indicators/", IndicatorReportView.as_view(), name="indicators-report"),
    *router.urls,
]
