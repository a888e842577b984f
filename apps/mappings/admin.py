from django.contrib import admin

from .models import Mapping, MappingVersion


class MappingVersionInline(admin.TabularInline):
    model = MappingVersion
    extra = 0
    fields = ("number", "status", "effective_from", "proposed_by", "proposed_at", "reviewed_by", "reviewed_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Mapping)
class MappingAdmin(admin.ModelAdmin):
    """Versions are proposed and approved through FinSync's maker-checker services, not edited here."""

    list_display = ("source_system", "object_type", "canonical_type", "description")
    list_filter = ("source_system", "canonical_type")
    search_fields = ("object_type", "canonical_type", "description")
    inlines = [MappingVersionInline]
