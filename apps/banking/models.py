"""Company bank accounts and what the banks say about them: statement files, statements and lines."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.common.models import TimeStampedModel
from apps.common.money import CurrencyField, MoneyField, currency_constraint, non_negative_constraint
from apps.masterdata.models import Bank, LegalEntity
from apps.masterdata.validators import validate_bic

from .choices import (
    UPLOAD_BADGE_COLOURS,
    CreditDebit,
    EntryStatus,
    FileChannel,
    ReconciliationStatus,
    StatementKind,
    UploadStatus,
)


class CompanyBankAccount(TimeStampedModel):
    """An account a legal entity holds at a bank, in one currency."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="bank_accounts")
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="company_accounts")
    name = models.CharField(max_length=120, help_text="e.g. EUR operating account")
    iban = models.CharField("IBAN", max_length=34, blank=True)
    bic = models.CharField("BIC", max_length=11, blank=True, validators=[validate_bic])
    account_number = models.CharField(max_length=34, blank=True, help_text="as the bank writes it in files")
    routing_number = models.CharField(max_length=20, blank=True)
    currency = CurrencyField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["legal_entity", "name"]
        constraints = [
            currency_constraint("currency", "companybankaccount_currency_iso"),
            models.UniqueConstraint(fields=["iban"], condition=~models.Q(iban=""), name="companybankaccount_iban"),
            models.UniqueConstraint(
                fields=["account_number", "currency"],
                condition=~models.Q(account_number=""),
                name="companybankaccount_number_currency",
            ),
            models.CheckConstraint(
                condition=~models.Q(iban="") | ~models.Q(account_number=""), name="companybankaccount_identified"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.iban or self.account_number})"

    @property
    def identifier(self) -> str:
        return self.iban or self.account_number


class StatementFile(TimeStampedModel):
    """A bank file as received (statement or status report), kept whole so nothing is ever lost.

    The bytes are its ``chunks`` (``StatementFileChunk``), written and read piece by piece
    (apps/banking/filestore.py), so a 200 MB file is kept without ever being held in memory.
    """

    sha256 = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    format = models.CharField(max_length=20, blank=True)
    channel = models.CharField(max_length=20, choices=FileChannel.choices)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename


class StatementFileChunk(models.Model):
    """One consecutive piece of a kept bank file's bytes (``filestore.CHUNK_BYTES``, the last one shorter)."""

    file = models.ForeignKey(StatementFile, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["file", "number"]
        constraints = [
            # The file's bytes are its chunks in this order; the unique index also serves reading them.
            models.UniqueConstraint(fields=["file", "number"], name="statementfilechunk_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.file} #{self.number}"


class BankStatement(TimeStampedModel):
    """One account's statement for a period, from a camt/MT940/BAI2 file."""

    bank_account = models.ForeignKey(CompanyBankAccount, on_delete=models.PROTECT, related_name="statements")
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    source_file = models.ForeignKey(StatementFile, null=True, blank=True, on_delete=models.PROTECT)
    kind = models.CharField(max_length=20, choices=StatementKind.choices, default=StatementKind.BOOKED)
    format = models.CharField(max_length=20)
    statement_id = models.CharField(max_length=120, help_text="the bank's statement id")
    sequence_number = models.CharField(max_length=40, blank=True)
    currency = CurrencyField()
    from_date = models.DateField(null=True, blank=True)
    to_date = models.DateField(null=True, blank=True, db_index=True)
    opening_balance = MoneyField(null=True, blank=True)
    closing_balance = MoneyField(null=True, blank=True)
    available_balance = MoneyField(null=True, blank=True)
    created_at_bank = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["bank_account", "-to_date", "-id"]
        constraints = [
            currency_constraint("currency", "bankstatement_currency_iso"),
            # Idempotent import: a statement is stored once, whichever file carries it.
            models.UniqueConstraint(fields=["bank_account", "kind", "statement_id"], name="bankstatement_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_account} {self.statement_id}"


class StatementLine(models.Model):
    """One entry of a statement: money in or out of the account."""

    # No index of its own: the unique (statement, line_no) serves every lookup by statement.
    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="lines", db_index=False)
    line_no = models.PositiveIntegerField()
    amount = MoneyField()
    currency = CurrencyField()
    credit_debit = models.CharField(max_length=4, choices=CreditDebit.choices)
    reversal = models.BooleanField(default=False)
    status = models.CharField(max_length=4, choices=EntryStatus.choices, default=EntryStatus.BOOKED)
    booking_date = models.DateField(null=True, blank=True, db_index=True)
    value_date = models.DateField(null=True, blank=True)
    bank_reference = models.CharField(max_length=120, blank=True)
    end_to_end_id = models.CharField(max_length=120, blank=True)  # indexed in Meta (equality only, no LIKE)
    counterparty_name = models.CharField(max_length=200, blank=True)
    counterparty_account = models.CharField(max_length=64, blank=True)
    remittance_info = models.TextField(blank=True)
    bank_transaction_code = models.CharField(max_length=64, blank=True)
    reconciliation_status = models.CharField(
        max_length=12, choices=ReconciliationStatus.choices, default=ReconciliationStatus.UNMATCHED
    )

    class Meta:
        ordering = ["statement", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "line_no"], name="statementline_unique_no"),
            currency_constraint("currency", "statementline_currency_iso"),
            non_negative_constraint("amount", "statementline_amount_non_negative"),
        ]
        indexes = [
            # Serves reconciliation: open lines by amount. Partial, so that a line the run matches (a million in
            # one bulk run) leaves the index instead of gaining an entry.
            models.Index(fields=["amount"], name="statementline_open_amt_idx",
                         condition=models.Q(reconciliation_status__in=[ReconciliationStatus.UNMATCHED,
                                                                     ReconciliationStatus.AMBIGUOUS])),
            # Serves reconciliation rule 1 and the lookups by end-to-end id (equality: no pattern-ops twin).
            models.Index(fields=["end_to_end_id"], name="statementline_e2e_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.statement} #{self.line_no}"

    @property
    def signed_amount(self):
        return self.amount if self.credit_debit == CreditDebit.CREDIT else -self.amount


class BankFileUpload(TimeStampedModel):
    """One file a person uploaded on the bank files page (or through the API), and what its import did.

    The bytes wait in its ``chunks`` (``BankFileUploadChunk``) until the background import has read
    them; afterwards they live on the ``StatementFile`` (the evidence) and the chunks are deleted. The
    figures are the per-file summary people see.
    """

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=20, choices=FileChannel.choices, default=FileChannel.UPLOAD)
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=UploadStatus.choices, default=UploadStatus.PENDING)
    format = models.CharField(max_length=20, blank=True)
    statements_created = models.PositiveIntegerField(default=0)
    statements_duplicate = models.PositiveIntegerField(default=0)
    entries = models.PositiveIntegerField(default=0, help_text="statement entries, or pain.002 transactions")
    exceptions_raised = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True, help_text="what happened, in plain words")
    statement_file = models.ForeignKey(StatementFile, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Serves the upload history: an entity's uploads, newest first.
            models.Index(fields=["legal_entity", "-created_at"], name="bankfileupload_entity_idx"),
            # Serves the import job: its files still waiting.
            models.Index(fields=["job", "status"], name="bankfileupload_job_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display().lower()})"

    @property
    def badge_colour(self) -> str:
        return UPLOAD_BADGE_COLOURS[self.status]


class BankFileUploadChunk(models.Model):
    """One consecutive piece of an uploaded file's bytes, waiting for the background import."""

    upload = models.ForeignKey(BankFileUpload, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["upload", "number"]
        constraints = [
            # The upload's bytes are its chunks in this order; the unique index also serves reading them.
            models.UniqueConstraint(fields=["upload", "number"], name="bankfileuploadchunk_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.upload} #{self.number}"
