"""Reads of sync records, scoped to the user's legal entities (records without one: configurers only)."""

from django.db.models import Q

from apps.access.roles import Capability
from apps.access.selectors import can, entity_ids

from .models import SyncRecord


def record_queryset(*, user):
    scope = Q(legal_entity_id__in=entity_ids(user))
    if can(user, Capability.CONFIGURE):
        scope |= Q(legal_entity__isnull=True)
    return SyncRecord.objects.filter(scope).select_related("connector", "legal_entity")
