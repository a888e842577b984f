"""The pipeline's memory: every record received or to be delivered, and every attempt at it."""

from __future__ import annotations

import uuid

from django.db import models

from apps.common.models import TimeStampedModel

from .choices import ACTIVE_STATUSES, AttemptOutcome, Direction, RecordStatus


def new_correlation_id() -> str:
    return uuid.uuid4().hex


class SyncRecord(TimeStampedModel):
    """One business object travelling through FinSync: stored whole on receipt, never lost.

    `idempotency_key` is unique: the same object received twice is one record. `correlation_id`
    follows the business transaction across every hop (procurement → ERP → treasury → bank).
    """

    direction = models.CharField(max_length=10, choices=Direction.choices)
    connector = models.ForeignKey("connectors.Connector", on_delete=models.PROTECT, related_name="records",
                                  db_index=False,  # syncrecord_source_idx leads with it
                                  help_text="where it came from (inbound) or where it goes (outbound)")
    flow = models.CharField(max_length=60)
    object_type = models.CharField(max_length=40)
    external_id = models.CharField(max_length=200, blank=True)
    payload = models.JSONField()
    content_hash = models.CharField(max_length=64)
    idempotency_key = models.CharField(max_length=200)  # unique: Meta.constraints
    correlation_id = models.CharField(max_length=64, default=new_correlation_id)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    legal_entity = models.ForeignKey("masterdata.LegalEntity", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    status = models.CharField(max_length=12, choices=RecordStatus.choices, default=RecordStatus.RECEIVED)
    canonical = models.JSONField(null=True, blank=True)
    mapping_version = models.ForeignKey("mappings.MappingVersion", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    retry_until = models.DateTimeField(null=True, blank=True, help_text="business cut-off for retries")
    delivered_at = models.DateTimeField(null=True, blank=True)
    target_external_id = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(blank=True)
    edited_payload = models.JSONField(null=True, blank=True, help_text="payload as corrected by a user for replay")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweeper and claimers: records still awaiting work, by due time.
            models.Index(fields=["status", "next_attempt_at"], name="syncrecord_active_idx",
                         condition=models.Q(status__in=ACTIVE_STATUSES)),
            models.Index(fields=["connector", "object_type", "-created_at"], name="syncrecord_source_idx"),
            # Plain btree indexes, declared here rather than with db_index/unique on the fields, which on
            # PostgreSQL add a second `varchar_pattern_ops` index per text column for LIKE 'x%' that nothing
            # runs. Every claim and every delivery rewrites a record's index entries (status is indexed, so no
            # HOT update): 19 indexes became 13 (docs/PIPELINE.md, "Where the time goes").
            models.Index(fields=["flow"], name="syncrecord_flow_idx"),
            models.Index(fields=["object_type"], name="syncrecord_object_type_idx"),
            models.Index(fields=["external_id"], name="syncrecord_external_id_idx"),
            models.Index(fields=["correlation_id"], name="syncrecord_correlation_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["idempotency_key"], name="syncrecord_idempotency_key_unique")]

    def __str__(self) -> str:
        return f"{self.flow} {self.external_id or self.pk}"

    @property
    def effective_payload(self) -> dict:
        return self.edited_payload if self.edited_payload is not None else self.payload


class SyncAttempt(models.Model):
    """One try at processing a record. History is never rewritten: a replay is a new attempt."""

    record = models.ForeignKey(SyncRecord, on_delete=models.CASCADE, related_name="attempts",
                               db_index=False)  # attempt_unique_number (record, number) leads with it
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices, blank=True)
    error = models.TextField(blank=True)
    mapping_version = models.ForeignKey("mappings.MappingVersion", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    retry_after_ms = models.PositiveIntegerField(null=True, blank=True)
    worker = models.CharField(max_length=120, blank=True)
    replay = models.BooleanField(default=False)

    class Meta:
        ordering = ["record", "number"]
        constraints = [models.UniqueConstraint(fields=["record", "number"], name="attempt_unique_number")]

    def __str__(self) -> str:
        return f"{self.record} try {self.number}"


class RefusedInboundEvent(models.Model):
    """Refused webhook deliveries are counted here (no payload is kept): forged, stale or unsigned."""

    connector = models.ForeignKey("connectors.Connector", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20)
    received_at = models.DateTimeField(auto_now_add=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.connector_id} {self.reason}"


