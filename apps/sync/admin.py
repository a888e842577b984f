from django.contrib import admin

from apps.common.admin import ReadOnlyAdmin

from .models import RefusedInboundEvent, SyncAttempt, SyncRecord


class SyncAttemptInline(admin.TabularInline):
    model = SyncAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "outcome", "error", "mapping_version", "latency_ms", "worker", "replay")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SyncRecord)
class SyncRecordAdmin(ReadOnlyAdmin):
    list_display = ("id", "flow", "object_type", "external_id", "connector", "legal_entity", "status",
                    "attempt_count", "created_at")
    list_filter = ("status", "flow", "direction", "connector", "legal_entity")
    search_fields = ("external_id", "correlation_id", "idempotency_key", "target_external_id")
    date_hierarchy = "created_at"
    list_select_related = ("connector", "legal_entity")
    inlines = [SyncAttemptInline]


@admin.register(RefusedInboundEvent)
class RefusedInboundEventAdmin(ReadOnlyAdmin):
    list_display = ("connector", "reason", "remote_addr", "received_at")
    list_filter = ("reason", "connector")
