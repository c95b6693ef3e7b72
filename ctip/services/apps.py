from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "ctip.services"
    label = "services"
    verbose_name = "Services and referrals"
