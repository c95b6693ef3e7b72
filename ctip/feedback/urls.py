from django.urls import path, re_path

from ctip.feedback.views import public, staff

app_name = "feedback"

SLUG = r"(?P<slug>[-a-z0-9_]+)"

urlpatterns = [
    # Anonymous (no trace: see views/public.py). /f/status comes before /f/<slug>.
    re_path(r"^f/status/?$", public.any_status, name="any_status"),
    re_path(rf"^f/{SLUG}/?$", public.feedback_form, name="form"),
    re_path(rf"^f/{SLUG}/status/?$", public.channel_status, name="channel_status"),
    re_path(rf"^f/{SLUG}/poster/?$", public.poster, name="poster"),
    # Staff.
    path("feedback/", staff.feedback_list, name="list"),
    path("feedback/dashboard/", staff.dashboard, name="dashboard"),
    path("feedback/changes/", staff.action_list, name="action_list"),
    path("feedback/changes/new/", staff.action_create_view, name="action_create"),
    path("feedback/changes/<uuid:uuid>/", staff.action_detail, name="action_detail"),
    path("feedback/channels/", staff.channel_list, name="channel_list"),
    path("feedback/channels/new/", staff.channel_create_view, name="channel_create"),
    path("feedback/channels/<slug:slug>/", staff.channel_detail, name="channel_detail"),
    path("feedback/channels/<slug:slug>/edit/", staff.channel_edit, name="channel_edit"),
    path("feedback/channels/<slug:slug>/sheets/", staff.sheets_print, name="sheets_print"),
    path("feedback/paper/", staff.paper_entry, name="paper_entry"),
    path("feedback/<uuid:uuid>/", staff.feedback_detail, name="detail"),
]
