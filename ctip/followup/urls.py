from django.urls import path

from ctip.followup import views

app_name = "followup"

outcomes = "survivors/<str:code>/outcomes/"

urlpatterns = [
    path("followup/", views.worklist, name="worklist"),
    path("followup/<uuid:uuid>/record/", views.record, name="record"),
    path("followup/cohorts/", views.cohort_list, name="cohort_list"),
    path("followup/cohorts/new/", views.cohort_create, name="cohort_create"),
    path("followup/cohorts/<int:pk>/", views.cohort_detail, name="cohort_detail"),
    path("followup/settings/", views.settings_page, name="settings"),
    path("followup/instruments/", views.instruments, name="instruments"),
    path(outcomes, views.timeline, name="timeline"),
    path(f"{outcomes}schedule/", views.schedule_plan, name="schedule_plan"),
    path(f"{outcomes}followups/new/", views.followup_create, name="followup_create"),
    path(f"{outcomes}contacts/new/", views.route_create, name="route_create"),
    path(f"{outcomes}contacts/<int:pk>/", views.route_edit, name="route_edit"),
    path(f"{outcomes}attempts/new/", views.attempt_create, name="attempt_create"),
    path(f"{outcomes}events/new/", views.outcome_create, name="outcome_create"),
    path(f"{outcomes}assessments/new/", views.assessment_create, name="assessment_create"),
]
