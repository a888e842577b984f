"""The business flows FinSync promises service levels for, and which pipeline flows make each up."""

from __future__ import annotations

from django.db import models


class SlaFlow(models.TextChoices):
    INVOICE_SYNC = "invoice_sync", "Invoice sync"
    PAYMENT_STATUS = "payment_status", "Payment status propagation"
    BANK_STATEMENT = "bank_statement", "Bank statement ingestion"
    JOURNAL_POSTING = "journal_posting", "Journal posting"


# Pipeline flows (apps.sync.flows.FLOWS) measured for each business flow. Latency of a record is the time
# from its receipt (stored) to its delivery; a flow's compliance is the share of its records delivered
# within the target.
PIPELINE_FLOWS: dict[str, tuple[str, ...]] = {
    SlaFlow.INVOICE_SYNC: ("invoice_approved", "invoice_commitment"),
    SlaFlow.PAYMENT_STATUS: ("treasury_payment", "payment_status_writeback", "payment_status_to_treasury"),
    SlaFlow.BANK_STATEMENT: ("bank_file_import",),
    SlaFlow.JOURNAL_POSTING: ("journal_posting", "ap_invoice_posting"),
}
SLA_FLOW_OF: dict[str, str] = {p: sla for sla, pipeline in PIPELINE_FLOWS.items() for p in pipeline}

# Journal posting flows: their failure rate by source system is a control metric of its own.
POSTING_FLOWS = PIPELINE_FLOWS[SlaFlow.JOURNAL_POSTING]

# Upper edges (seconds) of the latency histogram kept per day; the last bucket is "slower than the last
# edge". Edges sit on the targets people set (1, 5, 15, 30 min, 1, 4, 24 h) so percentiles near a target
# are exact to the edge.
LATENCY_EDGES_S: tuple[int, ...] = (1, 2, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800,
                                    86400)


class CheckKind(models.TextChoices):
    LATENCY = "latency", "Latency"
    STATEMENT = "statement", "Statement by local time"
    POLL = "poll", "Successful poll"


class CheckState(models.TextChoices):
    OK = "ok", "Met"
    WARNING = "warning", "Warning"
    BREACH = "breach", "Breached"
    PENDING = "pending", "Not due yet"
    NO_DATA = "no_data", "Nothing to measure"


CHECK_BADGES = {"ok": "green", "warning": "amber", "breach": "red", "pending": "blue", "no_data": "grey"}
