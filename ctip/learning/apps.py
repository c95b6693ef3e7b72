from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "ctip.learning"
    label = "learning"
    verbose_name = "Learning"
