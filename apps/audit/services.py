"""Writing and verifying the audit trail.

Each event's hash covers its own content and the previous event's hash, so rewriting or removing any
row breaks the chain from that point on. Appends are serialised (an advisory lock on PostgreSQL; SQLite
serialises writers itself) so the chain has a single order.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 727_001  # arbitrary, constant advisory-lock id for the audit chain


def _canonical(event: AuditEvent) -> str:
    payload = {
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "legal_entity_id": event.legal_entity_id,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "ip_address": event.ip_address,
        "correlation_id": event.correlation_id,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder, separators=(",", ":"))


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event).encode()).hexdigest()


def _jsonable(value):
    return None if value is None else json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def audit_record(
    *,
    action: str,
    actor=None,
    actor_label: str = "",
    obj=None,
    legal_entity=None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    ip_address: str | None = None,
    correlation_id: str = "",
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            occurred_at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=actor_label or (getattr(actor, "get_username", lambda: "")() or "system"),
            action=action,
            object_type=obj._meta.label if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            object_repr=str(obj)[:255] if obj is not None else "",
            legal_entity=legal_entity,
            before=_jsonable(before),
            after=_jsonable(after),
            reason=reason,
            ip_address=ip_address,
            correlation_id=correlation_id,
            prev_hash=last or GENESIS,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    problem: str


def audit_verify(batch_size: int = 5000) -> list[ChainBreak]:
    """Walk the chain in order; return every place where it does not hold (empty list = intact)."""
    breaks: list[ChainBreak] = []
    expected_prev = GENESIS
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        if event.prev_hash != expected_prev:
            breaks.append(ChainBreak(event.id, "previous hash does not match: a row before it was changed or deleted"))
        if compute_hash(event) != event.hash:
            breaks.append(ChainBreak(event.id, "content does not match its hash: the row was changed"))
        expected_prev = event.hash
    return breaks
