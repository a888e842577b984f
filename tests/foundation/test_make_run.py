"""`make run`'s supervisor on the embedded defaults: SQLite + embedded Redis + web + worker + beat,
the home page with demo data, and a clean stop on SIGTERM that leaves no process behind."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx
import pytest

from apps.demo.integrations import DEMO_WEBHOOK_SECRET
from apps.sync.signatures import sign
from finsync.embedded import free_port
from tests.processes import ROOT, pid_alive, wait_for

pytestmark = pytest.mark.worker




def _descendants(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True, check=True).stdout
    children: dict[int, list[int]] = {}
    for line in out.splitlines():
        child, parent = map(int, line.split())
        children.setdefault(parent, []).append(child)
    found, stack = set(), [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def test_make_run_serves_the_product_and_stops_cleanly(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update({"FINSYNC_DATA_DIR": str(tmp_path / "data"), "PORT": str(port), "PYTHONUNBUFFERED": "1"})
    log = open(tmp_path / "run.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "finsync.devserver"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        def healthy():
            try:
                return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(healthy, timeout=180, interval=1, what="make run to become healthy")
        children = _descendants(proc.pid)
        assert len(children) >= 4  # web, worker (+ its pool), beat, embedded redis

        with httpx.Client(base_url=base, timeout=10, follow_redirects=True) as client:
            login = client.get("/accounts/login/")
            assert login.status_code == 200
            css = client.get(login.text.split('rel="stylesheet" href="')[1].split('"')[0])
            assert css.status_code == 200
            assert "text/css" in css.headers["content-type"]
            home = client.post("/accounts/login/", data={"username": "controller", "password": "finsync-demo",
                                                          "csrfmiddlewaretoken": client.cookies["csrftoken"]},
                               headers={"Referer": f"{base}/accounts/login/"})
            assert home.status_code == 200
            assert "Nordwind Handels GmbH" in home.text

            # The demo's integration runs for real: a signed event becomes a journal in the ERP sandbox.
            before = client.get("/sandbox/erp/_stats").json()["postings"]
            event = json.dumps({"id": "demo-1", "type": "journal_entry", "data": {
                "company": "DE01", "number": "DEMO-1", "posting_date": datetime.now(UTC).date().isoformat(),
                "text": "Demo",
                "lines": [{"account": "6100", "currency": "EUR", "amount": "10.00", "dc": "S"},
                          {"account": "2000", "currency": "EUR", "amount": "10.00", "dc": "H"}]}}).encode()
            ts = int(time.time())
            accepted = client.post("/api/v1/inbound/ops-events/events", content=event, headers={
                "Content-Type": "application/json", "X-FinSync-Timestamp": str(ts),
                "X-FinSync-Signature": sign(DEMO_WEBHOOK_SECRET, ts, event)})
            assert accepted.status_code == 202, accepted.text
            wait_for(lambda: client.get("/sandbox/erp/_stats").json()["postings"] == before + 1, timeout=60,
                     interval=0.5, what="the demo event to be posted to the ERP sandbox")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        finally:
            log.close()
    output = (tmp_path / "run.log").read_text(errors="replace")
    assert "Demo logins (password: finsync-demo)" in output
    assert "FinSync stopped." in output
    time.sleep(0.5)
    alive = [pid for pid in children if pid_alive(pid)]
    assert alive == [], f"processes left behind: {alive}"
