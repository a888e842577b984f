from django.contrib import admin

from apps.common.admin import ReadOnlyAdmin

from .models import PayloadEdit, SavedView


@admin.register(PayloadEdit)
class PayloadEditAdmin(ReadOnlyAdmin):
    """Payload edits are proposed and approved on the exception page (four-eyes services), never here."""

    list_display = ("id", "record", "number", "status", "proposed_by", "reviewed_by", "created_at")
    list_filter = ("status",)
    list_select_related = ("record", "proposed_by", "reviewed_by")


@admin.register(SavedView)
class SavedViewAdmin(ReadOnlyAdmin):
    list_display = ("name", "owner", "shared", "query", "updated_at")
    list_filter = ("shared",)
    search_fields = ("name",)
