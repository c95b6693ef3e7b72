from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "ctip.indicators"
    label = "indicators"
    verbose_name = "Indicators"

    def ready(self):
        from ctip.indicators import definitions  # noqa: F401  (registers every indicator)
