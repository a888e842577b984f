from django.contrib import admin

from .models import Job, JobLogEntry


class JobLogEntryInline(admin.TabularInline):
    model = JobLogEntry
    extra = 0
    fields = ("at", "level", "message")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Read-only: jobs are started from the pages and the API, and end by themselves."""

    list_display = ("id", "label", "kind", "status", "progress_done", "progress_total", "created_by", "created_at")
    list_filter = ("status", "kind")
    list_select_related = ("created_by",)
    search_fields = ("label", "kind")
    readonly_fields = [f.name for f in Job._meta.fields]
    inlines = [JobLogEntryInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
