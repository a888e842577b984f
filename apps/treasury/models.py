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
    idempotency_key = models.CharField(max_length=80, blank=True,
                                       help_text="makes a resubmitted create form or API call harmless")

    class Meta:
        ordering = ["-requested_execution_date", "reference"]
        verbose_name_plural = "payment batches"
        constraints = [
            currency_constraint("currency", "paymentbatch_currency_iso"),
            # A batch created twice from one form (double click, back + resubmit) is one batch.
            models.UniqueConstraint(fields=["idempotency_key"], condition=~models.Q(idempotency_key=""),
                                    name="paymentbatch_idempotency_key"),
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


class PaymentStatusEvent(models.Model):
    """What one bank status report (pain.002) said about one payment, and what it changed: the payment's
    status history as the bank told it."""

    payment = models.ForeignKey(PaymentInstruction, on_delete=models.CASCADE, related_name="status_events")
    report_file = models.ForeignKey("banking.StatementFile", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    report_message_id = models.CharField(max_length=35, blank=True)
    bank_status = models.CharField(max_length=4, blank=True, help_text="ACCP, ACSC, RJCT, PDNG, …")
    status_before = models.CharField(max_length=20, choices=PaymentStatus.choices)
    status_after = models.CharField(max_length=20, choices=PaymentStatus.choices)
    reason_code = models.CharField(max_length=10, blank=True)
    reason_text = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["payment", "at", "id"]

    def __str__(self) -> str:
        return f"{self.payment} {self.bank_status or '-'} {self.status_before}->{self.status_after}"


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


# --- Reconciliation -----------------------------------------------------------------------------------------
# The rule and status choices live beside the model (not in choices.py) because only the reconciliation
# engine (apps/treasury/reconciliation.py) and these two models use them.

class MatchRule(models.TextChoices):
    END_TO_END_ID = "end_to_end_id", "Same end-to-end id and amount"
    BATCH_TOTAL = "batch_total", "One line for a whole batch (one-to-many)"
    AMOUNT_DATE_COUNTERPARTY = "amount_date_counterparty", "Amount, date window and counterparty"
    SPLIT_DEBIT = "split_debit", "Several lines for one payment (many-to-one)"
    MANUAL = "manual", "Matched by a person"


class MatchStatus(models.TextChoices):
    ACTIVE = "active", "Matched"
    PROPOSED = "proposed", "Candidate (ambiguous, waiting for a person)"
    UNDONE = "undone", "Undone"
    DISMISSED = "dismissed", "Candidate dismissed"


class ReconciliationMatch(models.Model):
    """A decision that bank statement lines and payments are the same money movement, and why.

    ``reason`` records the rule and the fields it compared (values on both sides), so a person can see
    why two things were put together. Ambiguous candidates are stored as ``proposed`` matches that hold
    nothing until a person confirms one; an undone match is kept (history) and its pairs are never
    proposed again automatically.
    """

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="reconciliation_matches")
    # No index of its own: recmatch_account_status_idx (bank_account, status) serves it.
    bank_account = models.ForeignKey(CompanyBankAccount, on_delete=models.PROTECT, related_name="matches",
                                     db_index=False)
    rule = models.CharField(max_length=30, choices=MatchRule.choices)
    status = models.CharField(max_length=12, choices=MatchStatus.choices, default=MatchStatus.ACTIVE)
    reason = models.JSONField(default=dict, blank=True)
    currency = CurrencyField()
    line_total = MoneyField()
    payment_total = MoneyField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # No index on who created or decided: nothing looks matches up by user, and each index was one more entry per
    # match of a bulk run (deleting a user, rare, scans the table to set these to NULL).
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_index=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_index=False)
    note = models.TextField(blank=True, help_text="why it was confirmed or undone")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "reconciliation matches"
        constraints = [currency_constraint("currency", "reconciliationmatch_currency_iso")]
        indexes = [
            # Serves the reconciliation pages: an account's matches and candidates by status.
            models.Index(fields=["bank_account", "status"], name="recmatch_account_status_idx"),
        ]

    def __str__(self) -> str:
        return f"match #{self.pk} {self.rule} ({self.status})"

    def sides(self) -> list[ReconciliationMatchItem]:
        """The match's items one side each: its lines, then its payments (uses prefetched items)."""
        sides = [side for item in self.items.all() for side in item.sides()]
        return [s for s in sides if s.statement_line_id] + [s for s in sides if s.payment_id]

    @property
    def compared_fields(self) -> str:
        """The fields the rule compared, in words."""
        from .explain import compared_fields

        return compared_fields(self.reason)

    @property
    def compared_values(self) -> str:
        """The values it saw on both sides, in words."""
        from .explain import compared_values

        return compared_values(self.reason)


class ReconciliationMatchItem(models.Model):
    """One side of a match: a statement line or a payment; or both, for a one-to-one match found by end-to-end id
    (same id, account, currency and amount: the one ``amount`` is both sides'), so that the millions of such matches
    a bulk run writes cost one item row each, not two. ``is_active`` items hold their line and/or payment, and the
    partial unique constraints make sure each is held by one match at most. Read the sides with ``sides()``."""

    match = models.ForeignKey(ReconciliationMatch, on_delete=models.CASCADE, related_name="items")
    # Each item holds one side only, so their indexes are partial (Meta): half the entries, none of them NULL.
    statement_line = models.ForeignKey("banking.StatementLine", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="match_items", db_index=False)
    payment = models.ForeignKey(PaymentInstruction, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="match_items", db_index=False)
    amount = MoneyField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["match", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(statement_line__isnull=False) | models.Q(payment__isnull=False),
                name="recmatchitem_a_side"),
            # A line and a payment are matched once at most (also the engine's "still open?" lookups).
            models.UniqueConstraint(fields=["statement_line"],
                                    condition=models.Q(is_active=True, statement_line__isnull=False),
                                    name="recmatchitem_line_once"),
            models.UniqueConstraint(fields=["payment"], condition=models.Q(is_active=True, payment__isnull=False),
                                    name="recmatchitem_payment_once"),
        ]
        indexes = [
            # Serve a line's or a payment's match history (pages, undone pairs) and the PROTECT checks on delete.
            models.Index(fields=["statement_line"], name="recmatchitem_line_idx",
                         condition=models.Q(statement_line__isnull=False)),
            models.Index(fields=["payment"], name="recmatchitem_payment_idx",
                         condition=models.Q(payment__isnull=False)),
        ]

    def __str__(self) -> str:
        sides = [f"line {self.statement_line_id}" if self.statement_line_id else "",
                 f"payment {self.payment_id}" if self.payment_id else ""]
        return f"match {self.match_id}: {' and '.join(filter(None, sides))}"

    def sides(self) -> list[ReconciliationMatchItem]:
        """This item as one item per side (unsaved copies for an item holding both; the payment stays loaded)."""
        if not (self.statement_line_id and self.payment_id):
            return [self]
        line = ReconciliationMatchItem(id=self.id, match_id=self.match_id, statement_line_id=self.statement_line_id,
                                       amount=self.amount, is_active=self.is_active)
        if "statement_line" in self._state.fields_cache:
            line.statement_line = self.statement_line
        payment = ReconciliationMatchItem(id=self.id, match_id=self.match_id, payment_id=self.payment_id,
                                          amount=self.amount, is_active=self.is_active)
        if "payment" in self._state.fields_cache:
            payment.payment = self.payment
        return [line, payment]
