from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "ctip.feedback"
    label = "feedback"
    verbose_name = "Anonymous feedback"
