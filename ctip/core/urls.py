from django.contrib.auth import views as auth_views
from django.urls import path

from ctip.core import views

app_name = "core"

urlpatterns = [
    path("account/login/", views.LoginView.as_view(), name="login"),
    path("account/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/2fa/", views.two_factor, name="two_factor"),
    path("audit/", views.audit_log, name="audit_log"),
]
