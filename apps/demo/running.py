"""The demo's running state: approved service levels per flow and entity, connectors polled on a schedule and
sandbox systems that misbehave a little, so that `make run` opens on dashboards that measure something, records
that keep arriving, retries that recover and exceptions a person has to look at."""

from __future__ import annotations

from datetime import time

from django.contrib.auth import get_user_model

from apps.connectors.models import Connector
from apps.connectors.services import connector_schedule_set
from apps.masterdata.models import LegalEntity
from apps.sandbox.models import FaultProfile
from apps.sla.choices import SlaFlow
from apps.sla.models import SlaDefinition
from apps.sla.services import SlaTerms, sla_approve, sla_propose

# Connector code → seconds between polls. Polling is incremental, so a quiet system costs one request.
POLL_EVERY_S = {"coupa": 120, "kyriba": 120, "bank-api": 120}

# Sandbox system → faults: enough to show retries, duplicate deliveries skipped and malformed records becoming
# exceptions, not so much that the demo is all red.
DEMO_FAULTS = {
    "erp": {"error_rate": "0.03", "latency_ms": 40},
    "coupa": {"duplicate_rate": "0.05", "malformed_rate": "0.03", "out_of_order": True},
    "treasury": {"rate_limit_rate": "0.02", "retry_after_seconds": 5},
    "bank": {"error_rate": "0.02"},
}

# Flow → (target, warning) in seconds, with the freshness target that goes with it.
SERVICE_LEVELS = {
    SlaFlow.INVOICE_SYNC: (900, 600),
    SlaFlow.PAYMENT_STATUS: (3600, 1800),
    SlaFlow.BANK_STATEMENT: (1800, 900),
    SlaFlow.JOURNAL_POSTING: (900, 300),
}


def demo_schedules_seed() -> int:
    """Poll the demo's sandbox connectors on a schedule (as the integration admin). Returns schedules set."""
    integration = get_user_model().objects.get(username="integration")
    made = 0
    for code, every in POLL_EVERY_S.items():
        connector = Connector.objects.filter(code=code, schedule__isnull=True).first()
        if connector is not None:
            connector_schedule_set(connector=connector, every_seconds=every, actor=integration)
            made += 1
    return made


def demo_service_levels_seed() -> int:
    """Service levels proposed by the integration admin and approved by the system admin, per flow and
    entity; a flow that has one already is left alone. Returns versions approved."""
    users = get_user_model().objects
    proposer, approver = users.get(username="integration"), users.get(username="admin")
    coupa = Connector.objects.filter(code="coupa").first()
    approved = 0
    for entity in LegalEntity.objects.order_by("code"):
        for flow, (target, warning) in SERVICE_LEVELS.items():
            if SlaDefinition.objects.filter(flow=flow, legal_entity=entity).exists():
                continue
            terms = SlaTerms(target_seconds=target, warning_seconds=warning)
            if flow == SlaFlow.BANK_STATEMENT:
                terms = SlaTerms(target_seconds=target, warning_seconds=warning, statement_due_local=time(8, 0))
            elif flow == SlaFlow.INVOICE_SYNC and coupa is not None:
                terms = SlaTerms(target_seconds=target, warning_seconds=warning, poll_connector=coupa,
                                 poll_max_gap_minutes=30)
            version = sla_propose(flow=flow, legal_entity=entity, terms=terms, actor=proposer,
                                  change_note="Demo service level agreed with the business")
            sla_approve(version=version, actor=approver, note="Agreed in the demo's service review")
            approved += 1
    return approved


def demo_faults_seed() -> int:
    """Turn on the demo's faults in sandbox systems that still behave perfectly. Returns profiles changed."""
    changed = 0
    for system, faults in DEMO_FAULTS.items():
        changed += FaultProfile.objects.filter(system=system, error_rate=0, rate_limit_rate=0, duplicate_rate=0,
                                               malformed_rate=0, latency_ms=0, out_of_order=False).update(**faults)
    return changed
