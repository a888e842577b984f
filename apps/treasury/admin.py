from django.contrib import admin

from apps.common.admin import ReadOnlyAdmin

from .models import CashPosition, PaymentBatch, PaymentInstruction, ReconciliationMatch, ReconciliationMatchItem


class PaymentInstructionInline(admin.TabularInline):
    model = PaymentInstruction
    extra = 0
    fields = ("end_to_end_id", "creditor_name", "creditor_iban", "amount", "currency", "status")
    readonly_fields = fields
    can_delete = False


@admin.register(PaymentBatch)
class PaymentBatchAdmin(admin.ModelAdmin):
    """Batches are created and released through FinSync's services (four eyes), so read-only here."""

    list_display = ("reference", "legal_entity", "debtor_account", "requested_execution_date", "currency", "status",
                    "created_by", "released_by")
    list_filter = ("legal_entity", "status", "currency")
    search_fields = ("reference",)
    list_select_related = ("legal_entity", "debtor_account", "created_by", "released_by")
    readonly_fields = ("status", "created_by", "released_by", "released_at", "sent_at")
    inlines = [PaymentInstructionInline]

    def has_add_permission(self, request):
        return False  # a batch added here would have no creator, so nobody would be its maker

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PaymentInstruction)
class PaymentInstructionAdmin(ReadOnlyAdmin):
    list_display = ("end_to_end_id", "legal_entity", "creditor_name", "amount", "currency", "requested_date",
                    "status", "status_reason_code")
    list_filter = ("legal_entity", "status", "currency")
    search_fields = ("end_to_end_id", "instruction_id", "creditor_name", "creditor_iban")
    date_hierarchy = "requested_date"
    list_select_related = ("legal_entity",)


@admin.register(CashPosition)
class CashPositionAdmin(ReadOnlyAdmin):
    list_display = ("bank_account", "legal_entity", "position_date", "kind", "amount", "currency", "as_of")
    list_filter = ("legal_entity", "kind", "currency")
    date_hierarchy = "position_date"
    list_select_related = ("bank_account", "legal_entity")


class ReconciliationMatchItemInline(admin.TabularInline):
    model = ReconciliationMatchItem
    extra = 0
    fields = ("statement_line", "payment", "is_active")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReconciliationMatch)
class ReconciliationMatchAdmin(ReadOnlyAdmin):
    """Matches are confirmed or undone through the audited reconciliation services, not edited here."""

    list_display = ("id", "bank_account", "legal_entity", "rule", "status", "created_at", "decided_by")
    list_filter = ("legal_entity", "rule", "status")
    date_hierarchy = "created_at"
    list_select_related = ("bank_account", "legal_entity", "decided_by")
    inlines = [ReconciliationMatchItemInline]
