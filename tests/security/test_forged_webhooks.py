"""Forged deliveries at the signed inbound endpoint that tests/sync/test_inbound_events.py does not cover:
missing headers, garbage timestamps and signatures, a captured signature replayed with another body, a huge
body. Each is refused without a 5xx and nothing is stored as a SyncRecord."""

from __future__ import annotations

import json
import time

import pytest
from django.test import override_settings

from apps.sync.models import RefusedInboundEvent, SyncRecord
from apps.sync.signatures import sign
from tests.sync import conftest as sync_fixtures
from tests.sync.conftest import WEBHOOK_SECRET, journal_event

events_system, event_connector = sync_fixtures.events_system, sync_fixtures.event_connector  # the webhook connector

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/inbound/ops-events/events"


def _body(event_id: str = "evt-1", amount: str = "100.00") -> bytes:
    return json.dumps({"id": event_id, "type": "journal_entry", "data": journal_event(amount=amount)}).encode()


def _post(client, body: bytes, headers: dict):
    return client.post(URL, data=body, content_type="application/json", headers=headers)


def _signed(body: bytes, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {"X-FinSync-Timestamp": str(timestamp), "X-FinSync-Signature": sign(WEBHOOK_SECRET, timestamp, body)}


def _refused(response, reason: str) -> None:
    assert response.status_code == 401
    assert response.json()["error"] == reason
    assert SyncRecord.objects.count() == 0
    assert list(RefusedInboundEvent.objects.values_list("reason", flat=True)) == [reason]


def test_no_signature_headers_at_all_is_unsigned(client, event_connector):
    _refused(_post(client, _body(), {}), "unsigned")


def test_a_signature_without_its_timestamp_is_unsigned(client, event_connector):
    headers = _signed(_body())
    del headers["X-FinSync-Timestamp"]
    _refused(_post(client, _body(), headers), "unsigned")


@pytest.mark.parametrize("timestamp", ["yesterday", "1e9", "", "١٧٠٠٠٠٠٠٠٠"])
def test_a_timestamp_that_is_not_unix_seconds_is_refused(client, event_connector, timestamp):
    headers = _signed(_body()) | {"X-FinSync-Timestamp": timestamp}
    response = _post(client, _body(), headers)
    assert response.status_code == 401
    assert SyncRecord.objects.count() == 0


@pytest.mark.parametrize("signature", ["v1=" + "é" * 64, "v0=abc", "v1=", ",,,", "sha256=" + "0" * 64])
def test_a_garbage_signature_is_forged_not_a_crash(client, event_connector, signature):
    headers = _signed(_body()) | {"X-FinSync-Signature": signature}
    _refused(_post(client, _body(), headers), "forged")


def test_a_captured_signature_replayed_with_another_body_is_forged(client, event_connector):
    original = _body()
    captured = _signed(original)
    assert _post(client, original, captured).status_code == 202  # the authentic delivery

    altered = _body(event_id="evt-2", amount="999999.00")
    response = _post(client, altered, captured)

    assert response.status_code == 401
    assert response.json()["error"] == "forged"
    assert list(SyncRecord.objects.values_list("external_id", flat=True)) == ["evt-1"]
    assert SyncRecord.objects.get().payload["lines"][0]["amount"] == "100.00"


def test_a_signature_moved_to_another_timestamp_is_forged(client, event_connector):
    body = _body()
    now = int(time.time())
    headers = _signed(body, now - 60) | {"X-FinSync-Timestamp": str(now)}
    _refused(_post(client, body, headers), "forged")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=4096)
def test_a_huge_body_is_refused_even_when_signed(client, event_connector):
    body = _body() + b" " * 8192  # still valid JSON, signed with the right secret
    response = _post(client, body, _signed(body))

    assert response.status_code == 400  # RequestDataTooBig, before the body is read
    assert SyncRecord.objects.count() == 0
