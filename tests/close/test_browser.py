"""Close readiness in a real headless Chromium on the demo: the checklist, a link into the workbench, and the
PDF evidence download."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.demo.services import demo_seed
from tests.browser import nav_go, screenshot_path

DEMO_PASSWORD = "finsync-demo"


@pytest.fixture
def demo(live_server, monkeypatch):
    monkeypatch.setenv("FINSYNC_SANDBOX_URL", f"{live_server.url}/sandbox")
    demo_seed()


def test_controller_reads_the_checklist_opens_the_workbench_and_keeps_the_pdf(browser, live_server, demo):
    page = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "controller")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    nav_go(page, "Close")
    expect(page.locator("h1")).to_have_text("Period close readiness")
    expect(page.locator(".checklist > li")).to_have_count(4)
    page.select_option("select[name=entity]", "DE01")
    page.click("button:has-text('Check')")
    expect(page).to_have_url(f"{live_server.url}/close/?entity=DE01&period={page.locator('select[name=period]').input_value()}")
    page.screenshot(path=screenshot_path("close-readiness"), full_page=True)

    with page.expect_download() as download:
        page.click("text=Evidence (PDF)")
    assert download.value.suggested_filename.startswith("close-readiness-DE01-")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"

    page.click("#check-exceptions >> text=Open in the workbench")
    expect(page).to_have_url(f"{live_server.url}/workbench/?legal_entity_id=" + page.url.split("legal_entity_id=")[1])
    assert "kind=" in page.url
    assert errors == []
