"""Governed mappings: per source system and object type, versioned, effective-dated, approved by a
second person. Only the approved version in effect runs."""

from __future__ import annotations

from django.db import models

from apps.access.roles import Capability
from apps.common.models import TimeStampedModel
from apps.governance.models import GovernedVersion
from apps.masterdata.models import SourceSystem


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


class MappingVersion(GovernedVersion):
    """One version of a mapping's rules: field paths, transforms and value crosswalks (see engine.py).

    Proposed by one person and approved by another (apps.governance); only the approved version in
    effect runs, and every attempt stores the version it used."""

    approve_capability = Capability.APPROVE_MAPPINGS
    governed_parent_field = "mapping"

    mapping = models.ForeignKey(Mapping, on_delete=models.PROTECT, related_name="versions")
    spec = models.JSONField()
    schema_version = models.CharField(max_length=10, default="v1", help_text="canonical schema version produced")

    class Meta(GovernedVersion.Meta):
        ordering = ["mapping", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["mapping", "number"], name="mappingversion_unique_number"),
            *GovernedVersion.Meta.constraints,
        ]

    def __str__(self) -> str:
        return f"{self.mapping} v{self.number}"
