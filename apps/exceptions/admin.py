from django.contrib import admin

from apps.common.admin import ReadOnlyAdmin

from .models import ExceptionCase


@admin.register(ExceptionCase)
class ExceptionCaseAdmin(ReadOnlyAdmin):
    """Exceptions are acted on in the workbench (audited services), not edited here."""

    list_display = ("id", "title", "kind", "severity", "status", "legal_entity", "occurrence_count", "last_seen",
                    "owner")
    list_filter = ("status", "severity", "kind", "legal_entity", "source_system")
    search_fields = ("reference", "title", "message", "correlation_id")
    date_hierarchy = "last_seen"
    list_select_related = ("legal_entity", "owner")
