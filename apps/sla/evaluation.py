"""Evaluating SLAs (beat, every minute): latency targets and freshness targets of every SLA in effect.

Each target checked becomes an SlaCheck row (the SLA page shows them); each breach is an `sla.breach`
exception with the flow as record type and the entity, bank account or source system as dimensions. One
invariant keeps alerts honest: after an evaluation the open `sla.breach` cases are exactly the current
breaches — a target met again closes its case automatically (audited), and a repeat of an open breach
counts one more occurrence instead of opening a second case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.banking.choices import StatementKind
from apps.banking.models import BankStatement, CompanyBankAccount
from apps.connectors.choices import RunStatus
from apps.connectors.models import ConnectorRun
from apps.exceptions.choices import OPEN_STATUSES
from apps.exceptions.models import ExceptionCase
from apps.exceptions.services import exception_raise, exceptions_auto_resolve
from apps.sync.choices import ACTIVE_STATUSES, RecordStatus
from apps.sync.models import SyncRecord

from .choices import PIPELINE_FLOWS, CheckKind, CheckState, SlaFlow
from .models import SlaCheck, SlaVersion
from .selectors import versions_in_effect

KIND = "sla.breach"


@dataclass
class Finding:
    kind: str
    state: str
    measured: str
    subject: str = ""
    bank_account: object = None
    connector: object = None
    breach_message: str = ""
    reference: str = ""


def _window() -> timedelta:
    return timedelta(minutes=settings.FINSYNC_SLA_WINDOW_MINUTES)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _latency(version: SlaVersion, now: datetime) -> Finding:
    """Records received in the window: the share delivered within the target (records still unfinished
    past the target count as late) against the required share; p95 against the warning threshold."""
    definition = version.definition
    target = timedelta(seconds=version.target_seconds)
    records = SyncRecord.objects.filter(flow__in=PIPELINE_FLOWS[definition.flow],
                                        legal_entity_id=definition.legal_entity_id,
                                        created_at__gte=now - _window(), created_at__lt=now)
    latencies = sorted((delivered - created).total_seconds() for created, delivered in records.filter(
        status=RecordStatus.DELIVERED, delivered_at__isnull=False).values_list("created_at", "delivered_at"))
    overdue = records.filter(status__in=ACTIVE_STATUSES, created_at__lt=now - target).count()
    measured = len(latencies) + overdue
    if not measured:
        window = _duration(_window().total_seconds())
        return Finding(CheckKind.LATENCY, CheckState.NO_DATA, f"no record finished in the last {window}")
    on_time = sum(1 for s in latencies if s <= version.target_seconds)
    share = 100 * on_time / measured
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] if latencies else None
    words = (f"{share:.1f}% of {measured} within {_duration(version.target_seconds)}"
             + (f", p95 {_duration(p95)}" if p95 is not None else "")
             + (f", {overdue} unfinished past the target" if overdue else ""))
    if share < float(version.compliance_pct):
        return Finding(CheckKind.LATENCY, CheckState.BREACH, words, breach_message=(
            f"{definition.get_flow_display()} in {definition.legal_entity.code}: only {words} in the last "
            f"{_duration(_window().total_seconds())}; the SLA asks {version.compliance_pct}%."))
    if p95 is not None and p95 > version.warning_seconds:
        return Finding(CheckKind.LATENCY, CheckState.WARNING, words)
    return Finding(CheckKind.LATENCY, CheckState.OK, words)


def _prior_business_day(day: date, business_days_only: bool) -> date | None:
    """The statement date expected on `day`; None when nothing is expected (weekend)."""
    if not business_days_only:
        return day - timedelta(days=1)
    if day.weekday() >= 5:
        return None
    return day - timedelta(days=3 if day.weekday() == 0 else 1)


def _statements(version: SlaVersion, now: datetime) -> list[Finding]:
    """The prior-day statement of each active bank account by the deadline, in the entity's local time."""
    entity = version.definition.legal_entity
    local_now = now.astimezone(ZoneInfo(entity.time_zone or "UTC"))
    expected = _prior_business_day(local_now.date(), version.statement_business_days_only)
    due = datetime.combine(local_now.date(), version.statement_due_local, tzinfo=local_now.tzinfo)
    accounts = list(CompanyBankAccount.objects.filter(legal_entity=entity, is_active=True).select_related("bank")
                    .order_by("name"))
    latest = dict(BankStatement.objects.filter(bank_account__in=accounts, kind=StatementKind.BOOKED)
                  .values("bank_account_id").annotate(last=Max("to_date")).values_list("bank_account_id", "last"))
    findings = []
    deadline = f"{version.statement_due_local:%H:%M} {entity.time_zone}"
    for account in accounts:
        last = latest.get(account.pk)
        have = f"latest statement {last.isoformat()}" if last else "no statement yet"
        subject = f"{account.name} ({account.identifier})"
        if expected is None:
            state, words = CheckState.PENDING, f"no statement expected today (weekend); {have}"
        elif last is not None and last >= expected:
            state, words = CheckState.OK, f"statement of {expected.isoformat()} received"
        elif local_now < due:
            state, words = CheckState.PENDING, f"statement of {expected.isoformat()} due by {deadline}; {have}"
        else:
            state, words = CheckState.BREACH, f"statement of {expected.isoformat()} missing at {deadline}; {have}"
        findings.append(Finding(
            CheckKind.STATEMENT, state, words, subject=subject, bank_account=account, reference=account.identifier,
            breach_message=f"The {expected} statement of {entity.code} {subject} at {account.bank.name} had not "
                           f"arrived by {deadline}; {have}. Check the bank channel, or ask the bank."))
    return findings


def _poll(version: SlaVersion, now: datetime) -> Finding:
    connector = version.poll_connector
    gap = timedelta(minutes=version.poll_max_gap_minutes)
    last = (ConnectorRun.objects.filter(connector=connector, status=RunStatus.SUCCEEDED)
            .aggregate(last=Max("finished_at"))["last"])
    since = version.effective_from or now
    have = f"last successful poll {last:%Y-%m-%d %H:%M} UTC" if last else "never polled successfully"
    if (last is not None and last >= now - gap) or (last is None and now - since < gap):
        state = CheckState.OK if last else CheckState.PENDING
    else:
        state = CheckState.BREACH
    return Finding(CheckKind.POLL, state, f"{have}; at least every {version.poll_max_gap_minutes} min",
                   subject=connector.name, connector=connector, reference=connector.code,
                   breach_message=f"{connector.name} has not polled successfully for over "
                                  f"{version.poll_max_gap_minutes} minutes ({have}). Nothing arriving is an "
                                  "alert too: check the connector's circuit, credentials and schedule.")


def _findings(version: SlaVersion, now: datetime) -> list[Finding]:
    findings = [_latency(version, now)]
    if version.statement_due_local is not None and version.definition.flow == SlaFlow.BANK_STATEMENT:
        findings += _statements(version, now)
    if version.poll_connector_id is not None:
        findings.append(_poll(version, now))
    return findings


def _raise(version: SlaVersion, finding: Finding) -> ExceptionCase:
    definition = version.definition
    return exception_raise(
        kind=KIND, title=f"SLA breached: {definition.get_flow_display()} · {definition.legal_entity.code} · "
                         f"{CheckKind(finding.kind).label.lower()}"[:200],
        message=finding.breach_message, subject=f"sla:{definition.pk}:{finding.kind}:{finding.subject}",
        cause=f"sla:{definition.flow}:{finding.kind}", reference=finding.reference, record_type=definition.flow,
        legal_entity=definition.legal_entity, bank_account=finding.bank_account,
        source_system=finding.connector.system if finding.connector is not None else None,
        details={"sla_definition": definition.pk, "sla_version": version.number, "check": finding.kind,
                 "measured": finding.measured})


def sla_evaluate(*, now: datetime | None = None) -> dict[str, int]:
    """Evaluate every SLA in effect; returns the number of checks per state and of cases closed."""
    now = now or timezone.now()
    tally: dict[str, int] = {}
    with transaction.atomic():
        checks, breached = [], set()
        for version in versions_in_effect(now).values():
            for finding in _findings(version, now):
                tally[finding.state] = tally.get(finding.state, 0) + 1
                checks.append(SlaCheck(definition=version.definition, version=version, kind=finding.kind,
                                       subject=finding.subject, bank_account=finding.bank_account,
                                       connector=finding.connector, state=finding.state,
                                       measured=finding.measured[:200], evaluated_at=now))
                if finding.state == CheckState.BREACH:
                    breached.add(_raise(version, finding).pk)
        SlaCheck.objects.all().delete()
        SlaCheck.objects.bulk_create(checks)
        stale = ExceptionCase.objects.filter(kind=KIND, status__in=OPEN_STATUSES).exclude(pk__in=breached)
        tally["auto_resolved"] = exceptions_auto_resolve(cases=list(stale.only("pk")),
                                                         note="The SLA target is met again.")
    return tally
