"""The workbench list's reads: sorting, keyset pagination, a bounded count, grouping by fingerprint and
facet counts. Everything takes an already scoped and filtered queryset (views.list_filterset).

Keyset pagination ("rows after this one in this order") costs the same on page 1 and page 20,000, where
OFFSET would read and throw away every earlier row; the count stops at COUNT_CAP for the same reason.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from apps.common.counting import bounded_count
from apps.exceptions.choices import OPEN_STATUSES, Severity, Status
from apps.exceptions.filtersets import DUE_SOON

PAGE_SIZE = 50
COUNT_CAP = 10_000
GROUPS_PAGE_SIZE = 50
FACET_LIMIT = 12
MAX_ID = 2**63  # a cursor value beyond bigint is not one of ours


@dataclass(frozen=True)
class Sort:
    label: str
    field: str
    descending: bool
    nullable: bool = False


SORTS: dict[str, Sort] = {
    "-last_seen": Sort("Latest activity", "last_seen", True),
    "first_seen": Sort("Oldest first (age)", "first_seen", False),
    "-first_seen": Sort("Newest first", "first_seen", True),
    "sla_due_at": Sort("SLA due soonest", "sla_due_at", False, nullable=True),
    "-occurrence_count": Sort("Most repeated", "occurrence_count", True),
}
DEFAULT_SORT = "-last_seen"
AGE_CHOICES = [(24, "Older than 1 day"), (72, "Older than 3 days"), (168, "Older than 7 days"),
               (720, "Older than 30 days")]


def sort_for(value: str | None) -> tuple[str, Sort]:
    key = value if value in SORTS else DEFAULT_SORT
    return key, SORTS[key]


def _ordering(sort: Sort) -> list:
    # Always NULLS LAST, also on NOT NULL columns: the list's order indexes are built exactly so
    # (exceptions.ExceptionCase.Meta: last_seen DESC NULLS LAST, id DESC), and PostgreSQL walks an index only
    # when the ORDER BY matches it, NULL placement included.
    field = F(sort.field)
    expr = field.desc(nulls_last=True) if sort.descending else field.asc(nulls_last=True)
    return [expr, "-id" if sort.descending else "id"]


def _encode(value, pk: int) -> str:
    raw = json.dumps([value.isoformat() if isinstance(value, datetime) else value, pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, sort: Sort):
    """(value, id) from a cursor, or None when it is not one of ours (then the list starts at the top)."""
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        pk = int(pk)
        if not 0 < pk < MAX_ID:
            return None
        if value is not None and sort.field in {"last_seen", "first_seen", "sla_due_at"}:
            value = datetime.fromisoformat(value)
            if timezone.is_naive(value):
                return None
        elif value is not None:
            value = int(value)
            if not 0 <= value < MAX_ID:
                return None
    except (ValueError, TypeError, json.JSONDecodeError):
        return None
    if value is None and not sort.nullable:
        return None
    return value, pk


def _after(sort: Sort, value, pk: int) -> Q:
    """Rows that come after (value, pk) in the sort order; NULLs sort last."""
    if value is None:
        return Q(**{f"{sort.field}__isnull": True}) & (Q(pk__lt=pk) if sort.descending else Q(pk__gt=pk))
    beyond, tie = ("lt", Q(pk__lt=pk)) if sort.descending else ("gt", Q(pk__gt=pk))
    later = Q(**{f"{sort.field}__{beyond}": value}) | (Q(**{sort.field: value}) & tie)
    if sort.nullable:
        later |= Q(**{f"{sort.field}__isnull": True})
    return later


@dataclass
class ListPage:
    rows: list
    next_cursor: str | None
    is_first: bool


def list_page(queryset: QuerySet, *, sort: Sort, cursor: str | None, size: int = PAGE_SIZE) -> ListPage:
    """One page of rows in `sort` order after the cursor, in two queries: first the page's ids, then its rows.

    The id query reads only indexed columns, so PostgreSQL answers it from the open-cases covering index
    (exceptions 0005: the list order plus every filter column) without touching the table; walking that index
    past 100,000 non-matching entries (an old-cases filter, a rare kind) costs milliseconds, where filtering the
    same walk on table rows read ~100,000 heap pages. The second query fetches just those 51 rows by key."""
    position = _decode(cursor, sort) if cursor else None
    if position is not None:
        queryset = queryset.filter(_after(sort, *position))
    ids = list(queryset.order_by(*_ordering(sort)).values_list("pk", flat=True)[:size + 1])
    found = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)} if ids else {}
    rows = [found[pk] for pk in ids if pk in found]  # a row changed between the two reads drops out of this page
    more = len(ids) > size
    rows = rows[:size]
    last = rows[-1] if rows and more else None
    return ListPage(rows=rows, next_cursor=_encode(getattr(last, sort.field), last.pk) if last else None,
                    is_first=position is None)


SEVERITY_ORDER = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]


def fingerprint_groups(queryset: QuerySet, *, page: int = 1) -> tuple[list[dict], bool]:
    """One row per problem (fingerprint) with how many cases and occurrences it has, biggest first."""
    start = (max(page, 1) - 1) * GROUPS_PAGE_SIZE
    groups = list(queryset.order_by().values("fingerprint").annotate(
        cases=Count("id"), occurrences=Sum("occurrence_count"), last_seen=Max("last_seen"),
        first_seen=Min("first_seen"), kind=Min("kind"), title=Min("title"), entities=Count("legal_entity",
                                                                                           distinct=True))
        .order_by("-cases", "-last_seen", "fingerprint")[start:start + GROUPS_PAGE_SIZE + 1])
    return groups[:GROUPS_PAGE_SIZE], len(groups) > GROUPS_PAGE_SIZE


@dataclass(frozen=True)
class FacetValue:
    param: str
    value: str
    label: str
    count: int


def _facet(queryset, field: str, param: str, label_field: str | None = None, labels: dict | None = None):
    fields = [field, label_field] if label_field else [field]
    rows = (queryset.order_by().values(*fields).annotate(n=Count("id")).order_by("-n")[:FACET_LIMIT])
    return [FacetValue(param, str(row[field]), (labels or {}).get(row[field])
                       or (row[label_field] if label_field else str(row[field])), row["n"])
            for row in rows if row[field] not in (None, "")]


def facets(queryset: QuerySet) -> dict[str, list[FacetValue]] | None:
    """Counts of the current result by the dimensions people narrow by, each value a link that narrows; None
    when more than COUNT_CAP exceptions match (counting a million rows seven ways takes seconds: the page
    asks to narrow the filter first instead)."""
    if bounded_count(queryset, COUNT_CAP).capped:
        return None
    now = timezone.now()
    open_cases = queryset.filter(status__in=OPEN_STATUSES)
    sla = open_cases.aggregate(
        breached=Count("id", filter=Q(sla_due_at__lt=now)),
        due_soon=Count("id", filter=Q(sla_due_at__gte=now, sla_due_at__lt=now + DUE_SOON)),
        on_time=Count("id", filter=Q(sla_due_at__gte=now + DUE_SOON)))
    return {
        "Status": _facet(queryset, "status", "status", labels=dict(Status.choices)),
        "Severity": sorted(_facet(queryset, "severity", "severity", labels=dict(Severity.choices)),
                           key=lambda f: SEVERITY_ORDER.index(f.value)),
        "SLA": [FacetValue("sla", key, label, sla[key]) for key, label in
                [("breached", "Breached"), ("due_soon", "Due soon"), ("on_time", "On time")] if sla[key]],
        "Legal entity": _facet(queryset, "legal_entity_id", "legal_entity_id", "legal_entity__code"),
        "Source system": _facet(queryset, "source_system_id", "source_system_id", "source_system__name"),
        "Kind": _facet(queryset, "kind", "kind"),
        "Record type": _facet(queryset, "record_type", "record_type"),
    }
