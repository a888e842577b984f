from django.contrib import admin

from apps.common.admin import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "actor_label", "action", "object_type", "object_repr", "legal_entity", "ip_address")
    list_filter = ("action", "object_type", "legal_entity")
    search_fields = ("actor_label", "object_repr", "object_id", "correlation_id", "reason")
    date_hierarchy = "occurred_at"
    list_select_related = ("legal_entity",)
