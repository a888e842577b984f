"""The daily flow rollup: exact counts, histogram buckets and recomputation."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.sla.choices import LATENCY_EDGES_S
from apps.sla.models import FlowDailyStats
from apps.sla.rollup import flow_stats_refresh
from apps.sla.selectors import percentile
from apps.sync.choices import RecordStatus

DAY = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_rollup_counts_delivered_failed_pending_and_buckets_latency(coupa, erp, entity_de, entity_us, make_record):
    # given three invoice records of DE on one day (30 s, 20 min, still pending), a failed one, and one of US
    fast = make_record(connector=coupa, flow="invoice_approved", entity=entity_de, received=DAY,
                       latency=timedelta(seconds=30), attempts=1)
    make_record(connector=coupa, flow="invoice_approved", entity=entity_de, received=DAY + timedelta(hours=1),
                latency=timedelta(minutes=20), attempts=3)
    make_record(connector=coupa, flow="invoice_approved", entity=entity_de, received=DAY + timedelta(hours=2),
                status=RecordStatus.RETRY_WAIT, latency=None, attempts=2)
    make_record(connector=coupa, flow="invoice_approved", entity=entity_de, received=DAY + timedelta(hours=3),
                status=RecordStatus.EXCEPTION, latency=None)
    make_record(connector=coupa, flow="invoice_approved", entity=entity_us, received=DAY, latency=timedelta(hours=2))
    make_record(connector=erp, flow="ap_invoice_posting", entity=entity_de, received=DAY, parent=fast,
                latency=timedelta(seconds=4))

    # when the day is rolled up
    written = flow_stats_refresh(first=DAY.date(), last=DAY.date())

    # then one row per flow, entity, connector and origin, with exact counts
    assert written == 3
    de = FlowDailyStats.objects.get(flow="invoice_approved", legal_entity=entity_de)
    assert (de.received, de.delivered, de.failed, de.pending, de.attempts) == (4, 2, 1, 1, 7)
    assert de.sla_flow == "invoice_sync"
    assert de.latency_sum_ms == 30_000 + 20 * 60_000
    assert de.histogram[LATENCY_EDGES_S.index(30)] == 1
    assert de.histogram[LATENCY_EDGES_S.index(1800)] == 1
    assert sum(de.histogram) == 2
    assert de.within_target is None  # no approved SLA: compliance is not measured
    posting = FlowDailyStats.objects.get(flow="ap_invoice_posting")
    assert posting.origin_system_id == coupa.system_id  # the journal came from Coupa, through SAP
    assert posting.connector_id == erp.pk
    assert posting.histogram[LATENCY_EDGES_S.index(5)] == 1


@pytest.mark.django_db
def test_refresh_is_idempotent_and_follows_changes(coupa, entity_de, make_record):
    record = make_record(connector=coupa, flow="invoice_approved", entity=entity_de, received=DAY,
                         status=RecordStatus.RETRY_WAIT, latency=None)
    flow_stats_refresh(first=DAY.date(), last=DAY.date())
    assert FlowDailyStats.objects.get().pending == 1

    # when the record is delivered and the day refreshed twice
    record.status, record.delivered_at = RecordStatus.DELIVERED, DAY + timedelta(seconds=90)
    record.save(update_fields=["status", "delivered_at"])
    flow_stats_refresh(first=DAY.date(), last=DAY.date())
    flow_stats_refresh(first=DAY.date(), last=DAY.date())

    # then still one row, now delivered
    row = FlowDailyStats.objects.get()
    assert (row.received, row.delivered, row.pending) == (1, 1, 0)
    assert row.histogram[LATENCY_EDGES_S.index(120)] == 1


def test_percentile_interpolates_inside_the_bucket():
    histogram = [0] * (len(LATENCY_EDGES_S) + 1)
    histogram[LATENCY_EDGES_S.index(60)] = 10  # ten records between 30 s and 60 s
    assert percentile(histogram, 0.5) == pytest.approx(45.0)
    assert percentile(histogram, 1.0) == pytest.approx(60.0)
    histogram[-1] = 90  # most slower than a day
    assert percentile(histogram, 0.95) == float(LATENCY_EDGES_S[-1])
    assert percentile([0] * len(histogram), 0.5) is None
