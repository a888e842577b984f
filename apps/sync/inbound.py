"""Receiving signed events: verify, parse, store once. Used by the inbound API view."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import transaction

from apps.connectors.adapters.base import InboundRecord
from apps.connectors.models import Connector
from apps.connectors.services import connector_webhook_secret
from apps.exceptions.services import exception_raise

from . import signatures
from .metrics import INBOUND_REFUSED
from .models import RefusedInboundEvent, SyncRecord
from .services import records_receive


@dataclass
class InboundOutcome:
    status: int
    body: dict


def inbound_event_receive(*, connector: Connector, body: bytes, timestamp: str | None, signature: str | None,
                          idempotency_key: str | None, remote_addr: str | None) -> InboundOutcome:
    refusal = signatures.verify(connector_webhook_secret(connector), timestamp, signature, body)
    if refusal:
        RefusedInboundEvent.objects.create(connector=connector, reason=refusal, remote_addr=remote_addr)
        INBOUND_REFUSED.labels(connector=connector.code, reason=refusal).inc()
        return InboundOutcome(401, {"error": refusal, "detail": "The event is not signed correctly or too old."})
    try:
        event = json.loads(body)
        if not isinstance(event, dict) or not isinstance(event.get("type"), str) or not event["type"]:
            raise ValueError("the event must be a JSON object with a non-empty \"type\"")
        if not isinstance(event.get("data"), dict):
            raise ValueError("the event must carry its object in \"data\" (a JSON object)")
        event_id = str(event.get("id") or "")
        if not (idempotency_key or event_id):
            raise ValueError("the event has no \"id\" and no Idempotency-Key header, so redelivery could not be "
                             "recognised")
    except (ValueError, UnicodeDecodeError) as exc:
        return _malformed(connector, body, str(exc), idempotency_key)
    item = InboundRecord(object_type=event["type"], external_id=event_id or idempotency_key or "",
                         payload=event["data"])
    key = f"event:{idempotency_key or event_id}"
    result = records_receive(connector=connector, items=[item], keys=[key],
                             correlation_ids=[str(event.get("correlation_id") or "") or None])
    if result.conflicts:
        existing = result.conflicts[0][1]
        return InboundOutcome(409, {"error": "conflict", "record_id": existing.pk,
                                    "detail": "This event id / Idempotency-Key was received before with a "
                                              "different body; nothing was stored."})
    record = (result.created or result.duplicates)[0]
    return InboundOutcome(202, {"record_id": record.pk, "correlation_id": record.correlation_id,
                                "status": record.status, "duplicate": not result.created})


def _malformed(connector: Connector, body: bytes, reason: str, idempotency_key: str | None) -> InboundOutcome:
    """Keep what arrived (nothing is lost) and open a business exception saying what is wrong."""
    text = body.decode("utf-8", errors="replace")[:1_000_000]
    item = InboundRecord(object_type="malformed_event", external_id=idempotency_key or "", payload={"_raw": text})
    with transaction.atomic():
        result = records_receive(connector=connector, items=[item],
                                 keys=[f"malformed:{idempotency_key}" if idempotency_key else None])
        record = (result.created or result.duplicates or [c[1] for c in result.conflicts])[0]
        if result.created:
            SyncRecord.objects.filter(pk=record.pk).update(status="exception")
            exception_raise(kind="record.malformed", message=f"A signed event from {connector.name} could not be "
                            f"used: {reason}.", sync_record=record, source_system=connector.system,
                            legal_entity=connector.default_legal_entity, record_type="malformed_event")
    return InboundOutcome(422, {"error": "malformed", "detail": reason, "record_id": record.pk})
