from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ctip.core"
    label = "core"
    verbose_name = "ctip core"

    def ready(self):
        from ctip.core import signals  # noqa: F401  (login/logout audit hooks)
