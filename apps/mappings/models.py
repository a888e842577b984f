"""Governed mappings: per source system and object type, versioned, effective-dated, approved by a
second person. Only the approved version in effect runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.common.models import TimeStampedModel
from apps.masterdata.models import SourceSystem

from .choices import VersionStatus


class Mapping(TimeStampedModel):
    """How one kind of record from one system becomes one canonical object."""

    source_system = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="mappings")
    object_type = models.CharField(max_length=40, help_text="source stream, e.g. invoice, supplier, event")
    canonical_type = models.CharField(max_length=40, help_text="canonical object, e.g. journal_entry")
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["source_system", "object_type"]
        constraints = [models.UniqueConstraint(fields=["source_system", "object_type"], name="mapping_unique")]

    def __str__(self) -> str:
        return f"{self.source_system.code}:{self.object_type} → {self.canonical_type}"


class MappingVersion(TimeStampedModel):
    """One version of a mapping's rules: field paths, transforms and value crosswalks (see engine.py)."""

    mapping = models.ForeignKey(Mapping, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    spec = models.JSONField()
    schema_version = models.CharField(max_length=10, default="v1", help_text="canonical schema version produced")
    status = models.CharField(max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    effective_from = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["mapping", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["mapping", "number"], name="mappingversion_unique_number"),
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True) | models.Q(proposed_by__isnull=True)
                | ~models.Q(approved_by=models.F("proposed_by")),
                name="mappingversion_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mapping} v{self.number}"
