"""Writes for SLAs: propose a new version (one person), approve or reject it (another), through the
governance services that enforce capability and segregation of duties and write the audit rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from django.db import transaction

from apps.access.roles import Capability
from apps.access.selectors import can, entity_ids
from apps.audit.services import audit_record
from apps.common.errors import DomainError, PermissionDenied
from apps.governance import services as governance

from .choices import SlaFlow
from .models import SlaDefinition, SlaVersion


@dataclass(frozen=True)
class SlaTerms:
    """What an SLA version promises (validated by `sla_propose`)."""

    target_seconds: int
    warning_seconds: int
    compliance_pct: Decimal = Decimal(95)
    statement_due_local: time | None = None
    statement_business_days_only: bool = True
    poll_connector: object | None = None
    poll_max_gap_minutes: int | None = None


def _validate(flow: str, terms: SlaTerms) -> None:
    problems = []
    if terms.target_seconds <= 0:
        problems.append("The latency target must be more than zero.")
    if not 0 < terms.warning_seconds <= terms.target_seconds:
        problems.append("The warning threshold must be more than zero and at most the target.")
    if not Decimal(0) < terms.compliance_pct <= Decimal(100):
        problems.append("The share that must meet the target is between 0 and 100 %.")
    if terms.statement_due_local is not None and flow != SlaFlow.BANK_STATEMENT:
        problems.append("A statement deadline belongs to the bank statement ingestion flow.")
    if (terms.poll_connector is None) != (terms.poll_max_gap_minutes is None):
        problems.append("A poll freshness target needs both the connector and the longest gap.")
    if terms.poll_max_gap_minutes is not None and terms.poll_max_gap_minutes <= 0:
        problems.append("The longest gap between successful polls must be at least one minute.")
    if problems:
        raise DomainError(" ".join(problems), code="invalid_sla")


@transaction.atomic
def sla_propose(*, flow: str, legal_entity, terms: SlaTerms, change_note: str, actor,
                effective_from: datetime | None = None, ip_address: str | None = None) -> SlaVersion:
    """Propose new terms for the SLA of `flow` in `legal_entity`: a new version, awaiting a second person."""
    if not can(actor, Capability.CONFIGURE):
        raise PermissionDenied("Your role does not allow configuring SLAs.")
    if legal_entity.pk not in entity_ids(actor):
        raise DomainError("No such legal entity.", code="not_found")
    if flow not in SlaFlow.values:
        raise DomainError(f"{flow!r} is not a flow with a service level.", code="invalid_flow")
    _validate(flow, terms)
    definition, created = SlaDefinition.objects.get_or_create(flow=flow, legal_entity=legal_entity)
    if created:
        audit_record(action="sla.definition_created", actor=actor, obj=definition, legal_entity=legal_entity,
                     after={"flow": flow}, ip_address=ip_address)
    # The definition's row lock serialises numbering; the (definition, number) constraint backs it.
    definition = SlaDefinition.objects.select_for_update().get(pk=definition.pk)
    version = SlaVersion.objects.create(
        definition=definition, number=governance.version_number_next(SlaVersion, definition),
        target_seconds=terms.target_seconds, warning_seconds=terms.warning_seconds,
        compliance_pct=terms.compliance_pct, statement_due_local=terms.statement_due_local,
        statement_business_days_only=terms.statement_business_days_only, poll_connector=terms.poll_connector,
        poll_max_gap_minutes=terms.poll_max_gap_minutes, effective_from=effective_from, change_note=change_note)
    return governance.version_propose(version=version, actor=actor, note=change_note, ip_address=ip_address)


def _in_scope(version: SlaVersion, actor) -> None:
    if version.definition.legal_entity_id not in entity_ids(actor):
        raise DomainError("No such SLA version.", code="not_found")


def sla_approve(*, version: SlaVersion, actor, note: str = "", ip_address: str | None = None) -> SlaVersion:
    _in_scope(version, actor)
    return governance.version_approve(version=version, actor=actor, note=note, ip_address=ip_address)


def sla_reject(*, version: SlaVersion, actor, note: str, ip_address: str | None = None) -> SlaVersion:
    _in_scope(version, actor)
    return governance.version_reject(version=version, actor=actor, note=note, ip_address=ip_address)


def sla_withdraw(*, version: SlaVersion, actor, ip_address: str | None = None) -> SlaVersion:
    _in_scope(version, actor)
    return governance.version_withdraw(version=version, actor=actor, ip_address=ip_address)
