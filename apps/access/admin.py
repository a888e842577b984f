from django.contrib import admin

from .models import EntityMembership


@admin.register(EntityMembership)
class EntityMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "legal_entity", "created_at")
    list_filter = ("legal_entity",)
    search_fields = ("user__username", "legal_entity__code")
    list_select_related = ("user", "legal_entity")
