from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "apps.banking"
    label = "banking"
    verbose_name = "Banking"
