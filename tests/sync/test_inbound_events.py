"""The signed inbound event endpoint: authentic events stored once; forged, stale, unsigned refused."""

import json
import time

import pytest

from apps.exceptions.models import ExceptionCase
from apps.sync.models import RefusedInboundEvent, SyncRecord
from apps.sync.signatures import sign

from .conftest import WEBHOOK_SECRET, journal_event

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/inbound/ops-events/events"


def _post(client, body: bytes, *, secret=WEBHOOK_SECRET, timestamp=None, signature=None, key=None, headers=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    all_headers = {"X-FinSync-Timestamp": str(timestamp),
                   "X-FinSync-Signature": signature or sign(secret, timestamp, body)}
    if key:
        all_headers["Idempotency-Key"] = key
    all_headers.update(headers or {})
    return client.post(URL, data=body, content_type="application/json", headers=all_headers)


def _event(event_id="evt-1", **data_over) -> bytes:
    return json.dumps({"id": event_id, "type": "journal_entry", "data": journal_event(**data_over)}).encode()


def test_authentic_event_is_stored_once_and_redelivery_is_harmless(client, event_connector):
    first = _post(client, _event())
    second = _post(client, _event())

    assert first.status_code == 202
    assert first.json()["duplicate"] is False
    assert second.status_code == 202
    assert second.json() == first.json() | {"duplicate": True, "status": second.json()["status"]}
    record = SyncRecord.objects.get()
    assert (record.flow, record.object_type, record.external_id) == ("journal_posting", "journal_entry", "evt-1")
    assert record.idempotency_key == "ops-events:event:evt-1"  # scoped to the source system
    assert record.payload["number"] == "JE-1"


def test_same_event_id_with_a_different_body_is_a_conflict(client, event_connector):
    _post(client, _event(amount="100.00"))

    response = _post(client, _event(amount="999.00"))

    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert SyncRecord.objects.count() == 1
    assert SyncRecord.objects.get().payload["lines"][0]["amount"] == "100.00"


def test_idempotency_key_header_wins_over_event_id(client, event_connector):
    assert _post(client, _event("a"), key="K-1").status_code == 202
    assert _post(client, _event("a"), key="K-1").json()["duplicate"] is True
    assert _post(client, _event("a"), key="K-2").json()["duplicate"] is False
    assert sorted(SyncRecord.objects.values_list("idempotency_key", flat=True)) == [
        "ops-events:event:K-1", "ops-events:event:K-2"]


@pytest.mark.parametrize(("kind", "kwargs"), [
    ("forged", {"secret": "not-the-secret"}),
    ("stale", {"age": 301}),
    ("stale", {"age": -400}),
    ("forged", {"signature": "v1=" + "0" * 64}),
    ("unsigned", {"signature": " ", "headers": {"X-FinSync-Signature": ""}}),
])
def test_forged_stale_and_unsigned_events_are_refused_and_store_nothing(client, event_connector, kind, kwargs):
    kwargs = dict(kwargs)
    if "age" in kwargs:  # computed now, not at collection time, so the test does not age with the suite
        kwargs["timestamp"] = int(time.time()) - kwargs.pop("age")
    response = _post(client, _event(), **kwargs)

    assert response.status_code == 401
    assert response.json()["error"] == kind
    assert SyncRecord.objects.count() == 0
    assert list(RefusedInboundEvent.objects.values_list("reason", flat=True)) == [kind]


def test_body_tampered_after_signing_is_forged(client, event_connector):
    body = _event()
    timestamp = int(time.time())
    signature = sign(WEBHOOK_SECRET, timestamp, body)

    response = _post(client, body.replace(b"100.00", b"900.00"), timestamp=timestamp, signature=signature)

    assert response.status_code == 401
    assert SyncRecord.objects.count() == 0


@pytest.mark.parametrize(("body", "reason"), [
    (b"{not json", "Expecting property name"),
    (b'{"id": "x", "data": {}}', 'non-empty "type"'),
    (b'{"id": "x", "type": "journal_entry", "data": "text"}', '"data"'),
    (b'{"type": "journal_entry", "data": {}}', "no \\\"id\\\""),
])
def test_malformed_signed_events_are_kept_and_become_business_exceptions(client, event_connector, body, reason):
    response = _post(client, body)

    assert response.status_code == 422
    record = SyncRecord.objects.get(pk=response.json()["record_id"])
    assert record.status == "exception"
    assert record.payload == {"_raw": body.decode()}
    case = ExceptionCase.objects.get(sync_record=record)
    assert case.kind == "record.malformed"
    assert case.legal_entity == event_connector.default_legal_entity
    assert reason.replace("\\", "") in case.message or reason in response.json()["detail"]


def test_unknown_connector_is_404_and_stores_nothing(client, event_connector):
    response = client.post("/api/v1/inbound/nope/events", data=_event(), content_type="application/json")
    assert response.status_code == 404
    assert SyncRecord.objects.count() == 0
