from django.contrib import admin

from apps.common.admin import ReadOnlyAdmin

from .models import Bank, ExternalId, LegalEntity, SourceSystem, Supplier, SupplierBankAccount


@admin.register(LegalEntity)
class LegalEntityAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "country", "functional_currency", "time_zone", "is_active")
    list_filter = ("country", "functional_currency", "is_active")
    search_fields = ("code", "name", "tax_id")


@admin.register(SourceSystem)
class SourceSystemAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "vendor", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "vendor")


@admin.register(Bank)
class BankAdmin(admin.ModelAdmin):
    list_display = ("name", "bic", "country")
    list_filter = ("country",)
    search_fields = ("name", "bic")


class SupplierBankAccountInline(admin.TabularInline):
    """Shown, never edited: bank details change only through the four-eyes service (see below)."""

    model = SupplierBankAccount
    extra = 0
    fields = ("iban", "bic", "account_number", "routing_number", "currency", "status", "approved_by")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "legal_entity", "country", "tax_id", "status")
    list_filter = ("legal_entity", "country", "status")
    search_fields = ("number", "name", "tax_id", "tax_id_normalized", "bank_accounts__iban")
    list_select_related = ("legal_entity",)
    inlines = [SupplierBankAccountInline]


@admin.register(SupplierBankAccount)
class SupplierBankAccountAdmin(ReadOnlyAdmin):
    """Read-only: editing an approved IBAN here, or adding one with no requester, would pay a supplier
    to an account nobody else approved. Changes go through the supplier pages' four-eyes service."""

    list_display = ("supplier", "iban", "account_number", "currency", "status", "requested_by", "approved_by")
    list_filter = ("status", "currency", "country")
    search_fields = ("iban", "account_number", "supplier__name")
    list_select_related = ("supplier", "requested_by", "approved_by")
    readonly_fields = ("status", "requested_by", "approved_by", "approved_at")


@admin.register(ExternalId)
class ExternalIdAdmin(admin.ModelAdmin):
    list_display = ("system", "external_id", "content_type", "object_id", "created_at")
    list_filter = ("system", "content_type")
    search_fields = ("external_id",)
    list_select_related = ("system", "content_type")
