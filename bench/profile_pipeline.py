"""Where a worker's time goes: process chunks of received records in THIS process under cProfile, once
through the per-record path (services.record_process, one claim, one attempt, one HTTP request per
record — the path before chunking) and once through the chunk path (chunks.chunk_process, what the
worker runs), against the SAP-shaped ERP sandbox served by gunicorn in another process.

    DATABASE_URL=postgres://…/finsync_profile .venv/bin/python -m bench.profile_pipeline [chunk_records] [per_record]

Prints the records/s of each path and the top functions by own time (tottime), then one JSON line.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import signal
import sys
import time

from bench.common import setup_django
from bench.e2e_pipeline import _stop, _world, journal_items, sandbox_server, wait_http
from finsync.embedded import free_port

CHUNK = int(os.environ.get("FINSYNC_PROFILE_CHUNK", "500"))  # records per chunk, as apps.sync.services.CHUNK


def _profile(label: str, ids: list[int], run) -> tuple[float, str]:
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for start in range(0, len(ids), CHUNK):
        run(ids[start:start + CHUNK])
    profiler.disable()
    seconds = time.perf_counter() - started
    if os.environ.get("FINSYNC_PROFILE_DUMP"):  # e.g. /tmp/chunk: keep the raw profile for pstats/snakeviz
        profiler.dump_stats(f"{os.environ['FINSYNC_PROFILE_DUMP']}.{label.split()[0]}.prof")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(18)
    rate = len(ids) / seconds
    sys.stderr.write(f"\n=== {label}: {len(ids)} records in {seconds:.1f} s = {rate:,.0f} records/s ===\n")
    sys.stderr.write(out.getvalue())
    return rate, out.getvalue()


def _count_queries(record_ids: list[int], run) -> int:
    """Run one more chunk (outside the profile) and list the SQL statements it sent."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run(record_ids)
    sys.stderr.write(f"\n=== queries for one chunk of {len(record_ids)} records: {len(captured)} ===\n")
    for query in captured.captured_queries:
        sys.stderr.write(f"  {query['time']}s  {query['sql'][:150]}\n")
    return len(captured)


def _one_by_one(record_ids: list[int]) -> None:
    """The worker's loop before chunking: one claim, one attempt, one HTTP request per record (one pooled
    adapter per chunk, as it had)."""
    from apps.sync.adapter_pool import adapter_pool
    from apps.sync.services import record_process

    with adapter_pool():
        for record_id in record_ids:
            record_process(record_id)


def main() -> None:
    setup_django()
    import redis
    from django.conf import settings

    from apps.sync import services
    from apps.sync.chunks import chunk_process
    from apps.sync.models import SyncRecord

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped: still stop the sandbox server (finally)
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    slow = int(sys.argv[2]) if len(sys.argv) > 2 else 400  # the per-record path is slow: fewer records
    port = free_port()
    hook, today = _world(port)
    env = dict(os.environ, FINSYNC_SANDBOX="1", FINSYNC_LOG_LEVEL="WARNING")
    web = sandbox_server(port, env)
    rates = {}
    try:
        wait_http(f"http://127.0.0.1:{port}/sandbox/erp/_stats")
        # Receiving also enqueues chunks; no worker consumes them (this process is the worker) and they
        # are dropped at the end.
        for start in range(0, slow + n, 1000):
            services.records_receive(connector=hook, items=journal_items(start, min(slow + n, start + 1000), today))
        ids = list(SyncRecord.objects.order_by("id").values_list("id", flat=True))
        rates["per_record_records_per_s"], _ = _profile("per record (before)", ids[:slow], _one_by_one)
        rates["chunk_records_per_s"], _ = _profile("chunk (after)", ids[slow:-CHUNK], chunk_process)
        rates["queries_per_chunk"] = _count_queries(ids[-CHUNK:], chunk_process)
        rates["not_delivered"] = SyncRecord.objects.exclude(status="delivered").count()
    finally:
        _stop(web)
        redis.Redis.from_url(settings.REDIS_URL).flushdb()
    sys.stdout.write(json.dumps({"chunk_records": n, "per_record_records": slow, "chunk_size": CHUNK, **rates}) + "\n")


if __name__ == "__main__":
    main()
