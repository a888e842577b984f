"""Connector credentials and webhook secrets never reach logs, error reports, answers or the audit trail.

A connector is configured with known secret values; the code paths that log and report errors run against
the sandbox over real HTTP (a test connection the token endpoint answers 401, a poll with the same refused
credentials, the test-connection API, an inbound event with a bad signature) while every logger is captured
at DEBUG. None of the secret values may appear anywhere."""

from __future__ import annotations

import json
import logging
import time

import pytest

from apps.access.roles import Role
from apps.access.services import user_create
from apps.audit.models import AuditEvent
from apps.connectors.models import Connector, ConnectorRun
from apps.connectors.services import connector_set_webhook_secret, connector_test_connection
from apps.exceptions.models import ExceptionCase
from apps.sandbox.seed import CLIENTS
from apps.sync.models import SyncRecord
from apps.sync.polling import connector_poll
from apps.sync.signatures import sign
from tests.conftest import PASSWORD
from tests.sandbox import support

sandbox, make_connector = support.sandbox, support.make_connector  # live sandbox systems over real HTTP

CLIENT_SECRET = "cs-Wrong-7f3a9c2e5b1d"
API_KEY = "ck-Wrong-0b6d2f9e83"
WEBHOOK_SECRET = "whsec-Known-41c8e0d2a7"
SECRETS = (CLIENT_SECRET, API_KEY, WEBHOOK_SECRET)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def integration_admin(entity_de):
    return user_create(username="ines", password=PASSWORD, roles=[Role.INTEGRATION_ADMIN], entities=[entity_de])


@pytest.fixture
def refused_erp(sandbox, make_connector, entity_de):
    """The sandbox ERP with a real client id and a secret its token endpoint refuses (401 invalid_client)."""
    client_id, _ = CLIENTS["erp"]
    connector = make_connector("sap_s4", base_url=f"{sandbox.url}/erp",
                               credentials={"client_id": client_id, "client_secret": CLIENT_SECRET},
                               default_legal_entity=entity_de)
    connector_set_webhook_secret(connector=connector, secret=WEBHOOK_SECRET)
    return connector


@pytest.fixture
def refused_coupa(sandbox, make_connector):
    """The sandbox Coupa with an API key it refuses (401)."""
    return make_connector("coupa", base_url=f"{sandbox.url}/coupa", credentials={"api_key": API_KEY},
                          kind="procurement")


@pytest.fixture
def every_log(caplog):
    caplog.set_level(logging.DEBUG)  # the root logger, where every logger of finsync/settings propagates
    return caplog


def _assert_secret_free(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def _stored_text() -> str:
    """Everything the failures left behind: audit rows, exceptions, runs, the connectors' rows."""
    audits = [json.dumps([e.action, e.before, e.after, e.reason], default=str) for e in AuditEvent.objects.all()]
    cases = [f"{c.kind} {c.message} {c.reference}" for c in ExceptionCase.objects.all()]
    runs = [r.error for r in ConnectorRun.objects.all()]
    connectors = [str(row) for row in Connector.objects.values()]  # last errors; credentials only encrypted
    return "\n".join(audits + cases + runs + connectors)


def test_a_refused_test_connection_and_poll_log_and_report_no_secret(refused_erp, refused_coupa, integration_admin,
                                                                     every_log):
    result = connector_test_connection(connector=refused_erp, actor=integration_admin)
    run = connector_poll(connector=refused_coupa, trigger="manual", streams=["supplier"])

    assert result.ok is False
    assert "401 invalid_client" in result.detail
    assert run.status == "failed"
    assert ExceptionCase.objects.filter(kind="connector.reauthorise").exists()
    assert {"httpx", "django.request"} <= {r.name for r in every_log.records}  # requests and refusals logged
    _assert_secret_free(result.detail, run.error, every_log.text, _stored_text())
    _assert_secret_free(*(str(r.__dict__) for r in every_log.records))  # extra fields and arguments too


def test_the_api_error_answers_of_a_refused_connector_hold_no_secret(client_for, refused_erp, integration_admin,
                                                                    every_log):
    client = client_for(integration_admin)
    tested = client.post(f"/api/v1/connectors/{refused_erp.pk}/test-connection/")
    detail = client.get(f"/api/v1/connectors/{refused_erp.pk}/")
    page = client.get(f"/connectors/{refused_erp.code}/")

    assert tested.status_code == 200
    assert tested.json()["ok"] is False
    assert detail.status_code == 200
    _assert_secret_free(tested.content.decode(), detail.content.decode(), page.content.decode(), every_log.text,
                        _stored_text())


def test_a_badly_signed_event_logs_and_answers_without_the_webhook_secret(client, refused_erp, every_log):
    body = json.dumps({"id": "e1", "type": "journal_entry", "data": {"secret": "none"}}).encode()
    timestamp = int(time.time())
    wrong = client.post(f"/api/v1/inbound/{refused_erp.code}/events", data=body, content_type="application/json",
                        headers={"X-FinSync-Timestamp": str(timestamp),
                                 "X-FinSync-Signature": sign("not-" + WEBHOOK_SECRET, timestamp, body)})

    assert wrong.status_code == 401
    assert SyncRecord.objects.count() == 0
    _assert_secret_free(wrong.content.decode(), every_log.text, _stored_text())
