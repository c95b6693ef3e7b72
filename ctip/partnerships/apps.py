from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "ctip.partnerships"
    label = "partnerships"
    verbose_name = "Private-sector partnerships"
