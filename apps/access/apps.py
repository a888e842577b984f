from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs) -> None:
    """Keep role groups in step with the access matrix after every migrate (documented in docs/signals.md)."""
    from apps.access.services import roles_sync

    roles_sync()


class AccessConfig(AppConfig):
    name = "apps.access"
    label = "access"
    verbose_name = "Access control"

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="finsync-roles-sync")
