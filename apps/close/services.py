"""Exporting close-readiness evidence: the file and its audit event (with the facts' digest) together."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from apps.access.roles import Capability
from apps.access.selectors import can, entity_ids
from apps.audit.services import audit_record
from apps.common.errors import DomainError, PermissionDenied
from apps.ledger.models import AccountingPeriod

from .evidence import evidence_csv, evidence_digest, evidence_facts, evidence_pdf
from .selectors import close_readiness

FORMATS = {"csv": ("text/csv; charset=utf-8", evidence_csv), "pdf": ("application/pdf", evidence_pdf)}


@dataclass(frozen=True)
class EvidenceFile:
    filename: str
    content_type: str
    content: bytes
    digest: str


@transaction.atomic
def close_evidence_export(*, period: AccountingPeriod, fmt: str, actor,
                          ip_address: str | None = None) -> EvidenceFile:
    """Check readiness now and return it as a CSV or PDF file; the export is audited with the digest."""
    if not can(actor, Capability.VIEW) or period.legal_entity_id not in entity_ids(actor):
        raise PermissionDenied("You cannot see this legal entity's close.")
    if fmt not in FORMATS:
        raise DomainError("Evidence is exported as csv or pdf.", code="invalid_format")
    readiness = close_readiness(period=period)
    facts = evidence_facts(readiness, checked_by=actor.get_username())
    digest = evidence_digest(facts)
    content_type, render = FORMATS[fmt]
    audit_record(action="close.evidence_exported", actor=actor, obj=period, legal_entity=period.legal_entity,
                 after={"format": fmt, "ready": readiness.ready, "sha256": digest,
                        "checks": {c.key: c.ok for c in readiness.checks}}, ip_address=ip_address)
    filename = f"close-readiness-{period.legal_entity.code}-{period.label}.{fmt}"
    return EvidenceFile(filename, content_type, render(facts, digest), digest)
