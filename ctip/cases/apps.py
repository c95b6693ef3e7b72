from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "ctip.cases"
    label = "cases"
    verbose_name = "Cases"
