"""Connector health: last success, circuit and authorisation state, delivery error rate and failed runs."""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.db.models import Count, Q, Sum
from django.urls import reverse

from apps.connectors.models import Connector, ConnectorRun

from ..plotting import figure, workbench
from .result import Cell, Tile, WidgetResult
from .scope import entity_q

CIRCUIT_COLOUR = {"closed": "#1f8a5b", "half_open": "#b7791f", "open": "#c53030"}
BADGE = {"closed": "green", "half_open": "amber", "open": "red", "ok": "green", "reauthorise": "red"}


def connector_health(*, user, filters) -> WidgetResult:
    from apps.sla.models import FlowDailyStats

    connectors = list(Connector.objects.select_related("system").order_by("code"))
    if not connectors:
        return WidgetResult(empty="No connectors yet: an integration admin adds them in Admin → Connectors.")
    stats = {r["connector_id"]: r for r in FlowDailyStats.objects.filter(entity_q(user, filters),
                                                                          day__gte=filters.start)
             .values("connector_id").annotate(attempts=Sum("attempts"), delivered=Sum("delivered"),
                                              failed=Sum("failed")).order_by()}
    since = datetime.combine(filters.start, time.min, tzinfo=UTC)
    runs = {r["connector_id"]: r for r in ConnectorRun.objects.filter(started_at__gte=since)
            .values("connector_id").annotate(n=Count("id"), failed=Count("id", filter=Q(status="failed"))).order_by()}
    names, rates, colours, links, table = [], [], [], [], []
    for c in connectors:
        s = stats.get(c.pk, {"attempts": 0, "delivered": 0, "failed": 0})
        r = runs.get(c.pk, {"n": 0, "failed": 0})
        # Attempts that did not deliver (retried technical errors, business exceptions, dead letters).
        rate = 100 * (s["attempts"] - s["delivered"]) / s["attempts"] if s["attempts"] else None
        link = workbench(source_system_id=c.system_id)
        names.append(c.name)
        rates.append(round(rate, 2) if rate is not None else 0)
        colours.append(CIRCUIT_COLOUR.get(c.circuit_state, "#718096"))
        links.append(link)
        page = reverse("connectors:detail", args=[c.code])
        table.append([Cell(c.name, href=page), Cell(c.get_circuit_state_display(), badge=BADGE[c.circuit_state]),
                      Cell(c.get_auth_state_display(), badge=BADGE[c.auth_state]),
                      Cell("on" if c.enabled else "off", badge="green" if c.enabled else "grey"),
                      Cell(c.last_success_at.strftime("%Y-%m-%d %H:%M") if c.last_success_at else "never"),
                      Cell(f"{rate:.1f}%" if rate is not None else "—", num=True),
                      Cell(f"{s['delivered']:,}", num=True), Cell(f"{s['failed']:,}", num=True, href=link),
                      Cell(f"{r['failed']} of {r['n']}", num=True)])
    data = [{"type": "bar", "orientation": "h", "y": names, "x": rates, "marker": {"color": colours},
             "customdata": links, "name": "error rate",
             "hovertemplate": "%{y}: %{x:.1f}% of attempts failed<extra></extra>"}]
    unhealthy = [c for c in connectors if c.circuit_state != "closed" or c.auth_state != "ok"]
    tiles = [Tile("Connectors", f"{len(connectors)}"),
             Tile("Need attention", f"{len(unhealthy)}", "red" if unhealthy else "green")]
    return WidgetResult(
        figures=[("", figure(data, xaxis={"title": "% of attempts that failed", "ticksuffix": "%",
                                          "rangemode": "tozero"},
                             yaxis={"automargin": True}, height=60 + 28 * len(connectors), showlegend=False))],
        tiles=tiles, columns=["Connector", "Circuit", "Authorisation", "Enabled", "Last success", "Error rate",
                              "Delivered", "Failed", "Failed runs"], rows=table,
        note="Bar colour is the circuit state: green closed, amber half-open, red open.")
