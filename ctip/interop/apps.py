from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "ctip.interop"
    label = "interop"
    verbose_name = "Imports and exports"
