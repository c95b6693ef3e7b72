from django.urls import path

from ctip.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.home, name="home"),
    path("survivors/", views.survivor_list, name="survivor_list"),
    path("survivors/export/", views.survivor_export, name="survivor_export"),
    path("survivors/new/", views.survivor_create, name="survivor_create"),
    path("survivors/<str:code>/", views.survivor_detail, name="survivor_detail"),
    path("survivors/<str:code>/edit/", views.survivor_edit, name="survivor_edit"),
    path("survivors/<str:code>/consents/new/", views.consent_create, name="consent_create"),
    path("survivors/<str:code>/needs/new/", views.need_create, name="need_create"),
    path("survivors/<str:code>/needs/<uuid:need>/status/", views.need_status, name="need_status"),
    path("survivors/<str:code>/interests/new/", views.interest_create, name="interest_create"),
    path("survivors/<str:code>/close/", views.survivor_close, name="survivor_close"),
    path("survivors/<str:code>/reopen/", views.survivor_reopen, name="survivor_reopen"),
]
