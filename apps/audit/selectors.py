"""Reads of the audit trail for auditors: scoped to their legal entities (plus entity-less events)."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Q, QuerySet

from apps.access.roles import Capability
from apps.access.selectors import can, entity_ids
from apps.common.errors import PermissionDenied

from .models import AuditEvent
from .services import ChainBreak, audit_verify

VERIFY_CACHE_KEY = "audit:verify"
VERIFY_CACHE_SECONDS = 60


def audit_event_list(*, user) -> QuerySet[AuditEvent]:
    """Events the user may browse: VIEW_AUDIT, their entities' events and those that belong to no entity
    (sign-in lockouts, API tokens, global configuration)."""
    if not can(user, Capability.VIEW_AUDIT):
        raise PermissionDenied("Browsing the audit trail needs the auditor's capability.", code="audit_denied")
    in_scope = Q(legal_entity_id__in=entity_ids(user)) | Q(legal_entity__isnull=True)
    return AuditEvent.objects.filter(in_scope).select_related("legal_entity", "actor").order_by("-id")


def audit_chain_status(*, fresh: bool = False) -> dict:
    """The chain's verification (whole trail, every entity), cached briefly: it reads every row."""
    status = None if fresh else cache.get(VERIFY_CACHE_KEY)
    if status is None:
        breaks: list[ChainBreak] = audit_verify()
        status = {"intact": not breaks, "total": AuditEvent.objects.count(),
                  "breaks": [{"event_id": b.event_id, "problem": b.problem} for b in breaks[:20]],
                  "break_count": len(breaks)}
        cache.set(VERIFY_CACHE_KEY, status, VERIFY_CACHE_SECONDS)
    return status


def audit_diff(event: AuditEvent) -> list[dict]:
    """Field-by-field before/after of an event, changed fields first."""
    before, after = event.before or {}, event.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [{"field": "(value)", "before": before, "after": after, "changed": before != after}]
    rows = [{"field": key, "before": before.get(key), "after": after.get(key),
             "changed": before.get(key) != after.get(key)} for key in sorted(set(before) | set(after))]
    return sorted(rows, key=lambda row: not row["changed"])


def audit_actor_ids(*, obj, actions: list[str]) -> set[int]:
    """Ids of the people the audit trail records doing any of `actions` to `obj` (the trail is append-only and
    hash-chained, so it is the record of who wrote what)."""
    return set(AuditEvent.objects.filter(object_type=obj._meta.label, object_id=str(obj.pk), action__in=actions,
                                         actor__isnull=False).values_list("actor_id", flat=True))
