from django.apps import AppConfig


class CloseConfig(AppConfig):
    name = "apps.close"
    label = "close"
    verbose_name = "Period close readiness"
