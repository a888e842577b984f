"""Connector pages: status, schedule, runs with their counts; actions only for CONFIGURE, audited; no secrets."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from apps.audit.models import AuditEvent
from apps.connectors.models import Connector, ConnectorRun
from apps.connectors.services import connector_set_credentials


@pytest.fixture
def coupa_with_runs(coupa):
    connector_set_credentials(connector=coupa, credentials={"client_secret": "top-secret-value"})
    now = timezone.now()
    ConnectorRun.objects.create(connector=coupa, trigger="schedule", status="succeeded", started_at=now,
                                finished_at=now + timedelta(seconds=4), read=12, stored=9, duplicates=2, rejected=1)
    ConnectorRun.objects.create(connector=coupa, trigger="manual", status="failed", started_at=now - timedelta(hours=1),
                                finished_at=now - timedelta(hours=1), read=5, stored=3, error="HTTP 503 from Coupa")
    return coupa


@pytest.mark.django_db
def test_detail_shows_status_runs_and_counts_but_never_secrets(client_for, controller, coupa_with_runs):
    response = client_for(controller).get("/connectors/coupa/")

    body = response.content.decode()
    assert response.status_code == 200
    assert [r.read for r in response.context["runs"]] == [12, 5]
    assert "HTTP 503 from Coupa" in body
    assert '<span class="badge badge-red">2</span>' in body  # 5 read, 3 stored: 2 unaccounted
    assert "top-secret-value" not in body
    assert Connector.objects.get(code="coupa").credentials_encrypted not in body
    assert "/connectors/coupa/run" not in body  # a controller may look, not act
    assert client_for(controller).get("/connectors/nope/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["run", "enabled", "test", "schedule"])
def test_actions_are_refused_without_configure_and_change_nothing(client_for, controller, auditor, coupa, path):
    for user in (controller, auditor):
        response = client_for(user).post(f"/connectors/coupa/{path}", {"enabled": "0", "every_minutes": "5"},
                                         follow=True)
        assert "Your role does not allow configuring connectors." in response.content.decode()
    coupa.refresh_from_db()
    assert coupa.enabled is True
    assert coupa.schedule is None
    assert not AuditEvent.objects.filter(action__startswith="connector.").exists()


@pytest.mark.django_db
def test_disable_enable_and_schedule_are_audited_and_pause_the_beat_task(client_for, integration_admin, coupa):
    client = client_for(integration_admin)

    client.post("/connectors/coupa/schedule", {"every_minutes": "30"})
    coupa.refresh_from_db()
    assert (coupa.schedule.interval.every, coupa.schedule.enabled) == (1800, True)

    client.post("/connectors/coupa/enabled", {"enabled": "0"})
    coupa.refresh_from_db()
    assert coupa.enabled is False
    assert PeriodicTask.objects.get(pk=coupa.schedule_id).enabled is False
    page = client.get("/connectors/coupa/").content.decode()
    assert "Polls every <strong data-every>30 min" in page
    refused = client.post("/connectors/coupa/run", follow=True).content.decode()
    assert "is disabled: enable it before running it" in refused

    client.post("/connectors/coupa/enabled", {"enabled": "1"})
    assert list(AuditEvent.objects.filter(object_type="connectors.Connector").order_by("id")
                .values_list("action", flat=True)) == ["connector.schedule_changed", "connector.disabled",
                                                       "connector.enabled"]
    bad = client.post("/connectors/coupa/schedule", {"every_minutes": "abc"}, follow=True).content.decode()
    assert "Enter a number." in bad


@pytest.mark.django_db
def test_run_now_is_audited_and_sends_the_poll_after_commit(client_for, integration_admin, coupa,
                                                           django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    from celery import current_app

    # The broker is the edge here: record what would be sent instead of needing a worker.
    monkeypatch.setattr(current_app, "send_task", lambda name, args: sent.append((name, args)))
    with django_capture_on_commit_callbacks(execute=True):
        client_for(integration_admin).post("/connectors/coupa/run")

    assert sent == [("sync.poll_connector", [coupa.pk, "manual"])]
    assert AuditEvent.objects.get(action="connector.run_now").actor == integration_admin


@pytest.mark.django_db
def test_a_failed_connection_test_says_why(client_for, integration_admin, coupa):
    coupa.base_url = "http://127.0.0.1:9/"  # nothing listens on the discard port
    coupa.save(update_fields=["base_url"])

    page = client_for(integration_admin).post("/connectors/coupa/test", follow=True).content.decode()

    assert 'data-test-result="failed"' in page
    event = AuditEvent.objects.get(action="connector.connection_tested")
    assert event.after["ok"] is False
