"""`/api/v1/`: DRF routes. Scoping, audit and permissions live in each app's `api.py`."""

from rest_framework.routers import DefaultRouter

from ctip.cases.api import NeedViewSet, SurvivorViewSet
from ctip.core.api import OrganisationViewSet

router = DefaultRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("survivors", SurvivorViewSet, basename="survivor")
router.register("needs", NeedViewSet, basename="need")
urlpatterns = router.urls
