"""Fixtures shared by every test: personas in legal entities, API clients, the browser."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from apps.access.roles import Role
from apps.access.services import user_create
from apps.masterdata.models import LegalEntity

from . import browser as browser_support

PASSWORD = "s3cret-Pa55word"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group markers (--dist loadgroup)
def pytest_collection_modifyitems(config, items):
    """How `make test` shares the tests between its two processes (pytest-xdist, --dist loadgroup).

    The tests that run real Celery workers (marker `worker`) form one group, run one after another in one
    process: two sets of worker processes never compete for the two cores under the reliability tests'
    deadlines. Every other test stays with its module, so module-scoped setup (a browser, the access
    matrix's demo world, a 30 MB statement) is made once, not once per process.

    pytest-xdist 3.8 marks a group by rewriting the item's node id, which pytest 9.2 no longer reads (it derives
    node ids from `_id`), so pytest stays below 9.2 (pyproject.toml) until pytest-xdist follows.
    """
    for item in items:
        group = "workers" if item.get_closest_marker("worker") is not None else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture
def entity_de(db) -> LegalEntity:
    return LegalEntity.objects.create(code="DE01", name="Nordwind GmbH", country="DE", functional_currency="EUR",
                                      time_zone="Europe/Berlin")


@pytest.fixture
def entity_us(db) -> LegalEntity:
    return LegalEntity.objects.create(code="US01", name="Nordwind Inc.", country="US", functional_currency="USD",
                                      time_zone="America/New_York")


def _persona(username: str, role: str, entities):
    return user_create(username=username, password=PASSWORD, roles=[role], entities=entities)


@pytest.fixture
def controller(entity_de):
    """A controller of the German entity only."""
    return _persona("clara", Role.CONTROLLER, [entity_de])


@pytest.fixture
def treasury_operator(entity_de):
    return _persona("theo", Role.TREASURY_OPS, [entity_de])


@pytest.fixture
def auditor(entity_de, entity_us):
    return _persona("aiden", Role.AUDITOR, [entity_de, entity_us])


@pytest.fixture
def outsider(entity_us):
    """A controller of the US entity: must never see German data."""
    return _persona("uma", Role.CONTROLLER, [entity_us])


@pytest.fixture
def client_for():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture(scope="module")
def playwright_instance():
    """Playwright per test module: its sync API keeps an event loop running in the main thread while it is
    open (hence Django's async-unsafe switch, set only meanwhile), which would break later tests that run
    asyncio themselves (SFTP server, websocket consumers)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - dev dependency missing
        if os.environ.get("FINSYNC_REQUIRE_BROWSER") == "1":
            pytest.fail(f"playwright is not installed: {exc}")
        pytest.skip(f"playwright is not installed: {exc}")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            yield pw
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(playwright_instance):
    instance = browser_support.launch(playwright_instance)
    yield instance
    instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(live_server):
    """Log a page in through the real login form."""

    def do_login(page, username: str, password: str = PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

    return do_login
