"""SLA admin: read-mostly. Versions are proposed and approved on the SLA pages (maker-checker), so the
admin shows them without letting anyone edit workflow fields."""

from django.contrib import admin

from .models import FlowDailyStats, SlaCheck, SlaDefinition, SlaVersion


class SlaVersionInline(admin.TabularInline):
    model = SlaVersion
    extra = 0
    can_delete = False
    fields = ("number", "status", "target_seconds", "warning_seconds", "compliance_pct", "statement_due_local",
              "poll_connector", "poll_max_gap_minutes", "effective_from", "proposed_by", "reviewed_by")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SlaDefinition)
class SlaDefinitionAdmin(admin.ModelAdmin):
    list_display = ("legal_entity", "flow", "created_at")
    list_filter = ("flow", "legal_entity")
    inlines = [SlaVersionInline]


@admin.register(SlaCheck)
class SlaCheckAdmin(admin.ModelAdmin):
    list_display = ("definition", "kind", "subject", "state", "measured", "evaluated_at")
    list_filter = ("state", "kind")


@admin.register(FlowDailyStats)
class FlowDailyStatsAdmin(admin.ModelAdmin):
    list_display = ("day", "flow", "legal_entity", "connector", "received", "delivered", "failed", "pending",
                    "within_target")
    list_filter = ("flow", "legal_entity")
    date_hierarchy = "day"
