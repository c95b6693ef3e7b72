from django.urls import path

from ctip.learning import views

app_name = "learning"

urlpatterns = [
    path("learning/", views.dashboard, name="dashboard"),
    path("learning/domains/", views.domain_list, name="domain_list"),
    path("learning/domains/<int:pk>/", views.domain_edit, name="domain_edit"),
    path("learning/stories/", views.story_list, name="story_list"),
    path("learning/stories/new/", views.story_create, name="story_create"),
    path("learning/stories/<uuid:uuid>/", views.story_detail, name="story_detail"),
    path("learning/stories/<uuid:uuid>/verify/", views.story_verify, name="story_verify"),
    path("learning/choices/<uuid:uuid>/feedback/", views.choice_feedback, name="choice_feedback"),
    path("learning/rounds/", views.round_list, name="round_list"),
    path("learning/rounds/new/", views.round_create, name="round_create"),
    path("learning/rounds/<uuid:uuid>/", views.round_detail, name="round_detail"),
    path("learning/sessions/", views.session_list, name="session_list"),
    path("learning/sessions/new/", views.session_create, name="session_create"),
    path("learning/sessions/<uuid:uuid>/", views.session_detail, name="session_detail"),
    path("learning/actions/", views.action_list, name="action_list"),
    path("learning/actions/<uuid:uuid>/", views.action_update, name="action_update"),
    path("learning/questions/", views.question_list, name="question_list"),
    path("learning/questions/new/", views.question_create, name="question_create"),
    path("learning/questions/<uuid:uuid>/", views.question_detail, name="question_detail"),
    path("learning/evaluations/", views.evaluation_list, name="evaluation_list"),
    path("learning/evaluations/new/", views.evaluation_create, name="evaluation_create"),
    path("learning/evaluations/<uuid:uuid>/", views.evaluation_detail, name="evaluation_detail"),
    path("learning/evaluations/<uuid:uuid>/edit/", views.evaluation_edit, name="evaluation_edit"),
]
