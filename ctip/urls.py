from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("", include("ctip.cases.urls")),
    path("", include("ctip.core.urls")),
    path("", include("ctip.services.urls")),
    path("", include("ctip.followup.urls")),
    path("", include("ctip.feedback.urls")),
    path("", include("ctip.screening.urls")),
    path("", include("ctip.partnerships.urls")),
    path("", include("ctip.evidence.urls")),
    path("", include("ctip.learning.urls")),
    path("", include("ctip.indicators.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("ctip.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
