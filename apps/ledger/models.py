"""The general ledger's canonical shape: chart of accounts, cost centers, periods and journals."""

from __future__ import annotations

from django.db import models

from apps.common.models import TimeStampedModel
from apps.common.money import (
    RATE_DECIMAL_PLACES,
    RATE_MAX_DIGITS,
    CurrencyField,
    MoneyField,
    currency_constraint,
    non_negative_constraint,
)
from apps.masterdata.models import LegalEntity, SourceSystem

from .choices import AccountType, JournalStatus, PeriodStatus


class GLAccount(TimeStampedModel):
    """A general-ledger account of one entity's chart of accounts."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="gl_accounts")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    account_type = models.CharField(max_length=20, choices=AccountType.choices)
    is_active = models.BooleanField(default=True)
    allows_posting = models.BooleanField(default=True, help_text="False for summary accounts")

    class Meta:
        ordering = ["legal_entity", "code"]
        verbose_name = "GL account"
        constraints = [models.UniqueConstraint(fields=["legal_entity", "code"], name="glaccount_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CostCenter(TimeStampedModel):
    """A cost center of one entity (where costs are owned and budgeted)."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="cost_centers")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["legal_entity", "code"]
        constraints = [models.UniqueConstraint(fields=["legal_entity", "code"], name="costcenter_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AccountingPeriod(TimeStampedModel):
    """A fiscal period of one entity; postings are allowed only while it is open."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="periods")
    fiscal_year = models.PositiveSmallIntegerField()
    number = models.PositiveSmallIntegerField(help_text="1-12, 13 for adjustments")
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN)

    class Meta:
        ordering = ["legal_entity", "-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["legal_entity", "fiscal_year", "number"], name="period_unique"),
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="period_dates"),
            models.CheckConstraint(condition=models.Q(number__gte=1, number__lte=13), name="period_number_range"),
        ]

    def __str__(self) -> str:
        return f"{self.legal_entity.code} {self.fiscal_year}-{self.number:02d}"

    @property
    def label(self) -> str:
        return f"{self.fiscal_year}-{self.number:02d}"

    def contains(self, day) -> bool:
        return self.start_date <= day <= self.end_date


class JournalEntry(TimeStampedModel):
    """A journal entry (accounting document) to be posted to, or posted in, the general ledger."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="journal_entries")
    number = models.CharField(max_length=40)
    posting_date = models.DateField(db_index=True)
    document_date = models.DateField()
    period = models.ForeignKey(AccountingPeriod, null=True, blank=True, on_delete=models.PROTECT)
    description = models.CharField(max_length=255, blank=True)
    source_system = models.ForeignKey(SourceSystem, null=True, blank=True, on_delete=models.PROTECT)
    status = models.CharField(max_length=10, choices=JournalStatus.choices, default=JournalStatus.DRAFT)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-posting_date", "number"]
        verbose_name_plural = "journal entries"
        constraints = [models.UniqueConstraint(fields=["legal_entity", "number"], name="journal_number_unique")]

    def __str__(self) -> str:
        return f"{self.legal_entity.code} {self.number}"


class JournalLine(models.Model):
    """One debit or credit line of a journal, in transaction currency and in the entity's currency."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField()
    account = models.ForeignKey(GLAccount, on_delete=models.PROTECT)
    cost_center = models.ForeignKey(CostCenter, null=True, blank=True, on_delete=models.PROTECT)
    description = models.CharField(max_length=255, blank=True)
    currency = CurrencyField()
    debit = MoneyField(default=0)
    credit = MoneyField(default=0)
    fx_rate = models.DecimalField(max_digits=RATE_MAX_DIGITS, decimal_places=RATE_DECIMAL_PLACES, default=1)
    functional_debit = MoneyField(default=0)
    functional_credit = MoneyField(default=0)
    tax_code = models.CharField(max_length=10, blank=True)
    intercompany_entity = models.ForeignKey(
        LegalEntity, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["entry", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "line_no"], name="journalline_unique_no"),
            currency_constraint("currency", "journalline_currency_iso"),
            non_negative_constraint("debit", "journalline_debit_non_negative"),
            non_negative_constraint("credit", "journalline_credit_non_negative"),
            non_negative_constraint("functional_debit", "journalline_fdebit_non_negative"),
            non_negative_constraint("functional_credit", "journalline_fcredit_non_negative"),
            models.CheckConstraint(condition=models.Q(fx_rate__gt=0), name="journalline_fx_rate_positive"),
            # A line is a debit or a credit, never both.
            models.CheckConstraint(
                condition=models.Q(debit=0) | models.Q(credit=0), name="journalline_debit_xor_credit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry} #{self.line_no}"
