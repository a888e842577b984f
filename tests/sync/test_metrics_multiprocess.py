"""/metrics with several processes: with PROMETHEUS_MULTIPROC_DIR set, the counters of every worker process
are summed in the scrape, whichever process answers it (here: the test process, which processed nothing)."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from apps.connectors.adapters.base import InboundRecord
from apps.sync.models import SyncRecord
from apps.sync.services import records_receive
from tests.processes import child_env, start_worker, wait_for

from .conftest import journal_event
from .test_pipeline_reliability import FAST, erp  # noqa: F401 - the ERP sandbox connector fixture

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _delivered_count(body: str) -> float:
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if (sample.name == "finsync_records_processed_total" and sample.labels.get("flow") == "journal_posting"
                    and sample.labels.get("outcome") == "delivered"):
                return sample.value
    return 0.0


def test_counters_of_the_worker_processes_are_summed_in_one_scrape(live_server, erp, event_connector, client,  # noqa: F811
                                                                   tmp_path, monkeypatch):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    worker = start_worker(tmp_path, concurrency=2, env=child_env(PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), **FAST))
    try:
        for start in range(0, 60, 6):  # ten tasks of six records, shared by the worker's two processes
            records_receive(connector=event_connector, items=[
                InboundRecord(object_type="journal_entry", external_id=f"m-{i}", payload=journal_event(f"JE-m-{i}"))
                for i in range(start, start + 6)])
        wait_for(lambda: SyncRecord.objects.filter(status="delivered").count() == 60, timeout=300, interval=0.5,
                 what="60 records delivered")
    finally:
        worker.stop()

    files = sorted(p.name for p in metrics_dir.iterdir())
    assert any(name.startswith("counter_") for name in files), files
    # The test process's own counters (other tests process records in it) are not what is summed: the files are.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    assert _delivered_count(client.get("/metrics").content.decode()) == 60
