"""Live update latency: from the commit of an exception to its row on an open workbench page.

    DATABASE_URL=postgres://…/finsync_bench_live python -m bench.live_latency --events 100

The database gets the demo world (`demo_seed`, migrated first). A uvicorn process serves the ASGI application
(pages and /ws/ on one origin, as under `make run`), headless Chromium opens the workbench list as the demo's
`controller` and waits for the indicator to say Live. Then, one after another with a pause between them,
exceptions are raised in committed transactions; the commit time is taken by an on_commit callback registered
before the service's own (callbacks run in order, so it fires right after COMMIT, before the broadcast). The
page's arrival time is taken by a MutationObserver when the row (fetched through the row partial) enters the
table. Both clocks are this machine's wall clock (Date.now() / time.time(), ms resolution). Prints one JSON
object last: p50, p95, max and every latency in ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from bench.common import ROOT, setup_django
from finsync.embedded import free_port

OBSERVER = """() => {
  window.arrivals = {};
  new MutationObserver((records) => {
    const now = Date.now();
    for (const record of records) for (const node of record.addedNodes) {
      if (node.dataset && node.dataset.exceptionId && !(node.dataset.exceptionId in window.arrivals)) {
        window.arrivals[node.dataset.exceptionId] = now;
      }
    }
  }).observe(document.querySelector("[data-live-rows]"), { childList: true });
}"""


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _prepare() -> tuple[str, object]:
    """Demo world, static files for the server, and the session cookie of the DE controller."""
    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from apps.demo.services import demo_seed
    from apps.exceptions.services import exception_raise
    from apps.masterdata.models import LegalEntity

    demo_seed()
    call_command("collectstatic", interactive=False, verbosity=0)
    user = get_user_model().objects.get(username="controller")
    entity = LegalEntity.objects.filter(id__in=user.entity_memberships.values("legal_entity_id")).order_by("code")[0]
    # The page must have a table for rows to go into (an empty list shows its empty state instead).
    exception_raise(kind="invoice.match", message="warm-up", reference="LIVE-BENCH-0", legal_entity=entity)
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value, entity


def _raise_committed(entity, n: int) -> tuple[int, float]:
    """Raise one exception in its own transaction; (its id, commit time in epoch ms)."""
    from django.db import connections, transaction

    from apps.exceptions.services import exception_raise

    committed = {}
    try:
        with transaction.atomic():
            transaction.on_commit(lambda: committed.setdefault("ms", time.time() * 1000))
            case = exception_raise(kind="payment.unacknowledged", message=f"No pain.002 for LIVE-BENCH-{n}",
                                   reference=f"LIVE-BENCH-{n}", legal_entity=entity)
    finally:
        connections.close_all()
    return case.pk, committed["ms"]


def _serve(port: int) -> subprocess.Popen:
    env = dict(os.environ, FINSYNC_LOG_LEVEL="WARNING", DEBUG="0", FINSYNC_SANDBOX="0")
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "finsync.asgi:application", "--host", "127.0.0.1",
                             "--port", str(port), "--no-access-log", "--log-level", "warning"],
                            cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=5).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("uvicorn did not answer in 90 s")


def measure(*, events: int, pause: float) -> dict:
    from playwright.sync_api import sync_playwright

    cookie, entity = _prepare()
    port = free_port()
    server = _serve(port)
    latencies: list[float] = []
    try:
        with sync_playwright() as pw, ThreadPoolExecutor(1) as db_thread:
            browser = pw.chromium.launch(executable_path=os.environ.get("FINSYNC_CHROMIUM", "/usr/bin/chromium"),
                                         args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context()
            base = f"http://127.0.0.1:{port}"
            context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
            page = context.new_page()
            page.goto(f"{base}/workbench/")
            page.wait_for_selector("[data-live-feed][data-state=live]", timeout=30_000)
            page.evaluate(OBSERVER)
            for n in range(1, events + 1):
                # Django's sync database API may not run in Playwright's event-loop thread: raise from another.
                pk, commit_ms = db_thread.submit(_raise_committed, entity, n).result()
                page.wait_for_function(f"() => '{pk}' in window.arrivals", timeout=30_000)
                latencies.append(page.evaluate(f"window.arrivals['{pk}']") - commit_ms)
                time.sleep(pause)
            browser.close()
    finally:
        server.terminate()
        server.wait(30)
    return {"events": events, "pause_s": pause, "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(_percentile(latencies, 95), 1), "max_ms": round(max(latencies), 1),
            "latencies_ms": [round(x, 1) for x in latencies]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.live_latency", description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between one arrival and the next commit")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsync.settings.base")
    print(json.dumps(measure(events=args.events, pause=args.pause)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
