"""Treasury: payment batches and instructions, and cash positions per account and currency."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.banking.models import BankStatement, CompanyBankAccount
from apps.common.models import TimeStampedModel
from apps.common.money import CurrencyField, MoneyField, currency_constraint
from apps.masterdata.models import LegalEntity, Supplier, SupplierBankAccount
from apps.procurement.models import SupplierInvoice

from .choices import BatchStatus, CashPositionKind, PaymentStatus


class PaymentBatch(TimeStampedModel):
    """A set of payments released together and sent to the bank as one pain.001 file."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="payment_batches")
    reference = models.CharField(max_length=35, unique=True, help_text="message id sent to the bank")
    debtor_account = models.ForeignKey(CompanyBankAccount, on_delete=models.PROTECT, related_name="batches")
    requested_execution_date = models.DateField()
    currency = CurrencyField()
    status = models.CharField(max_length=20, choices=BatchStatus.choices, default=BatchStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-requested_execution_date", "reference"]
        verbose_name_plural = "payment batches"
        constraints = [
            currency_constraint("currency", "paymentbatch_currency_iso"),
            # Segregation of duties in the database too: the creator never releases.
            models.CheckConstraint(
                condition=models.Q(released_by__isnull=True)
                | models.Q(created_by__isnull=True)
                | ~models.Q(released_by=models.F("created_by")),
                name="paymentbatch_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class PaymentInstruction(TimeStampedModel):
    """One payment to one creditor. Its end-to-end id travels to the bank and back on statements."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="payments")
    batch = models.ForeignKey(PaymentBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    supplier_bank_account = models.ForeignKey(SupplierBankAccount, null=True, blank=True, on_delete=models.PROTECT)
    invoice = models.ForeignKey(SupplierInvoice, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="payments")
    end_to_end_id = models.CharField(max_length=35, unique=True)
    instruction_id = models.CharField(max_length=35, blank=True)
    idempotency_key = models.CharField(max_length=80, unique=True, help_text="makes a retried create harmless")
    amount = MoneyField()
    currency = CurrencyField()
    creditor_name = models.CharField(max_length=140)
    creditor_iban = models.CharField("creditor IBAN", max_length=34, blank=True)
    creditor_bic = models.CharField("creditor BIC", max_length=11, blank=True)
    creditor_account_number = models.CharField(max_length=34, blank=True)
    remittance_info = models.CharField(max_length=140, blank=True)
    requested_date = models.DateField()
    status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
    status_reason_code = models.CharField(max_length=10, blank=True)
    status_reason_text = models.CharField(max_length=255, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_date", "end_to_end_id"]
        constraints = [
            currency_constraint("currency", "payment_currency_iso"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [
            # Serves reconciliation: open payments by amount.
            models.Index(fields=["status", "amount"], name="payment_status_amount_idx"),
        ]

    def __str__(self) -> str:
        return self.end_to_end_id


class CashPosition(models.Model):
    """An account's balance at a moment: booked end-of-day, intraday, or forecast. Kept as history."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="cash_positions")
    bank_account = models.ForeignKey(CompanyBankAccount, on_delete=models.PROTECT, related_name="positions")
    currency = CurrencyField()
    kind = models.CharField(max_length=10, choices=CashPositionKind.choices)
    position_date = models.DateField()
    as_of = models.DateTimeField()
    amount = MoneyField()
    source_statement = models.ForeignKey(BankStatement, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["bank_account", "-position_date", "-as_of"]
        constraints = [
            currency_constraint("currency", "cashposition_currency_iso"),
            models.UniqueConstraint(fields=["bank_account", "kind", "position_date", "as_of"],
                                    name="cashposition_unique_moment"),
        ]
        indexes = [
            # Serves the cash dashboard: latest position per entity and currency.
            models.Index(fields=["legal_entity", "currency", "-position_date"], name="cashposition_entity_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_account} {self.position_date} {self.amount} {self.currency}"
