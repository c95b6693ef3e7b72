from django.urls import path

from ctip.indicators import views

app_name = "indicators"

urlpatterns = [
    path("indicators/", views.indicators_page, name="page"),
    path("indicators/export/", views.indicators_export, name="export"),
]
