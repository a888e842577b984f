"""How FinSync serves pages and API: requests/s and p95 under (a) uvicorn ASGI with sync views (what
`make run` started) and (b) gunicorn WSGI sync workers for pages and API (uvicorn only for /ws/).

    DATABASE_URL=postgres://…/finsync_dash_bench python -m bench.serving [--seconds 15] [--connections 16]

Each layout gets the same number of processes (`--workers`, default = cores). Load comes from `wrk` (Debian
package) in its own process, logged in as the demo's `integration` user (all entities) with a session
cookie, against the workbench list page and the exceptions API list (50 rows a page). Prints one JSON
object last.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from finsync.embedded import free_port

ROOT = Path(__file__).resolve().parents[1]
LUA = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "seconds": %.3f, "errors": %d, "non2xx": %d, "p50_ms": %.2f, '
    .. '"p95_ms": %.2f, "p99_ms": %.2f}\\n', summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3))
end
"""
TARGETS = {"workbench list page": "/workbench/", "exceptions API list": "/api/v1/exceptions/"}


def _layouts(port: int, workers: int) -> dict[str, list[str]]:
    py = sys.executable
    return {
        "uvicorn ASGI, sync views": [py, "-m", "uvicorn", "finsync.asgi:application", "--host", "127.0.0.1",
                                     "--port", str(port), "--workers", str(workers), "--no-access-log",
                                     "--log-level", "warning"],
        "gunicorn WSGI, sync workers": [py, "-m", "gunicorn", "finsync.wsgi:application", "--bind",
                                        f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning"],
    }


def _session_cookie() -> str:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="integration"))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _wait(url: str, cookie: str, proc) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, headers={"Cookie": cookie}, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer 200 in 90 s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serving")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print(json.dumps({"error": "wrk not installed (apt-get install wrk)"}))
        return 1
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsync.settings.base")
    cookie = _session_cookie()
    script = Path("/tmp/finsync-wrk-p95.lua")
    script.write_text(LUA)
    # One user at full speed: the per-user API rate limit (1,200/min) would answer most requests with 429 and
    # measure the throttle, not the serving layout.
    env = dict(os.environ, FINSYNC_LOG_LEVEL="WARNING", DEBUG="0", FINSYNC_SANDBOX="0",
               FINSYNC_THROTTLE_USER="100000000/min")
    results = []
    for layout, command in _layouts(free_port(), args.workers).items():
        port = command[command.index("--port") + 1] if "--port" in command else command[
            command.index("--bind") + 1].rsplit(":", 1)[1]
        proc = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            for target, path in TARGETS.items():
                _wait(base + path, cookie, proc)
                subprocess.run(["wrk", "-t2", "-c4", "-d3s", "-H", f"Cookie: {cookie}", base + path],
                               capture_output=True, check=True)  # warm every worker's connection
                out = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout",
                                      "10s", "-s", str(script), "-H", f"Cookie: {cookie}", base + path],
                                     capture_output=True, text=True, check=True).stdout
                row = json.loads(out.strip().splitlines()[-1])
                row.update(layout=layout, target=target, path=path,
                           requests_per_s=round(row["requests"] / row["seconds"], 1))
                results.append(row)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    print(json.dumps({"workers": args.workers, "connections": args.connections, "seconds": args.seconds,
                      "results": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
