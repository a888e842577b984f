"""/healthz reports database, broker, worker and beat; 503 when one is down."""

import pytest

from apps.common import heartbeat
from tests.processes import start_beat, start_worker, wait_for


def _health(client):
    response = client.get("/healthz")
    return response.status_code, response.json()


@pytest.mark.django_db
def test_healthz_is_503_when_no_worker_or_beat_ever_ran(client):
    heartbeat.redis_client().delete(heartbeat.KEY.format("worker"), heartbeat.KEY.format("beat"))

    status, body = _health(client)

    assert status == 503
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert body["checks"]["worker"] == {"ok": False, "detail": "no heartbeat yet"}
    assert body["checks"]["beat"] == {"ok": False, "detail": "no heartbeat yet"}


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client, monkeypatch, settings):
    # A closed port stands in for a Redis that went away (edge of the system, not our code).
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    heartbeat.redis_client.cache_clear()
    try:
        status, body = _health(client)
    finally:
        heartbeat.redis_client.cache_clear()

    assert status == 503
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_healthz_reports_stale_heartbeats(client, settings):
    heartbeat.stamp("worker")
    heartbeat.stamp("beat")
    settings.FINSYNC_HEARTBEAT_STALE_SECONDS = -1

    status, body = _health(client)

    assert status == 503
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["worker"]["detail"].startswith("last heartbeat")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_healthz_is_200_with_a_real_worker_and_beat(client, tmp_path):
    heartbeat.redis_client().delete(heartbeat.KEY.format("worker"), heartbeat.KEY.format("beat"))
    worker = start_worker(tmp_path)
    beat = start_beat(tmp_path)
    try:
        wait_for(lambda: _health(client)[0] == 200, timeout=60, interval=1, what="healthz to turn 200")
        status, body = _health(client)
    finally:
        beat.stop()
        worker.stop()

    assert status == 200
    assert all(check["ok"] for check in body["checks"].values())
