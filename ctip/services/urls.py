from django.urls import path

from ctip.services import views

app_name = "services"

plan = "survivors/<str:code>/plan/"

urlpatterns = [
    path(plan, views.case_plan, name="case_plan"),
    path(f"{plan}episodes/new/", views.episode_create, name="episode_create"),
    path(f"{plan}episodes/<uuid:uuid>/edit/", views.episode_edit, name="episode_edit"),
    path(f"{plan}episodes/<uuid:uuid>/close/", views.episode_close_view, name="episode_close"),
    path(
        f"{plan}episodes/<uuid:uuid>/livelihood/",
        views.episode_livelihood,
        name="episode_livelihood",
    ),
    path(f"{plan}referrals/new/", views.referral_create, name="referral_create"),
    path(f"{plan}transfer/", views.transfer_create, name="transfer_create"),
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/<uuid:uuid>/", views.referral_detail, name="referral_detail"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/accept/", views.transfer_accept_view, name="transfer_accept"),
    path("transfers/<int:pk>/decline/", views.transfer_decline_view, name="transfer_decline"),
    path("transfers/<int:pk>/cancel/", views.transfer_cancel_view, name="transfer_cancel"),
    path("providers/", views.provider_list, name="provider_list"),
    path("providers/<str:code>/", views.provider_detail, name="provider_detail"),
    path("services/types/help/", views.type_help, name="type_help"),
    path("services/livelihood/", views.livelihood, name="livelihood"),
]
