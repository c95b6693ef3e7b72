from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "ctip.followup"
    label = "followup"
    verbose_name = "Follow-up and outcomes"
