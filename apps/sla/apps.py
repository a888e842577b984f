from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "apps.sla"
    label = "sla"
    verbose_name = "Service levels"
