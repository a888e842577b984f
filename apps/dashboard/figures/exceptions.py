"""Open exceptions by legal entity, kind and age — from the open-exception tally that the exception services keep
in the transaction of every change (apps.exceptions.tally): a few thousand rows summed per request instead of
every open case scanned."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from apps.exceptions.choices import KINDS
from apps.exceptions.tally import open_by_entity_age, open_by_entity_kind
from apps.masterdata.models import LegalEntity

from ..plotting import colour, figure, workbench
from .result import Tile, WidgetResult
from .scope import entity_q

# (label, lower bound in hours) — the workbench's `older_than_hours` filter opens each bucket's cases.
AGE_BUCKETS = [("under 1 day", 0), ("1–3 days", 24), ("3–7 days", 72), ("7–30 days", 168), ("over 30 days", 720)]
NO_ENTITY = "no entity"


def _codes(ids) -> dict[int | None, str]:
    codes = dict(LegalEntity.objects.filter(id__in=[i for i in ids if i]).values_list("id", "code"))
    codes[None] = NO_ENTITY
    return codes


def exceptions_by_entity_kind(*, user, filters) -> WidgetResult:
    rows = [{"legal_entity_id": entity_id, "kind": kind, "n": n}
            for (entity_id, kind), n in open_by_entity_kind(scope=entity_q(user, filters)).items()]
    if not rows:
        return WidgetResult(empty="No open exceptions. Nothing needs anyone right now.")
    codes = _codes({r["legal_entity_id"] for r in rows})
    by_kind: dict[str, dict[int | None, int]] = defaultdict(dict)
    for r in rows:
        by_kind[r["kind"]][r["legal_entity_id"]] = r["n"]
    entities = sorted({r["legal_entity_id"] for r in rows}, key=lambda i: codes[i])
    ranked = sorted(by_kind, key=lambda k: -sum(by_kind[k].values()))
    data = [{"type": "bar", "name": KINDS[k].label if k in KINDS else k, "x": [codes[e] for e in entities],
             "y": [by_kind[k].get(e, 0) for e in entities], "marker": {"color": colour(i)},
             "customdata": [workbench(legal_entity_id=e, kind=k) for e in entities],
             "hovertemplate": "%{x}: %{y} open<extra>%{fullData.name}</extra>"}
            for i, k in enumerate(ranked)]
    total = sum(r["n"] for r in rows)
    tiles = [Tile("Open exceptions", f"{total:,}", "red" if total else "green", href=workbench())]
    tiles += [Tile(codes[e], f"{sum(by_kind[k].get(e, 0) for k in by_kind):,} open",
                   href=workbench(legal_entity_id=e)) for e in entities]
    return WidgetResult(figures=[("", figure(data, barmode="stack", yaxis={"title": "open exceptions"}))],
                        tiles=tiles)


def exceptions_by_age(*, user, filters) -> WidgetResult:
    counts = open_by_entity_age(scope=entity_q(user, filters), now=timezone.now(),
                                bounds_hours=[hours for _, hours in AGE_BUCKETS])
    if not counts:
        return WidgetResult(empty="No open exceptions, so nothing is ageing.")
    codes = _codes({entity_id for entity_id, _ in counts})
    entities = sorted({entity_id for entity_id, _ in counts}, key=lambda i: codes[i])
    labels = [label for label, _ in AGE_BUCKETS]
    data = [{"type": "bar", "name": codes[e], "x": labels, "y": [counts.get((e, i), 0) for i in range(len(labels))],
             "marker": {"color": colour(j)},
             "customdata": [workbench(legal_entity_id=e, older_than_hours=hours or None) for _, hours in AGE_BUCKETS],
             "hovertemplate": "%{x}: %{y} open<extra>%{fullData.name}</extra>"}
            for j, e in enumerate(entities)]
    old = sum(n for (_, i), n in counts.items() if AGE_BUCKETS[i][1] >= 168)
    tiles = [Tile("Open for over a week", f"{old:,}", "red" if old else "green",
                  href=workbench(older_than_hours=168, legal_entity_id=filters.entity_id))]
    return WidgetResult(figures=[("", figure(data, barmode="stack", yaxis={"title": "open exceptions"},
                                             xaxis={"title": "age since first seen"}))], tiles=tiles)
