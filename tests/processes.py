"""Real background processes for tests: Celery workers and beat, and private Redis servers.

They run against the test database (its name is passed through DATABASE_URL), so a test that uses
them needs `transactional_db` (data committed where the other process can see it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def test_database_url() -> str:
    """A DATABASE_URL naming the test database the current test process uses."""
    cfg = connection.settings_dict
    if cfg["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{cfg['NAME']}"
    user = cfg.get("USER") or ""
    password = f":{cfg['PASSWORD']}" if cfg.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = cfg.get("HOST") or "127.0.0.1"
    port = f":{cfg['PORT']}" if cfg.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{cfg['NAME']}"


def child_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DJANGO_SETTINGS_MODULE": "finsync.settings.test", "DATABASE_URL": test_database_url(),
                "PYTHONUNBUFFERED": "1"})
    env.update(overrides)
    return env


class Proc:
    """A child process in its own session, stopped with its whole group."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.log_path = log
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self, sig: int) -> None:
        if self.alive():
            os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 15) -> None:
        import signal

        self.kill(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill(signal.SIGKILL)
            self.popen.wait()
        self._log.close()

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")


def start_worker(tmp_path: Path, *, name: str = "w1", concurrency: int = 1, env: dict | None = None,
                 queues: str | None = None) -> Proc:
    argv = [sys.executable, "-m", "celery", "-A", "finsync", "worker", "--loglevel", "INFO", "--pool", "prefork",
            "--concurrency", str(concurrency), "--hostname", f"{name}@%h", "--without-gossip", "--without-mingle"]
    if queues:
        argv += ["--queues", queues]
    return Proc(argv, env or child_env(), tmp_path / f"worker-{name}.log")


def start_beat(tmp_path: Path, *, env: dict | None = None) -> Proc:
    argv = [sys.executable, "-m", "celery", "-A", "finsync", "beat", "--loglevel", "INFO"]
    return Proc(argv, env or child_env(), tmp_path / "beat.log")


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def wait_for(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
