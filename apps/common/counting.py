"""Counting that stays fast on tables of millions of rows."""

from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass(frozen=True)
class BoundedCount:
    value: int
    capped: bool  # the true count is larger than `value`


def bounded_count(queryset: QuerySet, cap: int) -> BoundedCount:
    """Count up to `cap` (SELECT COUNT(*) FROM (… LIMIT cap+1)): exact when small, "cap+" when huge."""
    found = queryset.order_by().values("pk")[:cap + 1].count()
    return BoundedCount(min(found, cap), found > cap)
