"""Exception statuses, severities and the catalogue of kinds (label, default severity, blocks close)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Status(models.TextChoices):
    OPEN = "open", "Open"
    ASSIGNED = "assigned", "Assigned"
    RESOLVED = "resolved", "Resolved"
    IGNORED = "ignored", "Ignored"


OPEN_STATUSES = (Status.OPEN, Status.ASSIGNED)
TRANSITIONS = {
    Status.OPEN: {Status.ASSIGNED, Status.RESOLVED, Status.IGNORED},
    Status.ASSIGNED: {Status.OPEN, Status.ASSIGNED, Status.RESOLVED, Status.IGNORED},
    Status.RESOLVED: {Status.OPEN},
    Status.IGNORED: {Status.OPEN},
}


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class ResolutionCode(models.TextChoices):
    FIXED_AT_SOURCE = "fixed_at_source", "Fixed in the source system"
    FIXED_IN_TARGET = "fixed_in_target", "Fixed in the target system"
    REPLAYED = "replayed", "Replayed successfully"
    MASTER_DATA_CORRECTED = "master_data_corrected", "Master data corrected"
    DUPLICATE_CONFIRMED = "duplicate_confirmed", "Confirmed duplicate, no action"
    ACCEPTED_RISK = "accepted_risk", "Accepted (documented)"
    AUTO_RESOLVED = "auto_resolved", "Resolved automatically by a later success"
    OTHER = "other", "Other (see comment)"


BADGE_COLOURS = {"open": "red", "assigned": "amber", "resolved": "green", "ignored": "grey",
                 "low": "grey", "medium": "blue", "high": "amber", "critical": "red"}


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    severity: str
    technical: bool = False  # retried automatically before it became an exception
    blocks_close: bool = True


KINDS: dict[str, Kind] = {k.code: k for k in [
    Kind("technical.dead_letter", "Delivery failed after all retries", Severity.HIGH, technical=True),
    Kind("technical.unsupported", "Connector cannot do what the flow asks", Severity.HIGH, technical=True),
    Kind("connector.reauthorise", "Connector needs re-authorisation", Severity.CRITICAL, technical=True),
    Kind("record.malformed", "Malformed record", Severity.MEDIUM),
    Kind("record.no_flow", "No flow handles this record type", Severity.MEDIUM),
    Kind("mapping.missing", "No approved mapping in effect", Severity.HIGH),
    Kind("mapping.failed", "Mapping failed", Severity.MEDIUM),
    Kind("validation.schema", "Canonical object invalid", Severity.MEDIUM),
    Kind("target.rejected", "Target system refused the record", Severity.HIGH),
    Kind("journal.unbalanced", "Journal does not balance", Severity.HIGH),
    Kind("journal.closed_period", "Posting to closed period", Severity.HIGH),
    Kind("journal.unknown_account", "Unknown or inactive account or cost center", Severity.MEDIUM),
    Kind("journal.intercompany", "Intercompany legs do not balance", Severity.HIGH),
    Kind("supplier.duplicate", "Possible duplicate supplier", Severity.MEDIUM),
    Kind("supplier.master_data", "Supplier master data invalid", Severity.MEDIUM),
    Kind("supplier.bank_change", "Supplier bank account changed", Severity.CRITICAL),
    Kind("invoice.duplicate", "Possible duplicate invoice", Severity.HIGH),
    Kind("invoice.match", "Invoice does not match PO / receipt", Severity.MEDIUM),
    Kind("payment.rejected", "Payment rejected by bank", Severity.CRITICAL),
    Kind("payment.unacknowledged", "Payment not acknowledged in time", Severity.HIGH),
    Kind("payment.unmatched_ack", "Unmatched payment acknowledgment", Severity.HIGH),
    Kind("payment.held", "Payment held for review", Severity.HIGH),
    Kind("statement.unreadable", "Bank file could not be read", Severity.HIGH),
    Kind("statement.continuity", "Statement continuity broken", Severity.HIGH),
    Kind("statement.balance", "Statement does not add up", Severity.HIGH),
    Kind("statement.unknown_account", "Statement for an unknown bank account", Severity.MEDIUM),
    Kind("reconciliation.unmatched", "Unmatched statement line", Severity.MEDIUM),
    Kind("sla.breach", "SLA breached", Severity.HIGH, blocks_close=False),
]}


def kind_choices() -> list[tuple[str, str]]:
    return [(k.code, k.label) for k in KINDS.values()]


KIND_CHOICES = kind_choices()
