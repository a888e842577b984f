"""Controls admin: read-only. Settings are proposed and approved on the control pages (maker-checker), so
the admin shows every version and its trail without letting anyone edit it around the four eyes."""

from django.contrib import admin

from .models import ControlSettingsVersion


@admin.register(ControlSettingsVersion)
class ControlSettingsVersionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "legal_entity", "status", "effective_from", "proposed_by", "reviewed_by")
    list_filter = ("status", "legal_entity")
    ordering = ("legal_entity", "-number")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
