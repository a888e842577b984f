from django.contrib import admin

from apps.common.admin import ReadOnlyAdmin

from .models import Connector, ConnectorCursor, ConnectorRun


@admin.register(Connector)
class ConnectorAdmin(admin.ModelAdmin):
    """Secrets are never shown here: they are set through `manage.py set_connector_secret` or the API."""

    list_display = ("code", "name", "kind", "adapter", "enabled", "circuit_state", "auth_state", "last_success_at",
                    "last_error_at")
    list_filter = ("kind", "enabled", "circuit_state", "auth_state")
    search_fields = ("code", "name", "base_url")
    list_select_related = ("system",)
    readonly_fields = ("circuit_state", "circuit_opened_at", "consecutive_failures", "auth_state", "last_success_at",
                       "last_error_at", "last_error")
    exclude = ("credentials_encrypted", "webhook_secret_encrypted")


@admin.register(ConnectorCursor)
class ConnectorCursorAdmin(ReadOnlyAdmin):
    list_display = ("connector", "stream", "position", "updated_at")
    list_filter = ("connector",)


@admin.register(ConnectorRun)
class ConnectorRunAdmin(ReadOnlyAdmin):
    list_display = ("connector", "trigger", "status", "started_at", "finished_at", "read", "stored", "duplicates",
                    "rejected", "failed")
    list_filter = ("connector", "trigger", "status")
    date_hierarchy = "started_at"
    list_select_related = ("connector",)
