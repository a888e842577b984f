"""Connector services the connector pages call: switch on/off, test the connection, run now.

Each is audited, needs CONFIGURE, and is reachable through the API (`/api/v1/connectors/<id>/...`)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.db import connections, transaction
from django_celery_beat.models import PeriodicTask

from apps.access.roles import Role
from apps.access.services import user_create
from apps.audit.models import AuditEvent
from apps.common.errors import DomainError, PermissionDenied
from apps.connectors.choices import AuthState
from apps.connectors.models import Connector
from apps.connectors.services import (
    connector_run_now,
    connector_schedule_set,
    connector_set_enabled,
    connector_test_connection,
)
from apps.sandbox.models import SandboxClient
from tests.conftest import PASSWORD
from tests.sandbox.support import oauth_credentials


@pytest.fixture
def integration_admin(entity_de):
    """Ines configures connectors (CONFIGURE) for the German entity."""
    return user_create(username="ines", password=PASSWORD, roles=[Role.INTEGRATION_ADMIN], entities=[entity_de])


@pytest.fixture
def erp(sandbox, make_connector):
    return make_connector("sap_s4", base_url=f"{sandbox.url}/erp", credentials=oauth_credentials("erp"))


@pytest.fixture
def coupa(db, make_connector):
    connector = make_connector("coupa", base_url="http://127.0.0.1:9/unused", kind="procurement")
    connector_schedule_set(connector=connector, every_seconds=300)
    connector.refresh_from_db()
    return connector


def _audits(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# --- test connection -------------------------------------------------------------------------------------------


def test_test_connection_reaches_and_authenticates_and_is_audited(erp, integration_admin):
    result = connector_test_connection(connector=erp, actor=integration_admin, ip_address="10.0.0.7")

    assert (result.ok, result.detail) == (True, "Connected and authenticated.")
    assert result.elapsed_ms >= 0
    [event] = _audits("connector.connection_tested")
    assert (event.actor, event.object_id, event.ip_address) == (integration_admin, str(erp.pk), "10.0.0.7")
    assert event.after == {"ok": True, "detail": "Connected and authenticated.", "elapsed_ms": result.elapsed_ms}


def test_test_connection_with_revoked_credentials_says_why_and_asks_for_reauthorisation(erp, integration_admin):
    SandboxClient.objects.filter(system="erp").update(active=False)

    result = connector_test_connection(connector=erp, actor=integration_admin)

    assert result.ok is False
    assert result.detail.startswith("Credentials refused:")
    assert result.detail.endswith("token endpoint refused the credentials (401 invalid_client)")
    erp.refresh_from_db()
    assert erp.auth_state == AuthState.REAUTHORISE
    [event] = _audits("connector.connection_tested")
    assert event.after["ok"] is False


def test_successful_test_after_reauthorising_clears_the_reauthorise_state(erp, integration_admin):
    Connector.objects.filter(pk=erp.pk).update(auth_state=AuthState.REAUTHORISE)
    erp.refresh_from_db()

    result = connector_test_connection(connector=erp, actor=integration_admin)

    assert result.ok is True
    assert erp.auth_state == AuthState.OK
    assert Connector.objects.get(pk=erp.pk).auth_state == AuthState.OK


def test_test_connection_to_an_unreachable_system_reports_it(make_connector, integration_admin, db):
    dead = make_connector("sap_s4", base_url="http://127.0.0.1:9/erp", credentials=oauth_credentials("erp"))

    result = connector_test_connection(connector=dead, actor=integration_admin)

    assert result.ok is False
    assert result.detail == "sap_s4-1: token endpoint unreachable: ConnectError('[Errno 111] Connection refused')"
    dead.refresh_from_db()
    assert (dead.circuit_state, dead.consecutive_failures) == ("closed", 0)  # a probe does not trip the circuit


def test_test_connection_needs_configure_and_leaves_no_trace_when_refused(erp, controller):
    with pytest.raises(PermissionDenied):
        connector_test_connection(connector=erp, actor=controller)

    assert _audits("connector.connection_tested") == []
    assert Connector.objects.get(pk=erp.pk).auth_state == AuthState.OK


# --- switch on / off -------------------------------------------------------------------------------------------


def test_switching_off_pauses_the_schedule_and_is_audited_once(coupa, integration_admin):
    connector = connector_set_enabled(connector=coupa, enabled=False, actor=integration_admin, ip_address="10.0.0.7")
    again = connector_set_enabled(connector=coupa, enabled=False, actor=integration_admin)

    assert (connector.enabled, again.enabled) == (False, False)
    assert Connector.objects.get(pk=coupa.pk).enabled is False
    assert PeriodicTask.objects.get(pk=coupa.schedule_id).enabled is False
    [event] = _audits("connector.disabled")  # the second, idempotent click changed nothing and audited nothing
    assert (event.actor, event.before, event.after, event.ip_address) == (
        integration_admin, {"enabled": True}, {"enabled": False}, "10.0.0.7")


def test_switching_back_on_resumes_the_schedule(coupa, integration_admin):
    connector_set_enabled(connector=coupa, enabled=False, actor=integration_admin)

    connector = connector_set_enabled(connector=coupa, enabled=True, actor=integration_admin)

    assert connector.enabled is True
    assert PeriodicTask.objects.get(pk=coupa.schedule_id).enabled is True
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="connector.").order_by("id")
            if e.action in ("connector.enabled", "connector.disabled")] == ["connector.disabled", "connector.enabled"]


def test_switching_needs_configure(coupa, auditor):
    with pytest.raises(PermissionDenied):
        connector_set_enabled(connector=coupa, enabled=False, actor=auditor)

    assert Connector.objects.get(pk=coupa.pk).enabled is True
    assert PeriodicTask.objects.get(pk=coupa.schedule_id).enabled is True
    assert _audits("connector.disabled") == []


def test_a_schedule_set_while_switched_off_stays_paused(coupa, integration_admin):
    connector_set_enabled(connector=coupa, enabled=False, actor=integration_admin)

    connector_schedule_set(connector=Connector.objects.get(pk=coupa.pk), every_seconds=60, actor=integration_admin)

    assert PeriodicTask.objects.get(pk=coupa.schedule_id).enabled is False


def test_schedule_needs_configure(coupa, controller):
    with pytest.raises(PermissionDenied):
        connector_schedule_set(connector=coupa, every_seconds=60, actor=controller)

    assert PeriodicTask.objects.get(pk=coupa.schedule_id).interval.every == 300


# --- run now ---------------------------------------------------------------------------------------------------


def _queued_polls(connector_id: int) -> list[dict]:
    """The poll tasks waiting in the real broker for this connector (removed once read)."""
    import redis

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    found = []
    for raw in broker.lrange("celery", 0, -1):
        message = json.loads(raw)
        headers = message.get("headers", {})
        if headers.get("task") == "sync.poll_connector" and json.loads(headers.get("argsrepr", "[]").replace(
                "'", '"')) == [connector_id, "manual"]:
            found.append(headers)
            broker.lrem("celery", 1, raw)
    return found


def test_run_now_queues_one_manual_poll_after_commit_and_is_audited(coupa, integration_admin):
    with transaction.atomic():
        connector_run_now(connector=coupa, actor=integration_admin, ip_address="10.0.0.7")
        assert _queued_polls(coupa.pk) == []  # nothing is sent before the transaction commits

    assert len(_queued_polls(coupa.pk)) == 1
    [event] = _audits("connector.run_now")
    assert (event.actor, event.object_id, event.ip_address) == (integration_admin, str(coupa.pk), "10.0.0.7")


def test_run_now_of_a_switched_off_connector_is_refused(coupa, integration_admin):
    connector_set_enabled(connector=coupa, enabled=False, actor=integration_admin)

    with pytest.raises(DomainError) as refused:
        connector_run_now(connector=Connector.objects.get(pk=coupa.pk), actor=integration_admin)

    assert refused.value.code == "disabled"
    assert _queued_polls(coupa.pk) == []
    assert _audits("connector.run_now") == []


# --- API -------------------------------------------------------------------------------------------------------


def test_api_actions_for_an_integration_admin(erp, integration_admin, client_for):
    api = client_for(integration_admin)

    tested = api.post(f"/api/v1/connectors/{erp.pk}/test-connection/")
    off = api.post(f"/api/v1/connectors/{erp.pk}/disable/")
    on = api.post(f"/api/v1/connectors/{erp.pk}/enable/")
    connections.close_all()

    assert tested.status_code == 200
    assert (tested.json()["ok"], tested.json()["detail"]) == (True, "Connected and authenticated.")
    assert (off.status_code, off.json()["enabled"]) == (200, False)
    assert (on.status_code, on.json()["enabled"]) == (200, True)
    assert [e.action for e in AuditEvent.objects.filter(object_id=str(erp.pk), action__in=[
        "connector.connection_tested", "connector.disabled", "connector.enabled"]).order_by("id")] == [
        "connector.connection_tested", "connector.disabled", "connector.enabled"]


@pytest.mark.parametrize("path", ["test-connection", "disable", "enable", "run"])
def test_api_actions_are_refused_without_configure(coupa, controller, client_for, path):
    response = client_for(controller).post(f"/api/v1/connectors/{coupa.pk}/{path}/")

    assert response.status_code == 403
    assert Connector.objects.get(pk=coupa.pk).enabled is True
    assert not AuditEvent.objects.filter(object_id=str(coupa.pk), action__in=[
        "connector.connection_tested", "connector.disabled", "connector.enabled", "connector.run_now"]).exists()


def test_api_run_now_of_a_switched_off_connector_answers_400(coupa, integration_admin, client_for):
    connector_set_enabled(connector=coupa, enabled=False, actor=integration_admin)

    response = client_for(integration_admin).post(f"/api/v1/connectors/{coupa.pk}/run/")

    assert (response.status_code, response.json()["code"]) == (400, "disabled")
