"""Workbench server time at scale: the list under one filter and under three combined, and the exception detail.

    DATABASE_URL=postgres://…/finsync_scale python -m bench.workbench_scale [--runs 20]

Run it on a database filled by `bench.workbench_data` (1 M exceptions, 10 M sync records) after VACUUM
ANALYZE. Requests go through Django's test client (server time: request in → response out, rendering
included) as the demo's `controller` (three legal entities) — the usual reader — after one warm-up request
each. Each filter set names real values from the data (the busiest entity, kind, source system). The detail
is requested for cases spread over the table, including members of the largest fingerprint groups. The
slowest query of the slowest page is EXPLAIN ANALYZEd. Prints one JSON object last.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _filters(user) -> tuple[dict[str, str], dict[str, str]]:
    """(one-dimension filters, three-dimension filters) as query strings, with values taken from the data."""
    from django.db.models import Count

    from apps.access.selectors import entity_ids
    from apps.exceptions.models import ExceptionCase

    scope = ExceptionCase.objects.filter(legal_entity_id__in=entity_ids(user), status__in=["open", "assigned"])
    entity = scope.values("legal_entity_id").annotate(n=Count("id")).order_by("-n")[0]["legal_entity_id"]
    kind = scope.values("kind").annotate(n=Count("id")).order_by("-n")[0]["kind"]
    rare_kind = scope.values("kind").annotate(n=Count("id")).order_by("n")[0]["kind"]
    system = scope.values("source_system_id").annotate(n=Count("id")).order_by("-n")[0]["source_system_id"]
    supplier = (scope.exclude(supplier=None).values("supplier_id").annotate(n=Count("id")).order_by("-n")
                .first() or {}).get("supplier_id")
    reference = scope.exclude(reference="").order_by("-id").values_list("reference", flat=True)[0]
    one = {
        "legal entity": f"legal_entity_id={entity}",
        "kind (busiest)": f"kind={kind}",
        "kind (rarest)": f"kind={rare_kind}",
        "severity": "severity=critical",
        "source system": f"source_system_id={system}",
        "SLA breached": "sla=breached",
        "older than 30 days": "older_than_hours=720",
        "reference search": f"q={reference}",
        "all statuses": "status=open&status=assigned&status=resolved&status=ignored",
    }
    if supplier:
        one["supplier"] = f"supplier_id={supplier}"
    three = {
        "entity + kind + severity": f"legal_entity_id={entity}&kind={kind}&severity=high",
        "entity + source system + SLA breached": f"legal_entity_id={entity}&source_system_id={system}&sla=breached",
        "kind + severity + older than 7 days": f"kind={kind}&severity=high&older_than_hours=168",
        "entity + all statuses + source system": (f"legal_entity_id={entity}&status=resolved&status=open"
                                                  f"&source_system_id={system}"),
    }
    return one, three


def _time(client, url: str, runs: int, connection) -> dict:
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times, sql_times, queries = [], [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = list(captured.captured_queries)
        sql_times.append(sum(float(q["time"]) for q in queries) * 1000)
    # sql: time spent waiting for the database, so the rest is Python (filters, template, rendering).
    return {"url": url, "p50_ms": round(statistics.median(times), 1), "p95_ms": round(_p(times, 0.95), 1),
            "sql_p95_ms": round(_p(sql_times, 0.95), 1), "queries": len(queries), "_captured": queries}


def _scans(plan: str) -> str:
    """The scan nodes of a plan, e.g. "Index Only Scan using exception_open_cover_idx", one per line joined."""
    heads = [line.strip().lstrip("-> ").split("  (")[0] for line in plan.splitlines()]
    nodes = [head for head in heads if "Scan" in head.split(" on ")[0] and not head.startswith(("Index Cond", "Heap"))]
    return "; ".join(dict.fromkeys(nodes))


def _explain_each(connection, pages: dict) -> None:
    """Per page: the slowest query's execution time and scan nodes (which index each filter used)."""
    for timings in pages.values():
        for timed in timings.values():
            found = _explain_slowest(connection, timed["_captured"])
            timed["slowest_query_ms"] = found["slowest_query_ms"]
            timed["scans"] = _scans(found["slowest_query_plan"])


def _explain_slowest(connection, captured: list[dict]) -> dict:
    timed = []
    with connection.cursor() as cursor:
        for q in captured:
            if not q["sql"].lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            timed.append((float(plan.rsplit("Execution Time: ", 1)[1].split(" ")[0]), q["sql"], plan))
    total, sql, plan = max(timed)
    return {"slowest_query_ms": total, "slowest_query_sql": sql, "slowest_query_plan": plan}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.workbench_scale")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--details", type=int, default=20, help="distinct cases whose detail page is timed")
    parser.add_argument("--user", default="controller")
    parser.add_argument("--explain-each", action="store_true", help="EXPLAIN ANALYZE each page's slowest query")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsync.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count, Max, Min
    from django.test import Client

    from apps.exceptions.models import ExceptionCase
    from apps.sync.models import SyncRecord

    user = get_user_model().objects.get(username=args.user)
    client = Client()
    client.force_login(user)
    one, three = _filters(user)
    load_before = os.getloadavg()  # the machine is shared: the load seen while measuring goes in the report
    result: dict = {"user": args.user, "runs": args.runs, "exceptions": ExceptionCase.objects.count(),
                    "records": SyncRecord.objects.count(),
                    "open_exceptions": ExceptionCase.objects.filter(status__in=["open", "assigned"]).count()}
    pages = {"list": {}, "list (3 filters)": {}, "detail": {}}
    pages["list"]["no filter (open cases)"] = _time(client, "/workbench/", args.runs, connection)
    for label, query in one.items():
        pages["list"][label] = _time(client, f"/workbench/?{query}", args.runs, connection)
    for label, query in three.items():
        pages["list (3 filters)"][label] = _time(client, f"/workbench/?{query}", args.runs, connection)

    # Detail: cases spread over the id range, plus members of the three largest fingerprint groups.
    from apps.access.selectors import entity_ids

    visible = ExceptionCase.objects.filter(legal_entity_id__in=entity_ids(user))
    bounds = visible.aggregate(lo=Min("id"), hi=Max("id"))
    rng = random.Random(7)
    ids = []
    while len(ids) < args.details:
        pk = visible.filter(id__gte=rng.randint(bounds["lo"], bounds["hi"])).order_by("id").values_list(
            "id", flat=True).first()
        if pk:
            ids.append(pk)
    for group in visible.values("fingerprint").annotate(n=Count("id")).order_by("-n")[:3]:
        ids.append(visible.filter(fingerprint=group["fingerprint"]).order_by("-id").values_list("id", flat=True)[0])
    detail_times, slowest_detail = [], None
    for pk in ids:
        timed = _time(client, f"/workbench/{pk}/", max(3, args.runs // 4), connection)
        detail_times.append(timed["p95_ms"])
        if slowest_detail is None or timed["p95_ms"] > slowest_detail["p95_ms"]:
            slowest_detail = timed
    pages["detail"][f"{len(ids)} cases (p95 of each; worst shown)"] = slowest_detail | {
        "p50_ms": round(statistics.median(detail_times), 1)}

    if args.explain_each and connection.vendor == "postgresql":
        _explain_each(connection, pages)
    slowest = max((t for group in pages.values() for t in group.values()), key=lambda t: t["p95_ms"])
    if connection.vendor == "postgresql":
        result |= _explain_slowest(connection, slowest["_captured"])
    result["slowest_url"] = slowest["url"]
    result["pages"] = {group: {label: {k: v for k, v in t.items() if not k.startswith("_")}
                               for label, t in timings.items()} for group, timings in pages.items()}
    result["load_average"] = {"before": [round(x, 1) for x in load_before],
                              "after": [round(x, 1) for x in os.getloadavg()]}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
