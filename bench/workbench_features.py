"""Workbench list features at scale: facets, grouping by fingerprint, keyset pages deep into the list, every
sort, the bounded count, and a CSV export of a one-filter view.

    DATABASE_URL=postgres://…/finsync_scale python -m bench.workbench_features [--runs 5]

Run on a database filled by `bench.workbench_data` (after VACUUM ANALYZE). Times the selectors the pages call
(apps/workbench/listing.py, export.py) as the demo `controller`, after one warm-up call each, so the numbers
are database + Python time without template rendering (the page itself is timed by bench.workbench_scale).
The slowest query is EXPLAIN ANALYZEd. Prints one JSON object last.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from bench.workbench_scale import _p


def _timed(fn, runs: int) -> dict:
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(_p(times, 0.95), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.workbench_features")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--user", default="controller")
    parser.add_argument("--deep", type=int, default=200, help="keyset pages to walk before timing one")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsync.settings.base")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext

    from apps.exceptions.choices import OPEN_STATUSES
    from apps.exceptions.filtersets import ExceptionFilterSet
    from apps.exceptions.selectors import exception_queryset
    from apps.workbench import listing
    from apps.workbench.export import csv_stream

    user = get_user_model().objects.get(username=args.user)

    def filtered(query: str = ""):
        params = QueryDict(query, mutable=True)
        if "status" not in params:
            params.setlist("status", list(OPEN_STATUSES))
        return ExceptionFilterSet(params, queryset=exception_queryset(user=user).select_related(
            "legal_entity", "source_system", "owner")).qs

    open_cases = filtered()
    busiest_kind = open_cases.order_by().values_list("kind", flat=True).first()
    one = f"kind={busiest_kind}"
    results: dict = {"user": args.user, "runs": args.runs, "open_visible": listing.bounded_count(open_cases).value}
    timings: dict = {}
    with CaptureQueriesContext(connection) as captured:
        timings["facets (open cases)"] = _timed(lambda: listing.facets(filtered()), args.runs)
        timings[f"facets ({one})"] = _timed(lambda: listing.facets(filtered(one)), args.runs)
        timings["group by fingerprint (open cases)"] = _timed(lambda: listing.fingerprint_groups(filtered()),
                                                              args.runs)
        timings["bounded count (open cases)"] = _timed(lambda: listing.bounded_count(filtered()), args.runs)
        for key, sort in listing.SORTS.items():
            timings[f"first page, sort {key}"] = _timed(
                lambda sort=sort: listing.list_page(filtered(), sort=sort, cursor=None), args.runs)
        sort = listing.SORTS[listing.DEFAULT_SORT]
        cursor = None
        for _ in range(args.deep):
            page = listing.list_page(filtered(), sort=sort, cursor=cursor)
            cursor = page.next_cursor or cursor
        timings[f"page {args.deep + 1} (keyset), default sort"] = _timed(
            lambda: listing.list_page(filtered(), sort=sort, cursor=cursor), args.runs)
        rare = filtered().order_by().values("kind").annotate(n=Count("id")).order_by("n").first()
        rows = {"n": 0}

        def export():
            rows["n"] = sum(1 for _ in csv_stream(filtered(f"kind={rare['kind']}"))) - 2

        timings[f"CSV export (kind={rare['kind']}, {rare['n']:,} rows)"] = _timed(export, max(1, args.runs // 2))
    selects = [q for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    slowest = max(selects, key=lambda q: float(q["time"]))
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        plan = "\n".join(row[0] for row in cur.fetchall())
    results |= {"timings": timings, "slowest_query_sql": slowest["sql"], "slowest_query_plan": plan}
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
