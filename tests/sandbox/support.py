"""Fixtures for tests that talk to the sandbox systems over real HTTP (pytest-django's live_server)."""

from __future__ import annotations

import gc
import threading
import time
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
from django.db import connections
from django.urls import resolve

from apps.connectors.models import Connector
from apps.connectors.services import connector_set_credentials
from apps.masterdata.models import SourceSystem
from apps.sandbox.seed import CLIENTS
from apps.sandbox.services import sandbox_seed

SEED = 4242
TODAY = date(2026, 11, 26)


@dataclass
class Sandbox:
    url: str  # live_server.url + "/sandbox"

    def stats(self, system: str) -> dict:
        return httpx.get(f"{self.url}/{system}/_stats").json()


@pytest.fixture
def sandbox(live_server, settings, transactional_db):
    settings.FINSYNC_SANDBOX = True
    # The URLs are mounted at import time: the suite must run with FINSYNC_SANDBOX on (the default in demo mode).
    assert resolve("/sandbox/erp/_stats").url_name == "erp-stats"
    sandbox_seed(seed=SEED, today=TODAY)
    yield Sandbox(url=f"{live_server.url}/sandbox")
    # Adapters kept alive by a test's traceback hold keep-alive sockets, and the server thread serving
    # one holds a database connection; PostgreSQL will not drop the test database while it is open.
    gc.collect()
    time.sleep(0.2)


@pytest.fixture
def make_connector(transactional_db):
    def make(adapter: str, *, base_url: str = "", credentials: dict | None = None, kind: str = "gl",
             **extra) -> Connector:
        system, _ = SourceSystem.objects.get_or_create(code=f"sys-{adapter}", defaults={"name": adapter, "kind": "gl"})
        connector = Connector.objects.create(code=f"{adapter}-{Connector.objects.count() + 1}", name=adapter,
                                             system=system, kind=kind, adapter=adapter, base_url=base_url, **extra)
        if credentials is not None:
            connector_set_credentials(connector=connector, credentials=credentials)
        connector.refresh_from_db()
        return connector

    return make


def oauth_credentials(system: str) -> dict:
    client_id, secret = CLIENTS[system]
    return {"client_id": client_id, "client_secret": secret}


def run_threads(n: int, work) -> list:
    """Run `work(i)` in n threads that start together; return results (exceptions re-raised)."""
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list = []

    def target(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            errors.append(exc)
        finally:
            connections.close_all()  # each thread has its own connection; PostgreSQL must see it closed

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if errors:
        raise errors[0]
    return results
