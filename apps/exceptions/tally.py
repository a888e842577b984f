"""The maintained count of open exceptions per (legal entity, kind, first-seen day): see OpenExceptionTally.

Writers: the exception services call `tally_opened` / `tally_closed` in the transaction that opens or closes
cases, so the tally commits or rolls back with them. A change between the two open statuses (open ↔ assigned)
changes nothing here. Readers: `open_by_entity_kind` and `open_by_entity_age` (the exception dashboards).
Bulk loads that bypass the services (bench/workbench_data.py writes by COPY) call `tally_rebuild` at the end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import TruncDate

from .choices import OPEN_STATUSES
from .models import ExceptionCase, OpenExceptionTally

# Days before this fold into one row per entity and kind: older than the dashboards' oldest age bound (30 days)
# at any later time, so their exact day no longer matters to any widget.
OLD_DAY = date(1970, 1, 1)
KEEP_DAYS = 31


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _record(cases: Iterable[ExceptionCase], sign: int) -> None:
    counts = Counter((case.legal_entity_id, case.kind, _day(case.first_seen)) for case in cases)
    if counts:
        OpenExceptionTally.objects.bulk_create(
            [
                OpenExceptionTally(legal_entity_id=entity_id, kind=kind, day=day, n=sign * n)
                for (entity_id, kind, day), n in sorted(counts.items(), key=lambda item: str(item[0]))
            ]
        )


def tally_opened(*, cases: Iterable[ExceptionCase]) -> None:
    """Count cases that just became open (raised, or reopened). Call inside the transaction that did it."""
    _record(cases, +1)


def tally_closed(*, cases: Iterable[ExceptionCase]) -> None:
    """Uncount cases that were open and just became resolved or ignored. Call inside that transaction."""
    _record(cases, -1)


def tally_compact(*, today: date | None = None) -> int:
    """Fold the delta rows into one row per key (and days older than KEEP_DAYS into OLD_DAY). Returns the rows
    left. Safe beside concurrent writers: on PostgreSQL one statement deletes exactly the rows it re-adds (rows
    committed meanwhile stay as they are); SQLite runs it in an IMMEDIATE transaction (no other writer)."""
    cutoff = (today or datetime.now(UTC).date()) - timedelta(days=KEEP_DAYS)
    table = OpenExceptionTally._meta.db_table
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"WITH gone AS (DELETE FROM {table} RETURNING legal_entity_id, kind, day, n) "  # noqa: S608
                    f"INSERT INTO {table} (legal_entity_id, kind, day, n) "
                    "SELECT legal_entity_id, kind, CASE WHEN day < %s THEN %s ELSE day END, SUM(n) FROM gone "
                    "GROUP BY 1, 2, 3 HAVING SUM(n) <> 0",
                    [cutoff, OLD_DAY],
                )
        else:
            folded: Counter = Counter()
            for row in OpenExceptionTally.objects.values("legal_entity_id", "kind", "day", "n"):
                day = OLD_DAY if row["day"] < cutoff else row["day"]
                folded[(row["legal_entity_id"], row["kind"], day)] += row["n"]
            OpenExceptionTally.objects.all().delete()
            OpenExceptionTally.objects.bulk_create(
                [OpenExceptionTally(legal_entity_id=e, kind=k, day=d, n=n) for (e, k, d), n in folded.items() if n],
                batch_size=1000,
            )
        return OpenExceptionTally.objects.count()


def tally_rebuild(*, case_model=ExceptionCase, tally_model=OpenExceptionTally, using: str = "default") -> int:
    """Recount the tally from the exceptions table (after a bulk load, a restore, or to repair it). Writers of
    exceptions wait meanwhile on PostgreSQL (SHARE lock), so no change is counted twice or missed. The models
    can be a migration's historical ones. Returns the number of open cases counted."""
    conn = transaction.get_connection(using)
    with transaction.atomic(using=using):
        if conn.vendor == "postgresql":
            with conn.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {case_model._meta.db_table} IN SHARE MODE")
        tally_model.objects.using(using).all().delete()
        rows = (
            case_model.objects.using(using)
            .filter(status__in=[str(s) for s in OPEN_STATUSES])
            .annotate(first_day=TruncDate("first_seen", tzinfo=UTC))
            .values("legal_entity_id", "kind", "first_day")
            .annotate(n=Count("id"))
            .order_by()
        )
        cutoff = datetime.now(UTC).date() - timedelta(days=KEEP_DAYS)
        folded: Counter = Counter()
        for row in rows:
            day = OLD_DAY if row["first_day"] < cutoff else row["first_day"]
            folded[(row["legal_entity_id"], row["kind"], day)] += row["n"]
        tally_model.objects.using(using).bulk_create(
            [tally_model(legal_entity_id=e, kind=k, day=d, n=n) for (e, k, d), n in folded.items()], batch_size=1000
        )
    return sum(folded.values())


def open_by_entity_kind(*, scope: Q) -> dict[tuple[int | None, str], int]:
    """Open cases per (legal entity, kind) within `scope` (a Q on legal_entity_id)."""
    rows = (
        OpenExceptionTally.objects.filter(scope).values("legal_entity_id", "kind").annotate(total=Sum("n")).order_by()
    )
    return {(r["legal_entity_id"], r["kind"]): r["total"] for r in rows if r["total"]}


def open_by_entity_age(*, scope: Q, now: datetime, bounds_hours: Sequence[int]) -> dict[tuple[int | None, int], int]:
    """Open cases per (legal entity, age bucket) within `scope`. Bucket i holds the cases first seen at least
    bounds_hours[i] hours before `now` but not bounds_hours[i + 1] (bounds ascending, the first usually 0).

    Exact, not rounded to days: whole days come from the tally. A day that a bound cuts through (at most one per
    bound) is split at the cut: the shorter side (at most 12 hours of cases) is counted from the exceptions table,
    one range query per side (an index-only range scan of exception_open_first_seen_idx), and the longer side is
    the day's tally less that count."""
    cuts = sorted(now - timedelta(hours=hours) for hours in bounds_hours if hours)
    counts: Counter = Counter()
    split_totals: dict[date, Counter] = {}
    split_days = {_day(cut) for cut in cuts}
    for row in (
        OpenExceptionTally.objects.filter(scope).values("legal_entity_id", "day").annotate(total=Sum("n")).order_by()
    ):
        if row["day"] in split_days:
            split_totals.setdefault(row["day"], Counter())[row["legal_entity_id"]] += row["total"]
        else:
            end = datetime(row["day"].year, row["day"].month, row["day"].day, tzinfo=UTC) + timedelta(days=1)
            counts[(row["legal_entity_id"], sum(1 for cut in cuts if cut >= end))] += row["total"]
    counted = []  # (day, bucket, bounds) of the segments counted from the table
    longest_bucket: dict[date, int] = {}
    for day in sorted(split_days):
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        end = start + timedelta(days=1)
        inside = [cut for cut in cuts if start <= cut < end]
        later = sum(1 for cut in cuts if cut >= end)
        # Segments [start, c1], (c1, c2], …, (ck, end): a case in segment j is older than the k - j cuts after it.
        edges = [start, *inside, end]
        segments = [(edges[j], edges[j + 1], later + len(inside) - j) for j in range(len(edges) - 1)]
        longest = max(range(len(segments)), key=lambda j: segments[j][1] - segments[j][0])
        longest_bucket[day] = segments[longest][2]
        for j, (lo, hi, bucket) in enumerate(segments):
            if j != longest:
                bounds = Q(first_seen__gte=lo) if j == 0 else Q(first_seen__gt=lo)
                bounds &= Q(first_seen__lt=hi) if j == len(segments) - 1 else Q(first_seen__lte=hi)
                counted.append((day, bucket, bounds))
    rest = {day: Counter(split_totals.get(day, Counter())) for day in split_days}
    if counted:
        # One statement, one index-only range scan per segment (a single scan over OR-ed ranges is not planned so).
        parts = [
            ExceptionCase.objects.filter(scope, bounds, status__in=OPEN_STATUSES)
            .values("legal_entity_id")
            .annotate(total=Count("*"), segment=Value(k))  # COUNT(*): no column outside the index (index-only)
            .values("legal_entity_id", "segment", "total")
            .order_by()
            for k, (_, _, bounds) in enumerate(counted)
        ]
        for row in parts[0].union(*parts[1:], all=True):
            day, bucket, _ = counted[row["segment"]]
            counts[(row["legal_entity_id"], bucket)] += row["total"]
            rest[day][row["legal_entity_id"]] -= row["total"]
    for day, left in rest.items():
        for entity_id, n in left.items():
            counts[(entity_id, longest_bucket[day])] += n
    return {key: n for key, n in counts.items() if n}
