"""Stand-ins for the external systems FinSync talks to (ERP, Coupa, treasury, bank), served under /sandbox/.

Each model is what the imitated system would hold on its side. Documents that FinSync creates carry
the `Idempotency-Key` of the request that created them in a unique column, so a repeat can never be
stored twice, not even when two requests race.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from apps.common.money import CurrencyField, MoneyField

from .choices import BankFileFormat, BankFileKind, CoupaResource, SandboxSystem, TreasuryResource

RATE = {"max_digits": 5, "decimal_places": 4, "default": 0, "validators": [MinValueValidator(0), MaxValueValidator(1)]}


def _rate_constraint(field: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=models.Q(**{f"{field}__gte": 0, f"{field}__lte": 1}),
                                  name=f"faultprofile_{field}_0_1")


class FaultProfile(models.Model):
    """How badly one sandbox system behaves: errors, latency, throttling, outages and bad data.

    Deterministic: the n-th request to a system draws from `Random(f"{seed}:{system}:{n}")`, so the same
    seed and the same sequence of requests give the same faults on every run.
    """

    system = models.CharField(max_length=20, choices=SandboxSystem.choices, unique=True)
    enabled = models.BooleanField(default=True)
    seed = models.PositiveIntegerField(default=0)
    error_rate = models.DecimalField(**RATE, help_text="share of requests → 500")
    latency_ms = models.PositiveIntegerField(default=0, help_text="added to every request")
    rate_limit_rate = models.DecimalField(**RATE, help_text="share of requests → 429 Too Many Requests")
    retry_after_seconds = models.PositiveIntegerField(default=30, help_text="Retry-After sent with a 429")
    outage_from = models.DateTimeField(null=True, blank=True, help_text="from here until `outage_until`: 503")
    outage_until = models.DateTimeField(null=True, blank=True)
    duplicate_rate = models.DecimalField(**RATE, help_text="share of listed records delivered twice")
    out_of_order = models.BooleanField(default=False, help_text="shuffle the records of each listed page")
    malformed_rate = models.DecimalField(**RATE, help_text="share of listed records with a broken field")
    request_count = models.PositiveBigIntegerField(default=0, editable=False,
                                                   help_text="requests drawn so far (drives the seeded random)")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["system"]
        constraints = [
            _rate_constraint("error_rate"), _rate_constraint("rate_limit_rate"), _rate_constraint("duplicate_rate"),
            _rate_constraint("malformed_rate"),
            models.CheckConstraint(condition=models.Q(outage_from__isnull=True) | models.Q(outage_until__isnull=True)
                                   | models.Q(outage_until__gt=models.F("outage_from")),
                                   name="faultprofile_outage_window_ordered"),
        ]

    def __str__(self) -> str:
        return f"faults of {self.get_system_display()}"

    def in_outage(self, now) -> bool:
        started = self.outage_from is not None and self.outage_from <= now
        return started and (self.outage_until is None or now < self.outage_until)


class SandboxClient(models.Model):
    """An OAuth2 client registered with a sandbox system (for Coupa: the API key is `client_secret`)."""

    system = models.CharField(max_length=20, choices=SandboxSystem.choices)
    client_id = models.CharField(max_length=80, unique=True)
    client_secret = models.CharField(max_length=120)
    active = models.BooleanField(default=True, help_text="off = credentials revoked: the token endpoint says 401")
    token_lifetime_seconds = models.PositiveIntegerField(default=3600)

    class Meta:
        ordering = ["system", "client_id"]

    def __str__(self) -> str:
        return f"{self.system}:{self.client_id}"


class SandboxToken(models.Model):
    """An access token the sandbox issued; one row per issue, so the rows count the refreshes."""

    client = models.ForeignKey(SandboxClient, on_delete=models.CASCADE, related_name="tokens")
    token = models.CharField(max_length=80, unique=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked = models.BooleanField(default=False)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"token #{self.pk} of {self.client}"


class IdempotentDocument(models.Model):
    """A document created by a POST that may carry an Idempotency-Key: unique, so never stored twice."""

    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    request_hash = models.CharField(max_length=64, blank=True, help_text="sha256 of the request that created it")
    repeats = models.PositiveIntegerField(default=0, help_text="repeats refused as duplicates")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class ErpJournalEntry(IdempotentDocument):
    """A posted accounting document in the ERP (S/4HANA journal entry: header plus items as received)."""

    company_code = models.CharField(max_length=10)
    fiscal_year = models.PositiveSmallIntegerField()
    document_type = models.CharField(max_length=4)
    document_date = models.DateField()
    posting_date = models.DateField()
    reference = models.CharField(max_length=40, blank=True, help_text="DocumentReferenceID")
    header_text = models.CharField(max_length=60, blank=True)
    items = models.JSONField(default=list)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "ERP journal entries"

    def __str__(self) -> str:
        return f"{self.company_code} {self.accounting_document}/{self.fiscal_year}"

    @property
    def accounting_document(self) -> str:
        return str(4_900_000_000 + self.pk)


class ErpSupplier(IdempotentDocument):
    """A supplier business partner in the ERP (A_Supplier); `data` keeps the posted body whole."""

    name = models.CharField(max_length=160)
    country = models.CharField(max_length=2, blank=True)
    vat_registration = models.CharField(max_length=40, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def number(self) -> str:
        return str(1_000_000 + self.pk).zfill(10)


class ErpPayment(models.Model):
    """An outgoing payment document in the ERP, whose status a bank rejection is written back to."""

    reference = models.CharField(max_length=35, unique=True, help_text="payment reference = end-to-end id")
    company_code = models.CharField(max_length=10)
    supplier_name = models.CharField(max_length=160)
    amount = MoneyField()
    currency = CurrencyField()
    status = models.CharField(max_length=20, default="SENT")
    status_reason = models.CharField(max_length=140, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference"]

    def __str__(self) -> str:
        return self.reference


class ErpPaymentStatusUpdate(IdempotentDocument):
    """One status write-back to an ERP payment (e.g. REJECTED with the bank's reason)."""

    payment = models.ForeignKey(ErpPayment, on_delete=models.CASCADE, related_name="status_updates")
    status = models.CharField(max_length=20)
    reason_code = models.CharField(max_length=10, blank=True)
    reason_text = models.CharField(max_length=140, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.payment} → {self.status}"


class CoupaObject(models.Model):
    """A record of the Coupa-shaped procurement suite. `data` is the JSON Coupa would show, minus
    id and timestamps. Timestamps have whole seconds, like Coupa's, so ties are normal."""

    resource = models.CharField(max_length=20, choices=CoupaResource.choices)
    coupa_id = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["resource", "updated_at", "coupa_id"]
        constraints = [models.UniqueConstraint(fields=["resource", "coupa_id"], name="coupaobject_unique_id")]
        # Serves the keyset listing: WHERE resource = ? AND updated_at > ? ORDER BY updated_at, coupa_id.
        indexes = [models.Index(fields=["resource", "updated_at", "coupa_id"], name="coupaobject_keyset")]

    def __str__(self) -> str:
        return f"{self.resource}#{self.coupa_id}"


class TreasuryObject(models.Model):
    """A payment or cash position in the Kyriba-shaped treasury system (read by FinSync)."""

    resource = models.CharField(max_length=20, choices=TreasuryResource.choices)
    uuid = models.UUIDField(unique=True)
    updated_at = models.DateTimeField()
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["resource", "updated_at", "uuid"]
        # Serves the keyset listing: WHERE resource = ? AND updateDateTime > ? ORDER BY updated_at, uuid.
        indexes = [models.Index(fields=["resource", "updated_at", "uuid"], name="treasuryobject_keyset")]

    def __str__(self) -> str:
        return f"{self.resource} {self.uuid}"


class TreasuryCommitment(IdempotentDocument):
    """A cash-forecast commitment (an approved invoice that will be paid), as posted by FinSync."""

    reference = models.CharField(max_length=60)
    company_code = models.CharField(max_length=10)
    amount = MoneyField()
    currency = CurrencyField()
    value_date = models.DateField()
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount} {self.currency}"


class BankFile(IdempotentDocument):
    """A file on the bank channel: statements and status reports to download, payment orders uploaded."""

    kind = models.CharField(max_length=20, choices=BankFileKind.choices)
    format = models.CharField(max_length=10, choices=BankFileFormat.choices)
    filename = models.CharField(max_length=120)
    content = models.TextField()
    message_id = models.CharField(max_length=35, blank=True)
    end_to_end_ids = models.JSONField(default=list, blank=True)
    status_for = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="status_reports", help_text="the upload a pain.002 answers")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["filename"], name="bankfile_unique_filename")]
        # Serves the download listing: WHERE kind = ? AND id > ? ORDER BY id.
        indexes = [models.Index(fields=["kind", "id"], name="bankfile_listing")]

    def __str__(self) -> str:
        return self.filename


class SandboxEvent(models.Model):
    """An event in an operations system's outbox (Stripe-style `/v1/events`): what its webhooks announce,
    also readable by polling, so a receiver can catch up on deliveries it missed."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=60)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
