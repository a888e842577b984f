"""Control metrics: duplicate suppliers stopped, unmatched payment acknowledgments, posting failures."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from apps.exceptions.choices import OPEN_STATUSES
from apps.exceptions.models import ExceptionCase
from apps.masterdata.models import LegalEntity, SourceSystem
from apps.sla.choices import POSTING_FLOWS
from apps.sla.models import FlowDailyStats

from ..plotting import ALL_STATUSES, colour, days_axis, figure, workbench
from .exceptions import NO_ENTITY
from .result import Tile, WidgetResult
from .scope import entity_q


def _since(filters) -> datetime:
    return datetime.combine(filters.start, time.min, tzinfo=UTC)


def _daily_cases(user, filters, kind: str):
    # COUNT(*) and COUNT(status), not COUNT(id): every column read is in exceptions 0005's (kind, first_seen)
    # INCLUDE (legal_entity_id, status) index, so PostgreSQL counts from the index alone (an index-only scan)
    # instead of visiting ~30,000 table pages for a month of one kind at a million exceptions.
    return (ExceptionCase.objects.filter(entity_q(user, filters), kind=kind, first_seen__gte=_since(filters))
            .values("legal_entity_id", day=TruncDate("first_seen", tzinfo=UTC))
            .annotate(n=Count("*"), still_open=Count("status", filter=Q(status__in=OPEN_STATUSES))).order_by())


def _by_entity_bars(rows, filters, kind: str) -> list[dict]:
    codes = dict(LegalEntity.objects.filter(id__in={r["legal_entity_id"] for r in rows}).values_list("id", "code"))
    series: dict[int | None, dict[str, int]] = defaultdict(dict)
    for r in rows:
        series[r["legal_entity_id"]][r["day"].isoformat()] = r["n"]
    return [{"type": "bar", "name": codes.get(e, NO_ENTITY), "x": sorted(days), "y": [days[d] for d in sorted(days)],
             "marker": {"color": colour(i)},
             "customdata": [workbench(kind=kind, legal_entity_id=e, status=ALL_STATUSES)] * len(days),
             "hovertemplate": "%{x}: %{y}<extra>%{fullData.name}</extra>"}
            for i, (e, days) in enumerate(sorted(series.items(), key=lambda kv: codes.get(kv[0], NO_ENTITY)))]


def duplicate_suppliers(*, user, filters) -> WidgetResult:
    """Suppliers FinSync stopped before they reached the ERP twice (supplier.duplicate cases raised)."""
    rows = list(_daily_cases(user, filters, "supplier.duplicate"))
    if not rows:
        return WidgetResult(empty=f"No duplicate supplier caught in the last {filters.days} days: every onboarded "
                                  "supplier had its own tax id, IBAN and number.")
    total, still_open = sum(r["n"] for r in rows), sum(r["still_open"] for r in rows)
    link = workbench(kind="supplier.duplicate", legal_entity_id=filters.entity_id)
    return WidgetResult(
        figures=[("", figure(_by_entity_bars(rows, filters, "supplier.duplicate"), barmode="stack",
                             yaxis={"title": "duplicates stopped"}, xaxis=days_axis(filters)))],
        tiles=[Tile("Duplicates prevented", f"{total:,}", "green"),
               Tile("Awaiting a decision", f"{still_open:,}", "amber" if still_open else "green", href=link)])


def unmatched_acknowledgments(*, user, filters) -> WidgetResult:
    """Bank status reports (pain.002) that answer no payment FinSync knows."""
    rows = list(_daily_cases(user, filters, "payment.unmatched_ack"))
    open_now = ExceptionCase.objects.filter(entity_q(user, filters), kind="payment.unmatched_ack",
                                            status__in=OPEN_STATUSES).count()
    if not rows and not open_now:
        return WidgetResult(empty="Every payment acknowledgment matched a payment: nothing to chase.")
    link = workbench(kind="payment.unmatched_ack", legal_entity_id=filters.entity_id)
    return WidgetResult(
        figures=[("", figure(_by_entity_bars(rows, filters, "payment.unmatched_ack"), barmode="stack",
                             yaxis={"title": "unmatched acknowledgments"}, xaxis=days_axis(filters)))]
        if rows else [],
        tiles=[Tile("Unmatched, open now", f"{open_now:,}", "red" if open_now else "green", href=link),
               Tile(f"Raised in {filters.days} days", f"{sum(r['n'] for r in rows):,}")])


def posting_failures(*, user, filters) -> WidgetResult:
    """Share of journal postings that ended as an exception or dead letter, by the system they came from."""
    rows = list(FlowDailyStats.objects.filter(entity_q(user, filters), day__gte=filters.start, flow__in=POSTING_FLOWS)
                .values("day", "origin_system_id").annotate(failed=Sum("failed"), delivered=Sum("delivered"))
                .order_by("day"))
    rows = [r for r in rows if r["failed"] + r["delivered"]]
    if not rows:
        return WidgetResult(empty="No journal posted in this period yet: the failure rate appears with the first "
                                  "journals sent to the ERP.")
    names = dict(SourceSystem.objects.filter(id__in={r["origin_system_id"] for r in rows}).values_list("id", "name"))
    series: dict[int | None, list[dict]] = defaultdict(list)
    totals: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        series[r["origin_system_id"]].append(r)
        totals[r["origin_system_id"]][0] += r["failed"]
        totals[r["origin_system_id"]][1] += r["failed"] + r["delivered"]
    link = workbench(record_type="journal_entry", legal_entity_id=filters.entity_id)
    data = [{"type": "scatter", "mode": "lines+markers", "name": names.get(system, "unknown"),
             "x": [r["day"].isoformat() for r in points],
             "y": [round(100 * r["failed"] / (r["failed"] + r["delivered"]), 2) for r in points],
             "marker": {"color": colour(i)}, "customdata": [link] * len(points),
             "hovertemplate": "%{x}: %{y:.1f}% failed<extra>%{fullData.name}</extra>"}
            for i, (system, points) in enumerate(sorted(series.items(), key=lambda kv: names.get(kv[0], "")))]
    tiles = []
    for system, (failed, total) in sorted(totals.items(), key=lambda kv: names.get(kv[0], "")):
        rate = 100 * failed / total
        tiles.append(Tile(f"From {names.get(system, 'unknown')}", f"{rate:.1f}% of {total:,} failed",
                          "green" if rate < 1 else "amber" if rate < 5 else "red", href=link))
    return WidgetResult(figures=[("", figure(data, yaxis={"title": "% of postings failed", "ticksuffix": "%",
                                                          "rangemode": "tozero"}, xaxis=days_axis(filters)))],
                        tiles=tiles)
