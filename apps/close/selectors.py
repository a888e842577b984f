"""Period close readiness: can an entity close a period? Four checks, each with the rows behind it.

1. Sources synced up to the period end: every enabled connector of the entity (or group-wide) is known to be
   in FinSync at or after the end of the period's last day in the entity's time zone (watermark, else last
   successful run, else last record received). A signed-webhook (push) source that has never received an event
   feeds no data and does not block.
2. No open blocking exceptions: open or assigned exceptions of the entity whose kind blocks close (the
   entity's control settings in effect, apps.controls; else the built-in list) for this period or without a
   period but seen before the cut-off.
3. Statements reconciled: every active bank account has a statement through the period end, and no booked line
   of the period is unmatched or ambiguous.
4. Journals posted: no journal of the period is still a draft or failed to post, and none is stuck in the
   pipeline on its way to the ledger.

Reads only; each check is a fixed number of queries, whatever the volumes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Q
from django.db.models.fields.json import KT
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode

from apps.banking.choices import ReconciliationStatus
from apps.banking.models import CompanyBankAccount, StatementLine
from apps.connectors.models import Connector
from apps.controls.selectors import control_settings_for
from apps.exceptions.choices import KINDS, OPEN_STATUSES
from apps.exceptions.models import ExceptionCase
from apps.ledger.choices import JournalStatus
from apps.ledger.models import AccountingPeriod, JournalEntry
from apps.sync.choices import Direction, RecordStatus
from apps.sync.flows import FLOWS
from apps.sync.models import SyncRecord


@dataclass
class Item:
    label: str
    value: str
    ok: bool
    url: str = ""


@dataclass
class Check:
    key: str
    title: str
    ok: bool
    summary: str
    items: list[Item] = field(default_factory=list)
    url: str = ""


@dataclass
class Readiness:
    entity: object
    period: AccountingPeriod
    cutoff: datetime
    checked_at: datetime
    checks: list[Check]
    settings_source: str

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.checks)


def period_cutoff(period: AccountingPeriod) -> datetime:
    """The first moment after the period, in the entity's time zone (as an aware datetime)."""
    zone = ZoneInfo(period.legal_entity.time_zone or "UTC")
    return datetime.combine(period.end_date + timedelta(days=1), time(0), tzinfo=zone)


def _workbench(**params) -> str:
    return "/workbench/?" + urlencode(params, doseq=True)


def _statements_page(*, entity_id: int, account_id: int, period: AccountingPeriod) -> str:
    """The account's statements from the period on, those with lines to reconcile (banking's statement list)."""
    return reverse("banking:statements") + "?" + urlencode({
        "legal_entity_id": entity_id, "bank_account_id": account_id, "date_from": period.start_date.isoformat(),
        "status": "open"})


def _synced_through(connector: Connector, last_received: datetime | None) -> datetime | None:
    """How far a source is known to be in FinSync: its slowest stream's watermark (polling), else its last
    successful run, else the last record it pushed (webhooks, file drops)."""
    marks = [parse_datetime(str(c.position.get("watermark"))) for c in connector.cursors.all()
             if isinstance(c.position, dict) and c.position.get("watermark")]
    if marks and None not in marks:
        return min(m if timezone.is_aware(m) else m.replace(tzinfo=UTC) for m in marks)
    return connector.last_success_at or last_received


def _sources(entity, cutoff: datetime) -> Check:
    connectors = list(Connector.objects.filter(enabled=True).filter(
        Q(default_legal_entity=entity) | Q(default_legal_entity__isnull=True))
        .prefetch_related("cursors").order_by("name"))
    last_received = dict(SyncRecord.objects.filter(connector__in=connectors, direction=Direction.INBOUND)
                         .values("connector").annotate(last=Max("created_at")).values_list("connector", "last"))
    items = []
    for connector in connectors:
        if connector.kind == "webhook" and connector.pk not in last_received:
            # A push source nobody has sent anything to yet feeds no data: shown, not blocking.
            items.append(Item(connector.name, "push source · no event received yet", ok=True,
                              url=f"/connectors/{connector.code}/"))
            continue
        through = _synced_through(connector, last_received.get(connector.pk))
        items.append(Item(connector.name, f"synced through {through:%Y-%m-%d %H:%M} UTC" if through else "never synced",
                          ok=through is not None and through >= cutoff, url=f"/connectors/{connector.code}/"))
    late = [i for i in items if not i.ok]
    summary = (f"{len(late)} of {len(items)} sources not synced up to the period end" if late
               else f"all {len(items)} sources synced past the period end" if items
               else "no sources feed this entity")
    return Check("sources", "Sources synced up to the period end", not late, summary, items)


def _exceptions(entity, period: AccountingPeriod, cutoff: datetime, blocking: tuple[str, ...]) -> Check:
    rows = list(ExceptionCase.objects.filter(legal_entity=entity, status__in=OPEN_STATUSES, kind__in=blocking)
                .filter(Q(period=period) | Q(period__isnull=True, first_seen__lt=cutoff))
                .values("kind").annotate(n=Count("id")).order_by("-n", "kind"))
    items = [Item(KINDS[r["kind"]].label if r["kind"] in KINDS else r["kind"], f"{r['n']} open", ok=False,
                  url=_workbench(legal_entity_id=entity.pk, kind=r["kind"], status=list(OPEN_STATUSES)))
             for r in rows]
    total = sum(r["n"] for r in rows)
    return Check("exceptions", "No open blocking exceptions", total == 0,
                 f"{total} open blocking exceptions" if total else "no open exception blocks the close", items,
                 url=_workbench(legal_entity_id=entity.pk, kind=list(blocking), status=list(OPEN_STATUSES)))


def _statements(entity, period: AccountingPeriod) -> Check:
    accounts = (CompanyBankAccount.objects.filter(legal_entity=entity, is_active=True)
                .annotate(through=Max("statements__to_date")).order_by("name"))
    open_lines = dict(StatementLine.objects.filter(
        statement__legal_entity=entity, booking_date__range=(period.start_date, period.end_date),
        reconciliation_status__in=[ReconciliationStatus.UNMATCHED, ReconciliationStatus.AMBIGUOUS])
        .values_list("statement__bank_account").annotate(n=Count("id")).values_list("statement__bank_account", "n"))
    items = []
    for account in accounts:
        unmatched, through = open_lines.get(account.pk, 0), account.through
        complete = through is not None and through >= period.end_date
        value = (f"statements through {through:%Y-%m-%d}" if through else "no statement received") + (
            f", {unmatched} unreconciled lines" if unmatched else ", all lines reconciled" if through else "")
        items.append(Item(f"{account.name} ({account.currency})", value, ok=complete and not unmatched,
                          url=_statements_page(entity_id=entity.pk, account_id=account.pk, period=period)))
    bad = [i for i in items if not i.ok]
    summary = (f"{len(bad)} of {len(items)} bank accounts not reconciled for the period" if bad
               else f"all {len(items)} bank accounts reconciled" if items else "no bank accounts")
    return Check("statements", "Bank statements reconciled", not bad, summary, items)


def _journals_in_pipeline(entity, period: AccountingPeriod, cutoff: datetime) -> int:
    """Journal records of the entity not delivered to the ledger: mapped ones dated in the period, and unmapped
    ones (no posting date yet) received before the cut-off."""
    flows = [f.name for f in FLOWS.values() if f.canonical_type == "journal_entry"]
    pending = (SyncRecord.objects.filter(legal_entity=entity, flow__in=flows)
               .exclude(status=RecordStatus.DELIVERED).annotate(posting=KT("canonical__posting_date")))
    return pending.filter(Q(posting__range=(period.start_date.isoformat(), period.end_date.isoformat()))
                          | Q(posting__isnull=True, created_at__lt=cutoff)).count()


def _journals(entity, period: AccountingPeriod, cutoff: datetime) -> Check:
    rows = (JournalEntry.objects.filter(legal_entity=entity, posting_date__range=(period.start_date, period.end_date))
            .values("status").annotate(n=Count("id")))
    counts = {r["status"]: r["n"] for r in rows}
    in_pipeline = _journals_in_pipeline(entity, period, cutoff)
    waiting = counts.get(JournalStatus.DRAFT, 0) + counts.get(JournalStatus.FAILED, 0) + in_pipeline
    items = [Item(JournalStatus(s).label, f"{n} journals", ok=s not in (JournalStatus.DRAFT, JournalStatus.FAILED))
             for s, n in sorted(counts.items())]
    if in_pipeline:
        items.append(Item("Not yet delivered to the ledger (pipeline)", f"{in_pipeline} journals", ok=False,
                          url=_workbench(legal_entity_id=entity.pk, record_type="journal_entry",
                                         status=list(OPEN_STATUSES))))
    return Check("journals", "Journals posted", waiting == 0,
                 f"{waiting} journals of the period not posted" if waiting
                 else f"all {sum(counts.values())} journals of the period posted", items,
                 url=_workbench(legal_entity_id=entity.pk, period_id=period.pk, status=list(OPEN_STATUSES)))


def close_readiness(*, period: AccountingPeriod, now: datetime | None = None) -> Readiness:
    """Whether `period`'s entity can close it, with the evidence behind each check."""
    entity = period.legal_entity
    cutoff = period_cutoff(period)
    settings = control_settings_for(entity)
    checks = [_sources(entity, cutoff), _exceptions(entity, period, cutoff, tuple(settings.close_blocking_kinds)),
              _statements(entity, period), _journals(entity, period, cutoff)]
    return Readiness(entity=entity, period=period, cutoff=cutoff, checked_at=now or timezone.now(), checks=checks,
                     settings_source=settings.source)


def close_periods(*, entity) -> list[AccountingPeriod]:
    return list(AccountingPeriod.objects.filter(legal_entity=entity).select_related("legal_entity")
                .order_by("-start_date"))


def close_default_period(periods: list[AccountingPeriod], today) -> AccountingPeriod | None:
    """The latest period that has ended (the one being closed), else the earliest listed."""
    ended = [p for p in periods if p.end_date < today]
    return ended[0] if ended else (periods[-1] if periods else None)
