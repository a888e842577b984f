"""The interface catalog: the inventory a finance IT lead uses to rationalise interfaces during an ERP migration."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from apps.common.models import TimeStampedModel
from apps.mappings import schemas

from .choices import BADGE_COLOURS, Classification, InterfaceKind


def validate_schema_refs(value) -> None:
    """A list of "<canonical object> <version>" that exist, e.g. ["journal_entry v1"]."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError('Give a list of canonical objects with their schema version, e.g. ["supplier v1"].')
    known = {f"{t} {v}" for t, v in schemas.available()}
    unknown = [v for v in value if v not in known]
    if unknown:
        raise ValidationError(f"Unknown canonical schema {', '.join(unknown)}; known: {', '.join(sorted(known))}.")


class CatalogEntry(TimeStampedModel):
    """One interface — a connector to an external system, or a flow through FinSync — with who owns it, which
    canonical objects (and schema versions) it produces and consumes, who consumes its output, and what the
    migration will do with it."""

    kind = models.CharField(max_length=10, choices=InterfaceKind.choices)
    name = models.CharField(max_length=120, unique=True)
    connector = models.OneToOneField("connectors.Connector", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="catalog_entry")
    flow = models.CharField(max_length=60, blank=True, help_text="flow name (apps/sync/flows.py)")
    owning_domain = models.CharField(max_length=60, help_text="e.g. Record to report, Procure to pay")
    owning_team = models.CharField(max_length=60)
    produces = models.JSONField(default=list, blank=True, validators=[validate_schema_refs],
                                help_text='canonical objects it produces, e.g. ["supplier_invoice v1"]')
    consumes = models.JSONField(default=list, blank=True, validators=[validate_schema_refs],
                                help_text='canonical objects it consumes, e.g. ["journal_entry v1"]')
    consumers = models.CharField(max_length=255, blank=True, help_text="who uses its output")
    classification = models.CharField(max_length=10, choices=Classification.choices, default=Classification.RETAIN)
    note = models.TextField(blank=True, help_text="why this classification; the target design or replacement")

    class Meta:
        ordering = ["kind", "name"]
        verbose_name_plural = "catalog entries"
        constraints = [
            # A connector entry names its connector; a flow entry names its flow.
            models.CheckConstraint(
                condition=(models.Q(kind=InterfaceKind.CONNECTOR, connector__isnull=False, flow="")
                           | models.Q(kind=InterfaceKind.FLOW, connector__isnull=True) & ~models.Q(flow="")),
                name="catalogentry_kind_subject"),
            models.UniqueConstraint(fields=["flow"], condition=~models.Q(flow=""), name="catalogentry_unique_flow"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def badge_colour(self) -> str:
        return BADGE_COLOURS[self.classification]
