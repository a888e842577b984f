"""Business exceptions: first-class rows a person can filter, own, resolve and replay."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.common.models import TimeStampedModel

from .choices import KINDS, OPEN_STATUSES, ResolutionCode, Severity, Status, kind_choices


class ExceptionCase(TimeStampedModel):
    """One problem that needs a person: a failed control, a rejected delivery, a dead letter.

    The dimensions people filter by are real, indexed foreign keys. `fingerprint` groups identical
    failures (same kind, system, record type and cause); `dedup_key` makes a repeat of the same problem
    on the same subject bump `occurrence_count` instead of opening a second case.
    """

    kind = models.CharField(max_length=40, choices=kind_choices(), db_index=True)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    title = models.CharField(max_length=200)
    message = models.TextField(help_text="what went wrong, in plain words")
    details = models.JSONField(default=dict, blank=True)
    reference = models.CharField(max_length=200, blank=True, db_index=True,
                                 help_text="document number, external id or end-to-end id to search by")
    correlation_id = models.CharField(max_length=64, blank=True, db_index=True)
    # Dimensions
    legal_entity = models.ForeignKey("masterdata.LegalEntity", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="exceptions")
    bank_account = models.ForeignKey("banking.CompanyBankAccount", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="exceptions")
    supplier = models.ForeignKey("masterdata.Supplier", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="exceptions")
    payment_batch = models.ForeignKey("treasury.PaymentBatch", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="exceptions")
    period = models.ForeignKey("ledger.AccountingPeriod", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="exceptions")
    source_system = models.ForeignKey("masterdata.SourceSystem", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="exceptions")
    record_type = models.CharField(max_length=40, blank=True, db_index=True)
    sync_record = models.ForeignKey("sync.SyncRecord", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="exceptions")
    # Grouping and lifecycle
    fingerprint = models.CharField(max_length=64, db_index=True)
    dedup_key = models.CharField(max_length=64)
    occurrence_count = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    sla_due_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_exceptions")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolution_code = models.CharField(max_length=30, choices=ResolutionCode.choices, blank=True)
    resolution_note = models.TextField(blank=True)

    class Meta:
        # NULLS LAST as in exception_recent_idx: a plain "-last_seen" is DESC NULLS FIRST on PostgreSQL, which no
        # index has, so every unfiltered API page sorted all cases (7 s at 1,000,000).
        ordering = [F("last_seen").desc(nulls_last=True), "-id"]
        constraints = [
            # One open case per problem and subject: repeats bump the count (see services.exception_raise).
            models.UniqueConstraint(fields=["dedup_key"], condition=models.Q(status__in=OPEN_STATUSES),
                                    name="exception_one_open_per_dedup_key"),
            models.CheckConstraint(condition=models.Q(occurrence_count__gte=1), name="exception_count_positive"),
        ]
        indexes = [
            # The workbench's default view: open cases of some entities, newest first.
            models.Index(fields=["status", "legal_entity", "-last_seen"], name="exception_open_entity_idx"),
            models.Index(fields=["fingerprint", "status"], name="exception_fingerprint_idx"),
            # The workbench list's default order (listing.SORTS "-last_seen": DESC NULLS LAST, id DESC), walked
            # from the top and filtered, so the first page of a broad filter reads ~50 rows, not 250,000:
            # open cases (the default view) and every status (a status filter that includes closed cases).
            models.Index(F("last_seen").desc(nulls_last=True), F("id").desc(), condition=Q(status__in=OPEN_STATUSES),
                         name="exception_open_recent_idx"),
            models.Index(F("last_seen").desc(nulls_last=True), F("id").desc(), name="exception_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def kind_info(self):
        return KINDS.get(self.kind)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now) -> bool:
        return self.is_open and self.sla_due_at is not None and self.sla_due_at < now


class OpenExceptionTally(models.Model):
    """Open cases counted per (legal entity, kind, first-seen day): what the exception dashboards group by,
    kept by the exception services (apps.exceptions.tally) in the transaction of every change to the set of
    open cases, so the widgets sum a few thousand rows instead of scanning ~250,000 open cases per request.

    Append-only deltas: a new open case inserts +1, a closed one −1, and `tally_compact` folds the rows into
    one per key now and then (days older than the dashboards' oldest age bound into one row per entity and
    kind). Concurrent writers therefore never wait on one hot counter row, and the true count of a key is the
    sum of its rows. `manage.py exception_tally --rebuild` recounts it from the exceptions table.
    """

    legal_entity = models.ForeignKey("masterdata.LegalEntity", null=True, blank=True, on_delete=models.DO_NOTHING,
                                     db_constraint=False, related_name="+")
    kind = models.CharField(max_length=40)
    day = models.DateField(help_text="UTC date of the cases' first_seen (the compacted past: OLD_DAY)")
    n = models.IntegerField(help_text="change in the number of open cases (+1 opened, −1 closed; summed)")

    class Meta:
        ordering = ["day", "id"]

    def __str__(self) -> str:
        return f"{self.legal_entity_id or '-'} {self.kind} {self.day}: {self.n:+d}"
