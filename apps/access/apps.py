from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs) -> None:
    """Keep role groups in step with the access matrix after every migrate (documented in docs/signals.md).

    Runs after each app's post_migrate (not only ours), because an app's permissions exist only once
    its own post_migrate has run; the sync is idempotent and cheap.
    """
    from apps.access.services import roles_sync

    roles_sync()


class AccessConfig(AppConfig):
    name = "apps.access"
    label = "access"
    verbose_name = "Access control"

    def ready(self) -> None:
        from . import schema  # noqa: F401 - registers the OpenAPI description of token authentication

        post_migrate.connect(_sync_roles, dispatch_uid="finsync-roles-sync")
        # After every app's admin module was imported (admin autodiscovery runs in the admin's ready(),
        # which comes before ours in INSTALLED_APPS).
        from .admin_scoping import admin_scope_registry

        admin_scope_registry()
