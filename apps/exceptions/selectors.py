"""Reads of exceptions, always scoped to the user's legal entities.

Cases without a legal entity (e.g. a connector that needs re-authorising) are visible to users who
can configure connectors, and to no one else.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.access.roles import Capability
from apps.access.selectors import can, entity_ids

from .models import ExceptionCase


def exception_queryset(*, user) -> QuerySet[ExceptionCase]:
    scope = Q(legal_entity_id__in=entity_ids(user))
    if can(user, Capability.CONFIGURE):
        scope |= Q(legal_entity__isnull=True)
    return ExceptionCase.objects.filter(scope)


def exception_in_scope(*, user, case: ExceptionCase) -> bool:
    """Whether the user's scope includes the case (the same rule as exception_queryset, for one row)."""
    if case.legal_entity_id is None:
        return can(user, Capability.CONFIGURE)
    return case.legal_entity_id in entity_ids(user)


def exception_get(*, user, pk: int) -> ExceptionCase:
    """The case, or ExceptionCase.DoesNotExist when it is missing or outside the user's scope (404, not 403)."""
    return exception_queryset(user=user).select_related(
        "legal_entity", "bank_account", "supplier", "payment_batch", "period", "source_system", "owner",
        "sync_record").get(pk=pk)
