from django.contrib import admin

from apps.common.admin import ReadOnlyAdmin

from . import services
from .models import (
    BankFile,
    CoupaObject,
    ErpJournalEntry,
    ErpPayment,
    ErpSupplier,
    FaultProfile,
    SandboxClient,
    TreasuryCommitment,
    TreasuryObject,
)


@admin.register(FaultProfile)
class FaultProfileAdmin(admin.ModelAdmin):
    """Fault injection per sandbox system; saving goes through the same service (and audit) as the API."""

    list_display = ("system", "enabled", "error_rate", "latency_ms", "rate_limit_rate", "retry_after_seconds",
                    "outage_from", "outage_until", "duplicate_rate", "out_of_order", "malformed_rate")
    list_filter = ("enabled", "system")
    search_fields = ("system",)
    readonly_fields = ("request_count", "updated_at")

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in services.FAULT_FIELDS}
        services.fault_profile_update(profile=obj, changes=changes, actor=request.user)


@admin.register(SandboxClient)
class SandboxClientAdmin(admin.ModelAdmin):
    list_display = ("client_id", "system", "active", "token_lifetime_seconds")
    list_filter = ("system", "active")
    search_fields = ("client_id",)
    exclude = ("client_secret",)


@admin.register(ErpJournalEntry)
class ErpJournalEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "company_code", "fiscal_year", "document_type", "posting_date", "reference", "repeats")
    list_filter = ("company_code", "document_type")
    search_fields = ("reference", "idempotency_key")


@admin.register(ErpSupplier)
class ErpSupplierAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "country", "vat_registration", "repeats")
    search_fields = ("name", "vat_registration")


@admin.register(ErpPayment)
class ErpPaymentAdmin(ReadOnlyAdmin):
    list_display = ("reference", "company_code", "supplier_name", "amount", "currency", "status")
    list_filter = ("status", "company_code")
    search_fields = ("reference", "supplier_name")


@admin.register(CoupaObject)
class CoupaObjectAdmin(ReadOnlyAdmin):
    list_display = ("resource", "coupa_id", "created_at", "updated_at")
    list_filter = ("resource",)
    search_fields = ("=coupa_id",)


@admin.register(TreasuryObject)
class TreasuryObjectAdmin(ReadOnlyAdmin):
    list_display = ("resource", "uuid", "updated_at")
    list_filter = ("resource",)
    search_fields = ("=uuid",)


@admin.register(TreasuryCommitment)
class TreasuryCommitmentAdmin(ReadOnlyAdmin):
    list_display = ("reference", "company_code", "amount", "currency", "value_date", "repeats")
    search_fields = ("reference",)


@admin.register(BankFile)
class BankFileAdmin(ReadOnlyAdmin):
    list_display = ("filename", "kind", "format", "message_id", "created_at")
    list_filter = ("kind", "format")
    search_fields = ("filename", "message_id")
