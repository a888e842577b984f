"""The interface catalog in a real headless Chromium on the demo: the auditor filters by classification."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.catalog.models import CatalogEntry
from apps.demo.services import demo_seed
from tests.browser import nav_go, screenshot_path


@pytest.fixture
def demo(live_server, monkeypatch):
    monkeypatch.setenv("FINSYNC_SANDBOX_URL", f"{live_server.url}/sandbox")
    demo_seed()


def test_auditor_reads_the_catalog_and_filters_by_classification(browser, live_server, demo):
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "auditor")
    page.fill("#id_password", "finsync-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    nav_go(page, "Catalog")
    expect(page.locator("table.catalog-table tbody tr")).to_have_count(CatalogEntry.objects.count())
    expect(page.locator(".catalog-gaps")).to_have_count(0)  # the demo catalogues everything
    page.screenshot(path=screenshot_path("catalog-list"), full_page=True)

    page.click(".tile:has-text('Retire')")
    retired = CatalogEntry.objects.filter(classification="retire").count()
    expect(page.locator("table.catalog-table tbody tr")).to_have_count(retired)
    expect(page).to_have_url(f"{live_server.url}/catalog/?classification=retire")
    assert errors == []
