"""Live updates end to end: a record processed by a REAL Celery worker raises an exception that appears on an open
workbench page in headless Chromium without a reload, served by uvicorn (ASGI: pages and /ws/) over the Redis
channel layer; another entity's exception never appears; resolving removes the row; the indicator shows the
connection going down and coming back; an open dashboard reloads its widgets."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.db import connections

from apps.connectors.adapters.base import InboundRecord
from apps.connectors.models import Connector
from apps.exceptions.models import ExceptionCase
from apps.exceptions.services import exception_raise, exception_resolve
from apps.masterdata.models import SourceSystem
from apps.sync.services import records_receive
from finsync.embedded import free_port
from tests.browser import screenshot_path
from tests.conftest import PASSWORD
from tests.processes import Proc, child_env, start_worker, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ARRIVAL_TIMEOUT_MS = 60_000  # a loaded 2-core CI machine: the worker's first task imports the whole pipeline


class AsgiServer:
    """uvicorn serving finsync.asgi (pages and websockets) against the test database, on a fixed port so that
    it can be stopped and started again to test reconnection."""

    def __init__(self, tmp_path: Path) -> None:
        self.port, self.tmp_path, self.runs, self.proc = free_port(), tmp_path, 0, None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.runs += 1
        self.proc = Proc([sys.executable, "-m", "uvicorn", "finsync.asgi:application", "--host", "127.0.0.1",
                          "--port", str(self.port), "--no-access-log"], child_env(),
                         self.tmp_path / f"uvicorn-{self.runs}.log")
        try:
            wait_for(self._answers, timeout=90, what=f"uvicorn on port {self.port}")
        except AssertionError:
            self.stop()
            raise

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/accounts/login/", timeout=5).status_code == 200
        except httpx.HTTPError:
            assert self.proc.alive(), self.proc.output()
            return False

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()
            self.proc = None


@pytest.fixture
def asgi_server(tmp_path, transactional_db):
    server = AsgiServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def worker(tmp_path, transactional_db):
    proc = start_worker(tmp_path, name="live")
    yield proc
    proc.stop()


def _connector(entity, code: str) -> Connector:
    system, _ = SourceSystem.objects.get_or_create(code="legacy-ap", defaults={"name": "Legacy AP", "kind": "other"})
    return Connector.objects.create(code=code, name=f"Legacy AP {entity.code}", system=system, kind="rest_poller",
                                    adapter="json_poller", default_legal_entity=entity)


def _receive_unroutable(connector: Connector, external_id: str) -> None:
    """A record no flow handles: the worker turns it into a record.no_flow exception of the connector's entity."""
    records_receive(connector=connector, items=[InboundRecord(object_type="vendor_credit", external_id=external_id,
                                                              payload={"id": external_id, "amount": "12.50"})])


def _as_a_view_would(service, **kwargs):
    """Call a service from a plain thread, as a view or a task does: Playwright's sync API keeps an event loop
    running in the test's own thread, where the channel layer's sync entry point refuses to run."""
    def call():
        try:
            return service(**kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def _log_in(page, server: AsgiServer, username: str) -> None:
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")


def test_exception_from_a_worker_appears_live_and_only_for_its_entity(page, asgi_server, worker, controller,
                                                                      entity_de, entity_us):
    old = exception_raise(kind="invoice.duplicate", message="Invoice INV-1 duplicates INV-0", reference="INV-1",
                          legal_entity=entity_de)
    de_source, us_source = _connector(entity_de, "legacy-ap-de"), _connector(entity_us, "legacy-ap-us")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _log_in(page, asgi_server, controller.username)
    page.goto(f"{asgi_server.url}/workbench/")
    indicator = page.locator("[data-live-feed]")
    page.wait_for_selector("[data-live-feed][data-state=live]", timeout=20_000)
    assert indicator.inner_text().strip() == "Live"
    assert page.locator("[data-live-count]").inner_text() == "1"
    page.evaluate("window.finsyncSamePage = true")  # gone if the page reloads

    _receive_unroutable(us_source, "VC-US-1")  # another entity's: must never reach this page
    _receive_unroutable(de_source, "VC-DE-1")
    wait_for(lambda: ExceptionCase.objects.filter(kind="record.no_flow").count() == 2, timeout=120,
             what="the worker to raise both exceptions")
    de_case = ExceptionCase.objects.get(kind="record.no_flow", legal_entity=entity_de)
    us_case = ExceptionCase.objects.get(kind="record.no_flow", legal_entity=entity_us)
    page.wait_for_selector(f'tr[data-exception-id="{de_case.pk}"]', timeout=ARRIVAL_TIMEOUT_MS)

    row = page.locator(f'tr[data-exception-id="{de_case.pk}"]')
    assert "VC-DE-1" in row.inner_text()
    assert page.locator("[data-live-rows] tr").first.get_attribute("data-exception-id") == str(de_case.pk)
    assert page.locator("[data-live-count]").inner_text() == "2"
    assert page.evaluate("window.finsyncSamePage") is True
    page.wait_for_timeout(1000)  # the US event went out at the same time: give it every chance to show
    assert page.locator(f'tr[data-exception-id="{us_case.pk}"]').count() == 0
    assert page.locator("text=VC-US-1").count() == 0
    page.screenshot(path=screenshot_path("workbench-live-row-arrived"), full_page=True)

    _as_a_view_would(exception_resolve, case=old, reason_code="duplicate_confirmed", note="", actor=controller)
    page.wait_for_selector(f'tr[data-exception-id="{old.pk}"]', state="detached", timeout=ARRIVAL_TIMEOUT_MS)
    assert page.locator("[data-live-count]").inner_text() == "1"
    assert page.evaluate("window.finsyncSamePage") is True
    assert errors == []


def test_indicator_shows_the_connection_lost_and_reconnects_by_itself(page, asgi_server, controller, entity_de):
    exception_raise(kind="invoice.duplicate", message="Invoice INV-1 duplicates INV-0", reference="INV-1",
                    legal_entity=entity_de)
    _log_in(page, asgi_server, controller.username)
    page.goto(f"{asgi_server.url}/workbench/")
    page.wait_for_selector("[data-live-feed][data-state=live]", timeout=20_000)

    asgi_server.stop()
    page.wait_for_selector("[data-live-feed][data-state=reconnecting]", timeout=20_000)
    assert page.locator("[data-live-label]").inner_text() == "Reconnecting…"
    page.screenshot(path=screenshot_path("workbench-live-reconnecting"), full_page=True)

    asgi_server.start()
    page.wait_for_selector("[data-live-feed][data-state=live]", timeout=60_000)
    assert page.locator("[data-live-notice]").is_visible()  # says that changes while down are not shown

    case = _as_a_view_would(exception_raise, kind="invoice.match", message="Invoice INV-9 differs from its PO",
                            reference="INV-9", legal_entity=entity_de)
    page.wait_for_selector(f'tr[data-exception-id="{case.pk}"]', timeout=ARRIVAL_TIMEOUT_MS)


def test_an_open_dashboard_reloads_its_widgets_on_a_change(page, asgi_server, controller, entity_de):
    _log_in(page, asgi_server, controller.username)
    page.goto(f"{asgi_server.url}/dashboards/exceptions/")
    page.wait_for_selector("[data-live-feed][data-state=live]", timeout=20_000)
    page.wait_for_selector("[data-widget][data-loaded=true]", timeout=30_000)
    page.screenshot(path=screenshot_path("dashboard-live"), full_page=True)

    with page.expect_request(lambda request: "/dashboards/widgets/exceptions-by-entity-kind/" in request.url,
                             timeout=ARRIVAL_TIMEOUT_MS):
        _as_a_view_would(exception_raise, kind="payment.held", message="Payment PAY-3 held", reference="PAY-3",
                         legal_entity=entity_de)
    page.wait_for_selector("[data-widget][data-loaded=true] .chart, [data-widget][data-loaded=true] .empty",
                           timeout=30_000)
