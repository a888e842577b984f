"""The list in a real browser: filter, facets, save a view and apply it, group by problem and expand, export."""

import pytest

from apps.workbench.models import SavedView
from tests.browser import screenshot_path

from .conftest import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_save_a_view_group_and_export_in_a_real_browser(page, live_server, login, controller, outsider,
                                                               entity_de, entity_us, tmp_path):
    for n in range(5):
        make_case(entity_de, f"JE-2026-{n:04d}")
    make_case(entity_de, "INV-77", kind="invoice.match")
    make_case(entity_us, "JE-US-1")
    login(page, "clara")
    page.goto(f"{live_server.url}/workbench/")
    page.wait_for_selector(".wb-facet")
    assert "JE-US-1" not in page.inner_text("main")
    page.screenshot(path=str(screenshot_path("workbench-list-facets")), full_page=True)

    page.click("[data-facet='severity=medium']")
    page.wait_for_url("**severity=medium**")
    assert page.locator("tbody[data-live-rows] tr").count() == 1
    page.click("details[data-menu=views] summary")
    page.fill(".wb-save-view input[name=name]", "Medium problems")
    page.check(".wb-save-view input[name=shared]")
    page.click("button:has-text('Save this view')")
    page.wait_for_selector("text=Saved as “Medium problems” (shared).")
    assert SavedView.objects.get().query == "severity=medium"

    page.goto(f"{live_server.url}/workbench/")
    page.click("details[data-menu=views] summary")
    page.screenshot(path=str(screenshot_path("workbench-saved-views")), full_page=True)
    page.click(".wb-view-list a:has-text('Medium problems')")
    page.wait_for_url("**severity=medium**")

    page.goto(f"{live_server.url}/workbench/")
    page.click("[data-toggle=group]")
    page.wait_for_selector("table.wb-groups")
    assert page.locator("tbody.wb-group").count() == 2
    page.click("tbody.wb-group:first-of-type details summary")
    page.wait_for_selector("tbody.wb-group:first-of-type .wb-members tr")
    assert page.locator("tbody.wb-group:first-of-type .wb-members tr").count() == 5
    page.screenshot(path=str(screenshot_path("workbench-grouped")), full_page=True)

    with page.expect_download() as download:
        page.click("[data-export=csv]")
    saved = tmp_path / "export.csv"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert "JE-2026-0004" in text
    assert "JE-US-1" not in text
