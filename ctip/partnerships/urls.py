from django.urls import include, path
from rest_framework.routers import DefaultRouter

from ctip.partnerships import api, views

app_name = "partnerships"

router = DefaultRouter()
router.include_root_view = False
router.register("companies", api.CompanyViewSet, basename="api-company")
router.register("engagements", api.EngagementViewSet, basename="api-engagement")

E = "partnerships/engagements/<uuid:uuid>"

urlpatterns = [
    path("partnerships/", views.dashboard, name="dashboard"),
    path("partnerships/board/", views.board, name="board"),
    path("partnerships/companies/", views.company_list, name="company_list"),
    path("partnerships/companies/new/", views.company_create, name="company_create"),
    path("partnerships/companies/<uuid:uuid>/", views.company_detail, name="company_detail"),
    path("partnerships/companies/<uuid:uuid>/edit/", views.company_edit, name="company_edit"),
    path("partnerships/companies/<uuid:uuid>/target/", views.company_target, name="company_target"),
    path(
        "partnerships/companies/<uuid:uuid>/contacts/new/",
        views.contact_create,
        name="contact_create",
    ),
    path(
        "partnerships/companies/<uuid:uuid>/engage/",
        views.engagement_create,
        name="engagement_create",
    ),
    path(f"{E}/", views.engagement_detail, name="engagement_detail"),
    path(f"{E}/edit/", views.engagement_edit, name="engagement_edit"),
    path(f"{E}/move/", views.engagement_move, name="engagement_move"),
    path(f"{E}/drafts/new/", views.draft_edit, name="draft_create"),
    path(f"{E}/drafts/<uuid:draft>/", views.draft_edit, name="draft_edit"),
    path(f"{E}/openings/<uuid:opening>/", views.opening_detail, name="opening_detail"),
    path(f"{E}/concerns/new/", views.concern_create, name="concern_create"),
    path(f"{E}/<slug:kind>/new/", views.engagement_add, name="engagement_add"),
    path("partnerships/activities/<uuid:uuid>/edit/", views.activity_edit, name="activity_edit"),
    path("partnerships/documents/<uuid:uuid>/", views.document_download, name="document_download"),
    path("partnerships/concerns/", views.concern_list, name="concern_list"),
    path("partnerships/concerns/<uuid:uuid>/", views.concern_detail, name="concern_detail"),
    path("partnerships/funding/", views.funding, name="funding"),
    path("partnerships/stakeholders/", views.stakeholders, name="stakeholders"),
    path("api/v1/partnerships/", include(router.urls)),
]
