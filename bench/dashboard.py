"""Dashboard server time at scale: every widget of every dashboard, p50/p95 over repeated requests.

    DATABASE_URL=postgres://…/finsync_dash_bench python -m bench.dashboard [--runs 20] [--rollup-days 120]

Run it on a database filled by `bench.workbench_data` (1 M exceptions, 10 M sync records). It first builds
the daily flow rollup for the records' whole span (`sla_rollup`, timed), then requests each widget's JSON
endpoint through Django's test client as the demo's `integration` user (all entities, so the largest
scope) and measures server time. A dashboard paints at once and its widgets load in parallel, so a
dashboard's time is its slowest widget. The slowest widget's slowest query is EXPLAIN ANALYZEd. Prints
one JSON object last.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rollup-days", type=int, default=0, help="0: the span of the records")
    parser.add_argument("--skip-rollup", action="store_true")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsync.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # the page shell names hashed static files
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count, Min
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from apps.dashboard.widgets import DASHBOARDS, WIDGETS
    from apps.exceptions.models import ExceptionCase
    from apps.sla.models import FlowDailyStats
    from apps.sla.rollup import flow_stats_refresh
    from apps.sync.models import SyncRecord

    load_before = os.getloadavg()  # the machine is shared: the load seen while measuring goes in the report
    result: dict = {"vendor": connection.vendor, "runs": args.runs,
                    "exceptions": ExceptionCase.objects.count(), "records": SyncRecord.objects.count()}
    if not args.skip_rollup:
        first = SyncRecord.objects.aggregate(first=Min("created_at"))["first"]
        today = timezone.now().date()
        start = today - __import__("datetime").timedelta(days=args.rollup_days) if args.rollup_days else first.date()
        started = time.perf_counter()
        day, rows = start, 0
        while day <= today:  # one day per transaction, as `manage.py sla_rollup` does
            rows += flow_stats_refresh(first=day, last=day)
            day += __import__("datetime").timedelta(days=1)
        result["rollup_seconds"] = round(time.perf_counter() - started, 1)
        result["rollup_days"] = (today - start).days + 1
        result["rollup_rows"] = rows
        started = time.perf_counter()
        flow_stats_refresh()
        result["rollup_refresh_two_days_seconds"] = round(time.perf_counter() - started, 2)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sla_flowdailystats")
    result["rollup_table_rows"] = FlowDailyStats.objects.count()
    result["open_exceptions"] = (ExceptionCase.objects.filter(status__in=["open", "assigned"])
                                 .aggregate(n=Count("id"))["n"])

    client = Client()
    client.force_login(get_user_model().objects.get(username="integration"))
    widgets: dict[str, dict] = {}
    slowest: tuple[float, str, list] = (0.0, "", [])
    for name in WIDGETS:
        url = f"/dashboards/widgets/{name}/?days=30"
        assert client.get(url).status_code == 200  # warm-up (sessions, caches)
        times = []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:300]
        widgets[name] = {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(_p(times, 0.95), 1),
                         "queries": len(queries.captured_queries)}
        if _p(times, 0.95) > slowest[0]:
            slowest = (_p(times, 0.95), name, list(queries.captured_queries))
    result["widgets"] = widgets
    result["dashboards"] = {slug: {"p95_ms": max(widgets[w]["p95_ms"] for w in board.widgets),
                                   "slowest_widget": max(board.widgets, key=lambda w: widgets[w]["p95_ms"])}
                            for slug, board in DASHBOARDS.items()}
    # The page shell (tabs, filters, empty cards) is served before any widget.
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        client.get("/dashboards/")
        times.append((time.perf_counter() - started) * 1000)
    result["page_shell_p95_ms"] = round(_p(times, 0.95), 1)

    _, name, queries = slowest
    result["slowest_widget"] = name
    if queries and connection.vendor == "postgresql":
        timed = []
        with connection.cursor() as cursor:
            for q in queries:
                if not q["sql"].lstrip().upper().startswith("SELECT"):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
                total = float(plan.rsplit("Execution Time: ", 1)[1].split(" ")[0])
                timed.append((total, q["sql"], plan))
        total, sql, plan = max(timed)
        result["slowest_query_ms"] = total
        result["slowest_query_sql"] = sql
        result["slowest_query_plan"] = plan
    result["load_average"] = {"before": [round(x, 1) for x in load_before],
                              "after": [round(x, 1) for x in os.getloadavg()]}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
