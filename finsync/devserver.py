"""`make run`: everything FinSync needs on one machine, supervised.

Prepares the database (migrate, demo data), starts the embedded Redis when REDIS_URL is not set,
then runs the ASGI web server, one Celery worker and Celery beat as child processes. Ctrl-C or
SIGTERM stops all of them (each in its own process group, so their children go too); if any child
dies, the others are stopped and the exit code says so.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from finsync import embedded

PYTHON = sys.executable
DEMO_LOGINS = ["controller", "treasury", "integration", "auditor", "admin", "controller_us"]


def _manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], check=True)


def _spawn(name: str, argv: list[str]) -> tuple[str, subprocess.Popen]:
    return name, subprocess.Popen(argv, start_new_session=True)


def _stop_all(children: list[tuple[str, subprocess.Popen]]) -> None:
    for _, proc in children:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for _, proc in children:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsync.settings.base")
    os.environ.setdefault("FINSYNC_DEMO", "1")
    port = os.environ.get("PORT", "8000")
    redis_proc = None
    if not os.environ.get("REDIS_URL"):
        url, redis_proc = embedded.start_embedded_redis()
        os.environ["REDIS_URL"] = url
    metrics_dir = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Web and worker processes each write their counters here; /metrics sums them (apps/sync/metrics_view.py).
        metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="finsync-metrics-")
    stopping = False

    def _on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    children: list[tuple[str, subprocess.Popen]] = []
    code = 0
    try:
        _manage("migrate", "--noinput", "-v", "0")
        _manage("collectstatic", "--noinput", "-v", "0")  # hashed, compressed files served by WhiteNoise
        _manage("seed_demo")
        children = [
            _spawn("web", [PYTHON, "-m", "uvicorn", "finsync.asgi:application", "--host", "127.0.0.1",
                           "--port", port, "--no-access-log"]),
            _spawn("worker", [PYTHON, "-m", "celery", "-A", "finsync", "worker", "--loglevel", "WARNING",
                              "--concurrency", os.environ.get("FINSYNC_WORKER_CONCURRENCY", "2")]),
            _spawn("beat", [PYTHON, "-m", "celery", "-A", "finsync", "beat", "--loglevel", "WARNING"]),
        ]
        print(f"\n  FinSync is starting on http://127.0.0.1:{port}/")
        print(f"  Demo logins (password: finsync-demo): {', '.join(DEMO_LOGINS)}")
        print(f"  Redis: {os.environ['REDIS_URL']}{' (embedded)' if redis_proc else ''}")
        print("  Press Ctrl-C to stop.\n", flush=True)
        while not stopping:
            dead = [(name, proc) for name, proc in children if proc.poll() is not None]
            if dead:
                name, proc = dead[0]
                print(f"FinSync: the {name} process exited with code {proc.returncode}; stopping.", file=sys.stderr)
                code = 1
                break
            time.sleep(0.5)
    except subprocess.CalledProcessError as exc:
        print(f"FinSync: setup step failed: {' '.join(exc.cmd[1:])}", file=sys.stderr)
        code = exc.returncode or 1
    finally:
        _stop_all(children)
        if redis_proc is not None:
            embedded.stop_process(redis_proc)
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
        print("FinSync stopped.", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
