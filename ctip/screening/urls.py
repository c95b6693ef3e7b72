from django.urls import path

from ctip.screening import public, views

app_name = "screening"

urlpatterns = [
    # The person alone (no trace: see public.py).
    path("screen/audio/<str:lang>/<slug:clip>.wav", public.self_audio, name="self_audio"),
    path("screen/<str:code>/", public.self_screen, name="self_screen"),
    # Staff.
    path("screening/", views.screen_list, name="screen_list"),
    path("screening/new/", views.screen_create, name="screen_create"),
    path("screening/counts/", views.screen_counts, name="counts"),
    path("screening/rule/", views.rule_page, name="rule"),
    path("screening/<int:pk>/", views.screen_detail, name="screen_detail"),
    path("screening/<int:pk>/refer/", views.screen_refer_view, name="screen_refer"),
    path("screening/<int:pk>/decline/", views.screen_decline_view, name="screen_decline"),
    path("frameworks/", views.framework_list, name="framework_list"),
    path("frameworks/new/", views.framework_create_view, name="framework_create"),
    path("frameworks/<int:pk>/edit/", views.framework_edit, name="framework_edit"),
    path("frameworks/<str:code>/", views.framework_country, name="framework_country"),
]
