"""Entity scoping of the rollup rows, applied once for every figure."""

from __future__ import annotations

from django.db.models import Q

from apps.access.roles import Capability
from apps.access.selectors import can


def entity_q(user, filters, field: str = "legal_entity_id") -> Q:
    """Rows of the filtered entities; rows without an entity (a connector-level problem) only for people
    who configure connectors and only when no single entity is asked for — as in the workbench."""
    q = Q(**{f"{field}__in": filters.entities})
    if filters.entity_id is None and can(user, Capability.CONFIGURE):
        q |= Q(**{f"{field}__isnull": True})
    return q
