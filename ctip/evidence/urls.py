from django.urls import path

from ctip.evidence import views

app_name = "evidence"

urlpatterns = [
    path("evidence/", views.study_list, name="study_list"),
    path("evidence/map/", views.gap_map, name="gap_map"),
    path("evidence/new/", views.study_create, name="study_create"),
    path("evidence/<uuid:uuid>/", views.study_detail, name="study_detail"),
    path("evidence/<uuid:uuid>/edit/", views.study_edit, name="study_edit"),
    path("evidence/<uuid:uuid>/appraise/", views.appraisal_create, name="appraisal_create"),
]
