"""Chart figures as Plotly JSON, built from aggregated, entity-scoped queries. Money leaves Decimal
only here, at the edge, as strings Plotly parses — never as binary floats in our own arithmetic."""

from __future__ import annotations

import json
from collections import defaultdict

import plotly.graph_objects as go
from django.db.models import Count

from apps.access.selectors import entity_ids
from apps.exceptions.choices import OPEN_STATUSES
from apps.exceptions.models import ExceptionCase
from apps.treasury.models import CashPosition

LAYOUT = {"margin": {"l": 60, "r": 20, "t": 30, "b": 40}, "height": 340, "legend": {"orientation": "h"},
          "font": {"family": "system-ui, sans-serif", "size": 12}, "paper_bgcolor": "white", "plot_bgcolor": "white"}


def cash_history_figure(*, user, days: int = 30) -> dict:
    """Booked end-of-day balance per bank account (one line each), last `days` positions."""
    rows = (CashPosition.objects.filter(legal_entity_id__in=entity_ids(user), kind="booked")
            .order_by("bank_account_id", "position_date")
            .values_list("bank_account__name", "legal_entity__code", "currency", "position_date", "amount"))
    series: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    for name, entity, currency, day, amount in rows:
        xs, ys = series[f"{entity} · {name} ({currency})"]
        xs.append(day.isoformat())
        ys.append(str(amount))
    figure = go.Figure([go.Scatter(x=xs[-days:], y=ys[-days:], mode="lines", name=label)
                        for label, (xs, ys) in sorted(series.items())])
    # Amounts travel as decimal strings; a linear axis makes Plotly read them as numbers in the browser.
    figure.update_layout(**LAYOUT, yaxis={"title": "balance (account currency)", "type": "linear",
                                          "tickformat": ",.0f"}, xaxis={"type": "date"})
    return json.loads(figure.to_json())


def open_exceptions_figure(*, user) -> dict:
    """Open exceptions by legal entity, stacked by kind; a click opens the workbench filtered to it."""
    rows = (ExceptionCase.objects.filter(legal_entity_id__in=entity_ids(user), status__in=OPEN_STATUSES)
            .values("legal_entity_id", "legal_entity__code", "kind").annotate(n=Count("id")).order_by())
    kinds: dict[str, dict[str, int]] = defaultdict(dict)
    entity_ids_by_code: dict[str, int] = {}
    for row in rows:
        kinds[row["kind"]][row["legal_entity__code"]] = row["n"]
        entity_ids_by_code[row["legal_entity__code"]] = row["legal_entity_id"]
    codes = sorted(entity_ids_by_code)
    figure = go.Figure([go.Bar(x=codes, y=[by_entity.get(c, 0) for c in codes], name=kind,
                               customdata=[f"legal_entity_id={entity_ids_by_code[c]}&kind={kind}" for c in codes])
                        for kind, by_entity in sorted(kinds.items())])
    figure.update_layout(**LAYOUT, barmode="stack", yaxis_title="open exceptions")
    return json.loads(figure.to_json())
