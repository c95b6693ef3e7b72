from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "ctip.screening"
    label = "screening"
    verbose_name = "Identification screening"
