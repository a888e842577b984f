from django.contrib import admin

from apps.common.http import client_ip

from .models import CatalogEntry
from .services import catalog_entry_delete, catalog_entry_save, catalog_entry_snapshot


@admin.register(CatalogEntry)
class CatalogEntryAdmin(admin.ModelAdmin):
    """Edited here by configurers; every save and delete goes through the audited services."""

    list_display = ("name", "kind", "owning_domain", "owning_team", "classification", "consumers")
    list_filter = ("kind", "classification", "owning_domain")
    search_fields = ("name", "owning_team", "consumers", "note")

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._catalog_before = catalog_entry_snapshot(obj)  # content as loaded, for the audit's "before"
        return obj

    def save_model(self, request, obj, form, change):
        catalog_entry_save(entry=obj, actor=request.user, before=getattr(obj, "_catalog_before", None),
                           ip_address=client_ip(request))

    def delete_model(self, request, obj):
        catalog_entry_delete(entry=obj, actor=request.user, ip_address=client_ip(request))

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
