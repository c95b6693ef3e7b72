from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "ctip.evidence"
    label = "evidence"
    verbose_name = "Evidence library"
