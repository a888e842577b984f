"""The daily flow rollup: recomputed from the pipeline's records, never edited by hand.

A refresh recomputes whole days in one transaction (delete + insert under a row lock), so it is safe to
run twice, to run while records arrive, and to backfill any range. Beat refreshes today and yesterday every
minute (reading only records received in those days through the `created_at` index); `sla_rollup --days N`
rebuilds history.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Case, Count, DurationField, ExpressionWrapper, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from apps.sync.choices import RecordStatus
from apps.sync.models import SyncRecord

from .choices import LATENCY_EDGES_S, PIPELINE_FLOWS, SLA_FLOW_OF
from .models import FlowDailyStats, RollupState, empty_histogram

ROLLUP = "flow_daily"
DELIVERED, FAILED, PENDING = 0, 1, 2


def _day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return (datetime.combine(first, time.min, tzinfo=UTC),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC))


def _met(latency, targets: dict[tuple[str, int], int]) -> Case:
    """1 for a delivered record within the limit set for its business flow and entity, else 0."""
    whens = [When(Q(flow__in=PIPELINE_FLOWS[sla_flow], legal_entity_id=entity_id, state=DELIVERED,
                    latency__lte=timedelta(seconds=seconds)), then=Value(1))
             for (sla_flow, entity_id), seconds in targets.items()]
    return Case(*whens, default=Value(0), output_field=IntegerField()) if whens else Value(0)


def _aggregate(start: datetime, end: datetime, targets: dict, warnings: dict):
    latency = ExpressionWrapper(F("delivered_at") - F("created_at"), output_field=DurationField())
    bucket = Case(*[When(state=DELIVERED, latency__lte=timedelta(seconds=edge), then=Value(i))
                    for i, edge in enumerate(LATENCY_EDGES_S)],
                  When(state=DELIVERED, then=Value(len(LATENCY_EDGES_S))), default=Value(-1),
                  output_field=IntegerField())
    state = Case(When(status=RecordStatus.DELIVERED, delivered_at__isnull=False, then=Value(DELIVERED)),
                 When(status__in=[RecordStatus.EXCEPTION, RecordStatus.DEAD_LETTER], then=Value(FAILED)),
                 default=Value(PENDING), output_field=IntegerField())
    return (SyncRecord.objects.filter(created_at__gte=start, created_at__lt=end)
            .annotate(latency=latency, state=state)
            .annotate(bucket=bucket, met=_met(latency, targets), warned=_met(latency, warnings))
            .values("flow", "legal_entity_id", "connector_id", "state", "bucket",
                    day=TruncDate("created_at", tzinfo=UTC),
                    origin=Coalesce("parent__connector__system_id", "connector__system_id"))
            .annotate(n=Count("id"), tries=Sum("attempt_count"), latency_total=Sum("latency"), n_met=Sum("met"),
                      n_warned=Sum("warned"))
            .order_by())


def flow_stats_refresh(*, first: date | None = None, last: date | None = None) -> int:
    """Recompute the rollup rows of the days first..last (UTC; default: yesterday and today). Returns the
    number of rows written."""
    from .selectors import latency_limits_at

    today = timezone.now().date()
    last = last or today
    first = first or min(last, today - timedelta(days=1))
    now = timezone.now()
    rows: dict[tuple, FlowDailyStats] = {}
    day = first
    with transaction.atomic():
        RollupState.objects.get_or_create(name=ROLLUP)
        RollupState.objects.select_for_update().get(name=ROLLUP)
        while day <= last:
            # The limits in effect at the end of the day (or now, for today) judge that day's records.
            at = min(now, datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC))
            targets, warnings = latency_limits_at(at)
            start, end = _day_bounds(day, day)
            for g in _aggregate(start, end, targets, warnings):
                key = (g["day"], g["flow"], g["legal_entity_id"], g["connector_id"], g["origin"])
                row = rows.get(key)
                if row is None:
                    sla_flow = SLA_FLOW_OF.get(g["flow"], "")
                    limit = targets.get((sla_flow, g["legal_entity_id"]))
                    row = rows[key] = FlowDailyStats(
                        day=g["day"], flow=g["flow"], sla_flow=sla_flow, legal_entity_id=g["legal_entity_id"],
                        connector_id=g["connector_id"], origin_system_id=g["origin"], histogram=empty_histogram(),
                        target_seconds=limit, within_target=0 if limit is not None else None,
                        within_warning=0 if limit is not None else None, computed_at=now)
                _add(row, g)
            day += timedelta(days=1)
        FlowDailyStats.objects.filter(day__gte=first, day__lte=last).delete()
        FlowDailyStats.objects.bulk_create(rows.values(), batch_size=1000)
        RollupState.objects.filter(name=ROLLUP).update(refreshed_at=now)
    return len(rows)


def _add(row: FlowDailyStats, g: dict) -> None:
    n = g["n"]
    row.received += n
    row.attempts += g["tries"] or 0
    if g["state"] == DELIVERED:
        row.delivered += n
        row.histogram[g["bucket"]] += n
        total = g["latency_total"]
        row.latency_sum_ms += int(total.total_seconds() * 1000) if total is not None else 0
        if row.within_target is not None:
            row.within_target += g["n_met"] or 0
            row.within_warning += g["n_warned"] or 0
    elif g["state"] == FAILED:
        row.failed += n
    else:
        row.pending += n
