"""SLA compliance and latency percentiles per business flow, day by day, from the daily rollup."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import Sum

from apps.sla.choices import SlaFlow
from apps.sla.models import FlowDailyStats
from apps.sla.selectors import percentile

from ..plotting import colour, days_axis, figure, workbench
from .result import Tile, WidgetResult
from .scope import entity_q


def _days(filters) -> list[str]:
    return [(filters.start + timedelta(days=i)).isoformat() for i in range(filters.days)]


def _breaches(sla_flow: str, filters) -> str:
    return workbench(kind="sla.breach", record_type=sla_flow, legal_entity_id=filters.entity_id)


def sla_compliance(*, user, filters) -> WidgetResult:
    """Share of each flow's records delivered within the SLA target in effect, per day. One query."""
    rows = (FlowDailyStats.objects.filter(entity_q(user, filters), day__gte=filters.start,
                                          within_target__isnull=False).exclude(sla_flow="")
            .values("day", "sla_flow").annotate(met=Sum("within_target"), warned=Sum("within_warning"),
                                                delivered=Sum("delivered"), pending=Sum("pending"))
            .order_by("sla_flow", "day"))
    series: dict[str, dict[str, float]] = defaultdict(dict)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        measured = r["delivered"] + r["pending"]
        if measured:
            series[r["sla_flow"]][r["day"].isoformat()] = round(100 * r["met"] / measured, 2)
            totals[r["sla_flow"]][0] += r["met"]
            totals[r["sla_flow"]][1] += measured
    if not series:
        return WidgetResult(empty="No SLA in effect for these flows yet, or nothing measured in this period. "
                                  "An integration admin proposes SLA targets under SLAs; once a second person "
                                  "approves them, compliance is measured here day by day.")
    days = _days(filters)
    data = []
    for i, flow in enumerate(SlaFlow):
        if flow.value not in series:
            continue
        by_day = series[flow.value]
        xs = [d for d in days if d in by_day]
        data.append({"type": "scatter", "mode": "lines+markers", "name": flow.label, "x": xs,
                     "y": [by_day[d] for d in xs], "line": {"color": colour(i)},
                     "customdata": [_breaches(flow.value, filters)] * len(xs),
                     "hovertemplate": "%{x}<br>" + flow.label + ": %{y:.1f}% on time<extra></extra>"})
    tiles = []
    for flow in SlaFlow:
        met, measured = totals.get(flow.value, (0, 0))
        if measured:
            share = 100 * met / measured
            tone = "green" if share >= 95 else "amber" if share >= 90 else "red"
            tiles.append(Tile(flow.label, f"{share:.1f}% on time", tone, href=_breaches(flow.value, filters)))
    return WidgetResult(figures=[("", figure(data, yaxis={"title": "% within target", "range": [0, 101],
                                                          "ticksuffix": "%"},
                                             xaxis=days_axis(filters)))], tiles=tiles)


def sla_latency(*, user, filters) -> WidgetResult:
    """p50 and p95 latency (receipt → delivery) per business flow and day, merged from daily histograms."""
    rows = (FlowDailyStats.objects.filter(entity_q(user, filters), day__gte=filters.start).exclude(sla_flow="")
            .filter(delivered__gt=0).values_list("day", "sla_flow", "histogram").order_by("day"))
    merged: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for day, flow, histogram in rows:
        current = merged[flow].get(day.isoformat())
        merged[flow][day.isoformat()] = histogram if current is None else [a + b for a, b in
                                                                             zip(current, histogram, strict=True)]
    if not merged:
        return WidgetResult(empty="No record delivered in this period yet: latency percentiles appear as "
                                  "soon as the invoice, payment, statement and journal flows deliver records.")
    data = []
    for i, flow in enumerate(SlaFlow):
        by_day = merged.get(flow.value)
        if not by_day:
            continue
        xs = sorted(by_day)
        for q, dash in ((0.95, "solid"), (0.5, "dot")):
            data.append({"type": "scatter", "mode": "lines+markers", "name": f"{flow.label} p{int(q * 100)}",
                         "x": xs, "y": [round(percentile(by_day[d], q), 2) for d in xs],
                         "line": {"color": colour(i), "dash": dash}, "legendgroup": flow.value,
                         "customdata": [_breaches(flow.value, filters)] * len(xs),
                         "hovertemplate": "%{x}<br>" + f"{flow.label} p{int(q * 100)}" + ": %{y:.1f} s<extra></extra>"})
    return WidgetResult(figures=[("", figure(data, yaxis={"title": "seconds, receipt → delivery", "type": "log"},
                                             xaxis=days_axis(filters)))],
                        note="Solid: 95th percentile; dotted: median. Logarithmic scale.")
