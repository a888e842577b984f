"""What the workbench stores of its own: payload corrections under four-eyes, and saved views."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.access.roles import Capability
from apps.common.models import TimeStampedModel
from apps.governance.models import GovernedVersion


class PayloadEdit(GovernedVersion):
    """A person's correction of a record's payload, replayed only once someone else approves it.

    The record's original payload is never changed: the correction is kept here, numbered per record,
    beside a copy of what it replaced, and becomes the record's `edited_payload` on approval.
    """

    approve_capability = Capability.REPLAY
    governed_parent_field = "record"

    record = models.ForeignKey("sync.SyncRecord", on_delete=models.PROTECT, related_name="payload_edits")
    case = models.ForeignKey("exceptions.ExceptionCase", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="payload_edits", help_text="the exception it was proposed from")
    legal_entity = models.ForeignKey("masterdata.LegalEntity", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    payload_before = models.JSONField(help_text="the payload this edit replaces (original or an earlier edit)")
    payload = models.JSONField(help_text="the corrected payload")
    version_choice = models.CharField(max_length=10, default="current",
                                      help_text="mapping version to replay with: original or current")

    class Meta(GovernedVersion.Meta):
        ordering = ["record", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="payloadedit_unique_number"),
            *GovernedVersion.Meta.constraints,
        ]
        indexes = [
            # "Edits waiting for me": proposed edits, oldest first.
            models.Index(fields=["status", "created_at"], name="payloadedit_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Edit {self.number} of record {self.record_id}"


class SavedView(TimeStampedModel):
    """A named set of workbench filters (the query string), personal or shared with everyone."""

    name = models.CharField(max_length=80)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    query = models.CharField(max_length=2000, blank=True, help_text="the filter part of the workbench URL")
    shared = models.BooleanField(default=False, help_text="visible to every user (each still sees only their entities)")

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="savedview_unique_name_per_owner")]
        indexes = [
            # The dropdown: my views plus shared ones.
            models.Index(fields=["shared", "name"], name="savedview_shared_idx"),
        ]

    def __str__(self) -> str:
        return self.name
