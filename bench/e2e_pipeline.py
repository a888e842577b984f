"""End to end, receive → delivered: records stored in batches, enqueued in chunks, processed by ONE
Celery worker process (prefork, concurrency = cores) that maps, checks and posts each record to the
SAP-shaped ERP sandbox over HTTP (served by gunicorn in another process). Celery's own no-op task rate
on the same broker and worker is measured in the same run as the ceiling of "a task per record"."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from bench.common import ROOT, setup_django
from finsync.embedded import free_port

N = int(os.environ.get("FINSYNC_BENCH_E2E_RECORDS", "20000"))
NOOP_TASKS = int(os.environ.get("FINSYNC_BENCH_NOOP_TASKS", "20000"))
BATCH = 1000
# Pool processes of the one worker: twice the cores, as the worker's default (settings: FINSYNC_WORKER_CONCURRENCY).
# A chunk's task waits on PostgreSQL and on the ERP's answer; with one process per core those waits left the
# cores idle (20,000 records: 1,319 records/s with 2, 2,487 with 3, 3,194 with 4; docs/PERFORMANCE.md).
CONCURRENCY = int(os.environ.get("FINSYNC_BENCH_WORKER_CONCURRENCY") or 2 * (os.cpu_count() or 1))




def sandbox_server(port: int, env: dict) -> subprocess.Popen:
    """The ERP sandbox (an imitation of another company's system) in its own server: gunicorn's sync workers
    (2), the production layout of FinSync's pages and API (Makefile `web-wsgi`), which keep their database
    connections; FINSYNC_BENCH_SANDBOX_SERVER=uvicorn serves it as before 2026-12-03 evening (ASGI: a thread hop
    and a new database connection per request)."""
    if os.environ.get("FINSYNC_BENCH_SANDBOX_SERVER", "gunicorn") == "uvicorn":
        return _spawn([sys.executable, "-m", "uvicorn", "finsync.asgi:application", "--host", "127.0.0.1", "--port",
                       str(port), "--workers", "2", "--no-access-log", "--log-level", "warning"], env)
    return _spawn([str(Path(sys.executable).with_name("gunicorn")), "finsync.wsgi:application", "--bind",
                   f"127.0.0.1:{port}", "--workers", "2", "--preload", "--log-level", "warning"], env)


def wait_http(url: str, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer")


def _spawn(argv, env) -> subprocess.Popen:
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _world(port: int):
    from django.contrib.auth import get_user_model

    from apps.connectors.models import Connector
    from apps.connectors.services import connector_set_credentials
    from apps.demo.integrations import JOURNAL_EVENT_SPEC
    from apps.ledger.models import AccountingPeriod, GLAccount
    from apps.mappings.models import Mapping, MappingVersion
    from apps.masterdata.models import LegalEntity, SourceSystem
    from apps.sandbox.seed import CLIENTS
    from apps.sandbox.services import sandbox_seed

    today = date.today()  # noqa: DTZ011 - the bench's open period is "this month" on the machine
    entity = LegalEntity.objects.create(code="DE01", name="Bench GmbH", country="DE", functional_currency="EUR")
    for code, kind in [("6100", "expense"), ("2000", "liability")]:
        GLAccount.objects.create(legal_entity=entity, code=code, name=code, account_type=kind)
    AccountingPeriod.objects.create(legal_entity=entity, fiscal_year=today.year, number=today.month,
                                    start_date=today.replace(day=1), end_date=today.replace(day=28), status="open")
    events = SourceSystem.objects.create(code="ops-events", name="Events", kind="other")
    hook = Connector.objects.create(code="ops-events", name="Events", system=events, kind="webhook", adapter="webhook")
    mapping = Mapping.objects.create(source_system=events, object_type="journal_entry", canonical_type="journal_entry")
    maker, checker = (get_user_model().objects.create(username=name) for name in ("bench-maker", "bench-checker"))
    MappingVersion.objects.create(mapping=mapping, number=1, spec=JOURNAL_EVENT_SPEC, status="approved",
                                  proposed_by=maker, reviewed_by=checker)
    sap = SourceSystem.objects.create(code="sap-s4", name="SAP", kind="gl")
    erp = Connector.objects.create(code="sap-s4", name="SAP", system=sap, kind="gl", adapter="sap_s4",
                                   base_url=f"http://127.0.0.1:{port}/sandbox/erp", rate_limit_per_minute=0,
                                   settings=({"batch_size": int(os.environ["FINSYNC_BENCH_ERP_BATCH"])}
                                             if os.environ.get("FINSYNC_BENCH_ERP_BATCH") else {}))
    connector_set_credentials(connector=erp, credentials=dict(zip(("client_id", "client_secret"),
                                                                   CLIENTS["erp"], strict=True)))
    sandbox_seed()
    return hook, today


def journal_items(start: int, stop: int, today: date) -> list:
    """Balanced two-line journal events numbered start..stop-1, in the bench source's raw shape."""
    from apps.connectors.adapters.base import InboundRecord

    return [InboundRecord(object_type="journal_entry", external_id=f"evt-{i}", payload={
        "company": "DE01", "number": f"JE-{i}", "posting_date": today.isoformat(),
        "lines": [{"account": "6100", "currency": "EUR", "amount": f"{i % 997 + 1}.00", "dc": "S"},
                  {"account": "2000", "currency": "EUR", "amount": f"{i % 997 + 1}.00", "dc": "H"}]})
        for i in range(start, stop)]


def _proc_table() -> tuple[dict[int, int], dict[int, int], dict[int, str]]:
    """Parent, CPU ticks (user + system) and command line of every process (Linux /proc)."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    cmds: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                cmds[int(entry)] = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # ended meanwhile
        parents[int(entry)] = int(fields[1])
        ticks[int(entry)] = int(fields[11]) + int(fields[12])  # utime, stime
    return parents, ticks, cmds


def _descendants(parents: dict[int, int], *roots: int) -> set[int]:
    mine, changed = set(roots), True
    while changed:
        grown = mine | {pid for pid, parent in parents.items() if parent in mine}
        changed, mine = grown != mine, grown
    return mine


def _cpu_seconds(*roots: int) -> float:
    """User + system CPU seconds used so far by these processes and all their descendants (Linux /proc)."""
    parents, ticks, _ = _proc_table()
    return sum(ticks.get(pid, 0) for pid in _descendants(parents, *roots)) / os.sysconf("SC_CLK_TCK")


def _cpu_by_part(receiver: int, worker: int, web: int, beat: int, database: str,
                 redis_address: str) -> dict[str, dict[int, int]]:
    """CPU ticks so far, per process, of each part: this (receiving) process alone, the worker and its pool,
    the sandbox server, beat, the PostgreSQL backends connected to the bench's database, and the Redis server
    (broker; whole server, so anything else using it is counted too)."""
    parents, ticks, cmds = _proc_table()
    parts = {"receiver": {receiver}, "worker": _descendants(parents, worker), "sandbox": _descendants(parents, web),
             "beat": _descendants(parents, beat),
             "postgres": {pid for pid, cmd in cmds.items() if cmd.startswith("postgres: ") and f" {database} " in cmd},
             "redis": {pid for pid, cmd in cmds.items()
                       if "redis-server" in cmd.split(" ", 1)[0] and redis_address in cmd}}
    return {name: {pid: ticks[pid] for pid in pids if pid in ticks} for name, pids in parts.items()}


def _cpu_delta(before: dict[str, dict[int, int]], after: dict[str, dict[int, int]]) -> dict[str, float]:
    """CPU seconds per part between two readings, process by process (one that started meanwhile counts whole;
    one that ended meanwhile is lost, which the worker's, the sandbox's and their connections' never are)."""
    clock = os.sysconf("SC_CLK_TCK")
    return {name: sum(t - before.get(name, {}).get(pid, 0) for pid, t in procs.items()) / clock
            for name, procs in after.items()}


def _spy_start() -> subprocess.Popen | None:
    """FINSYNC_BENCH_PYSPY=<file>: sample this process and its children with py-spy (raw collapsed stacks)
    during the end-to-end part only (not the boots)."""
    out = os.environ.get("FINSYNC_BENCH_PYSPY")
    if not out:
        return None
    spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen([str(spy), "record", "--pid", str(os.getpid()), "--subprocesses", "--format", "raw",
                             "--rate", "50", "--nonblocking", "--output", out], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _spy_stop(spy: subprocess.Popen | None) -> None:
    if spy is not None:
        spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        spy.wait(60)


def _ready(app, timeout: float = 300) -> None:
    """Wait until a worker answers a ping (booted, consuming)."""
    deadline = time.monotonic() + timeout
    while not app.control.ping(timeout=0.5):
        if time.monotonic() > deadline:
            raise TimeoutError("the worker did not start")


def _wait(predicate, timeout: float) -> float:
    start = time.perf_counter()
    while not predicate():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("benchmark did not finish in time")
        time.sleep(0.2)
    return time.perf_counter() - start


def main() -> None:
    setup_django()
    import redis
    from django.conf import settings
    from django.db import connection

    from apps.common.tasks import noop
    from apps.sandbox.selectors import erp_stats
    from apps.sync.choices import ACTIVE_STATUSES
    from apps.sync.models import SyncRecord
    from apps.sync.services import records_receive
    from finsync.celery import app

    port = free_port()
    hook, today = _world(port)
    env = dict(os.environ, FINSYNC_SANDBOX="1", FINSYNC_LOG_LEVEL="WARNING")
    broker = redis.Redis.from_url(settings.REDIS_URL)
    broker.flushdb()
    web = sandbox_server(port, env)
    worker_argv = [sys.executable, "-m", "celery", "-A", "finsync", "worker", "--loglevel", "WARNING",
                   "--concurrency", str(CONCURRENCY), "--without-gossip", "--without-mingle"]
    try:
        # 1. Celery's ceiling: no-op tasks queued first, then drained by the same kind of worker.
        for _ in range(NOOP_TASKS):
            noop.delay()
        worker = _spawn(worker_argv, env)
        _ready(app)  # from the moment the worker answers: its boot is not Celery's task rate
        noop_left = broker.llen("celery")
        noop_seconds = _wait(lambda: broker.llen("celery") == 0, 600)
        _stop(worker)

        # 2. End to end: receive in batches (each enqueues its chunks on commit), one worker delivers.
        worker = _spawn(worker_argv, env)
        beat = _spawn([sys.executable, "-m", "celery", "-A", "finsync", "beat", "--loglevel", "WARNING"], env)
        _ready(app)  # let the worker boot before the clock starts
        wait_http(f"http://127.0.0.1:{port}/sandbox/erp/_stats")  # and the sandbox server
        # CPU of our own processes in the end-to-end part (this receiving process, the worker, the sandbox
        # server; not PostgreSQL's or Redis's): on a shared machine it varies far less than records/s does.
        database = connection.settings_dict["NAME"]
        cpu_before = _cpu_seconds(os.getpid())
        redis_address = f"{broker.connection_pool.connection_kwargs.get('host')}:" \
                        f"{broker.connection_pool.connection_kwargs.get('port')}"
        parts_before = _cpu_by_part(os.getpid(), worker.pid, web.pid, beat.pid, database, redis_address)
        spy = _spy_start()
        started = time.perf_counter()
        for start in range(0, N, BATCH):
            records_receive(connector=hook, items=journal_items(start, min(N, start + BATCH), today))
        received = time.perf_counter() - started
        # "nothing left to do" reads the partial index of active records; counting 100,000 delivered rows
        # five times a second would itself cost PostgreSQL a good share of a core.
        _wait(lambda: not SyncRecord.objects.filter(status__in=ACTIVE_STATUSES).exists(), 3600)
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds(os.getpid()) - cpu_before
        parts = _cpu_delta(parts_before, _cpu_by_part(os.getpid(), worker.pid, web.pid, beat.pid, database,
                                                       redis_address))
        _spy_stop(spy)
        _stop(beat)
        _stop(worker)
        failed = SyncRecord.objects.exclude(status="delivered").count()
        erp = erp_stats()  # the real effect: postings the ERP holds, repeats it refused
    finally:
        _stop(web)
    result = {"vendor": connection.vendor, "records": N, "receive_records_per_s": N / received,
              "e2e_records_per_s": N / elapsed, "noop_tasks": NOOP_TASKS, "noop_tasks_per_s": noop_left / noop_seconds,
              "not_delivered": failed, "worker_concurrency": CONCURRENCY,
              "erp_postings": erp["postings"], "erp_duplicates_refused": erp["duplicates_refused"],
              "load_average": round(os.getloadavg()[0], 1),  # a shared machine: say how busy it was
              "cpu_ms_per_record": round(cpu * 1000 / N, 3),
              # the same per part, and PostgreSQL's backends for the bench's database and the Redis server (neither
              # in the figure above)
              "cpu_ms_per_record_by_part": {name: round(seconds * 1000 / N, 3) for name, seconds in parts.items()}}
    result["ratio"] = result["e2e_records_per_s"] / result["noop_tasks_per_s"] if noop_left else 0.0
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
