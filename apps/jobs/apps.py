from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "apps.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        # Each app registers its job handlers in its own `jobs.py` (like admin.py): import them all.
        autodiscover_modules("jobs")
