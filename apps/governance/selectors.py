"""Which governed version runs, and what waits for a reviewer."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from .choices import VersionStatus


def version_in_effect(queryset: QuerySet, *, at=None):
    """The approved version with the latest effective date that has started, or None.

    `queryset` is already narrowed to one governed thing (e.g. one mapping's versions)."""
    at = at or timezone.now()
    return (queryset.filter(status=VersionStatus.APPROVED)
            .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=at))
            .order_by(F("effective_from").desc(nulls_last=True), "-number").first())


def versions_awaiting_review(queryset: QuerySet, *, user) -> QuerySet:
    """Proposed versions this user could review: someone else's proposals only."""
    return queryset.filter(status=VersionStatus.PROPOSED).exclude(proposed_by=user)
