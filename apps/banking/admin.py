from django.contrib import admin

from apps.common.admin import ReadOnlyAdmin

from .models import BankFileUpload, BankStatement, CompanyBankAccount, StatementFile, StatementLine


@admin.register(CompanyBankAccount)
class CompanyBankAccountAdmin(admin.ModelAdmin):
    list_display = ("name", "legal_entity", "bank", "iban", "account_number", "currency", "is_active")
    list_filter = ("legal_entity", "bank", "currency", "is_active")
    search_fields = ("name", "iban", "account_number")
    list_select_related = ("legal_entity", "bank")


@admin.register(StatementFile)
class StatementFileAdmin(ReadOnlyAdmin):
    list_display = ("filename", "format", "channel", "size", "created_at")
    list_filter = ("format", "channel")
    search_fields = ("filename", "sha256")


class StatementLineInline(admin.TabularInline):
    model = StatementLine
    extra = 0
    fields = ("line_no", "booking_date", "credit_debit", "amount", "currency", "counterparty_name",
              "end_to_end_id", "reconciliation_status")
    readonly_fields = fields
    can_delete = False


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdmin):
    list_display = ("statement_id", "bank_account", "legal_entity", "kind", "format", "to_date", "opening_balance",
                    "closing_balance", "currency")
    list_filter = ("legal_entity", "kind", "format", "currency")
    search_fields = ("statement_id", "bank_account__iban", "bank_account__account_number")
    date_hierarchy = "to_date"
    list_select_related = ("bank_account", "legal_entity")
    inlines = [StatementLineInline]


@admin.register(StatementLine)
class StatementLineAdmin(ReadOnlyAdmin):
    list_display = ("statement", "line_no", "booking_date", "credit_debit", "amount", "currency",
                    "counterparty_name", "end_to_end_id", "reconciliation_status")
    list_filter = ("credit_debit", "reconciliation_status", "currency")
    search_fields = ("end_to_end_id", "bank_reference", "counterparty_name", "remittance_info")
    list_select_related = ("statement__bank_account",)


@admin.register(BankFileUpload)
class BankFileUploadAdmin(ReadOnlyAdmin):
    """Uploads are made on the bank files page or the API and end by themselves."""

    list_display = ("id", "filename", "legal_entity", "status", "format", "statements_created", "uploaded_by",
                    "created_at")
    list_filter = ("status", "format", "legal_entity")
    list_select_related = ("legal_entity", "uploaded_by")
    search_fields = ("filename", "sha256")
    readonly_fields = [f.name for f in BankFileUpload._meta.fields]
