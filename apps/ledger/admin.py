from django.contrib import admin

from .models import AccountingPeriod, CostCenter, GLAccount, JournalEntry, JournalLine


@admin.register(GLAccount)
class GLAccountAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "legal_entity", "account_type", "is_active", "allows_posting")
    list_filter = ("legal_entity", "account_type", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("legal_entity",)


@admin.register(CostCenter)
class CostCenterAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "legal_entity", "is_active")
    list_filter = ("legal_entity", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("legal_entity",)


@admin.register(AccountingPeriod)
class AccountingPeriodAdmin(admin.ModelAdmin):
    list_display = ("legal_entity", "label", "start_date", "end_date", "status")
    list_filter = ("legal_entity", "status", "fiscal_year")
    list_select_related = ("legal_entity",)


class JournalLineInline(admin.TabularInline):
    model = JournalLine
    extra = 0
    fields = ("line_no", "account", "cost_center", "currency", "debit", "credit", "functional_debit",
              "functional_credit", "intercompany_entity")
    autocomplete_fields = ("account", "cost_center")


@admin.register(JournalEntry)
class JournalEntryAdmin(admin.ModelAdmin):
    list_display = ("number", "legal_entity", "posting_date", "description", "source_system", "status")
    list_filter = ("legal_entity", "status", "source_system", "period")
    search_fields = ("number", "description")
    date_hierarchy = "posting_date"
    list_select_related = ("legal_entity", "source_system")
    inlines = [JournalLineInline]
