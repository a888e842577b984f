"""Small helpers shared by the figure builders: layout, colours, click-through links, the money edge."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from apps.exceptions.choices import Status

PALETTE = ["#1c6fb8", "#1f8a5b", "#b7791f", "#c53030", "#6b46c1", "#2c7a7b", "#97266d", "#4a5568", "#dd6b20",
           "#2f855a"]
ALL_STATUSES = [s.value for s in Status]


def layout(**extra) -> dict:
    base = {"margin": {"l": 56, "r": 16, "t": 12, "b": 48}, "height": 320,
            "legend": {"orientation": "h", "y": -0.2}, "font": {"family": "system-ui, sans-serif", "size": 12},
            "paper_bgcolor": "white", "plot_bgcolor": "white", "hovermode": "closest"}
    base.update(extra)
    # Room for the widest tick label (seven-figure balances) instead of clipping it.
    for axis in ("xaxis", "yaxis"):
        base.setdefault(axis, {}).setdefault("automargin", True)
    return base


def days_axis(filters) -> dict:
    """A date axis spanning the whole period, ticked by day: one point per day reads as a day, even when only
    one day has any (Plotly would otherwise zoom into milliseconds around it)."""
    first = datetime.combine(filters.start, time.min, tzinfo=UTC) - timedelta(hours=12)
    last = datetime.combine(filters.start + timedelta(days=filters.days - 1), time(12), tzinfo=UTC)
    return {"type": "date", "range": [first.isoformat(), last.isoformat()], "tickformat": "%b %-d"}


def figure(data: list[dict], **layout_extra) -> dict:
    return {"data": data, "layout": layout(**layout_extra)}


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def to_chart(amount: Decimal) -> float:
    """Money leaves Decimal here and only here, on its way into a chart (Plotly draws binary floats)."""
    return float(amount)


def workbench(**params) -> str:
    """A workbench query string using the workbench's own filter names (apps/exceptions/filtersets.py).
    Lists repeat the parameter (status=open&status=assigned); None values are left out."""
    pairs: list[tuple[str, object]] = []
    for key, value in params.items():
        if value is None or value == "":
            continue
        if isinstance(value, list | tuple):
            pairs.extend((key, v) for v in value)
        else:
            pairs.append((key, value))
    return urlencode(pairs)
