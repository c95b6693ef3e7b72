from django.urls import path

from ctip.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.home, name="home"),
]
