"""Bulk resolve in a real browser with a real Celery worker: tick rows, choose the action, follow the job's
progress bar to its summary."""

import pytest

from apps.exceptions.models import ExceptionCase
from tests.browser import screenshot_path
from tests.processes import start_worker

from .conftest import make_case

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_bulk_resolve_with_progress_in_a_real_browser(page, live_server, login, controller, entity_de, tmp_path):
    cases = [make_case(entity_de, f"JE-2026-{n:04d}") for n in range(4)]
    login(page, "clara")
    page.goto(f"{live_server.url}/workbench/")
    page.check(f"input[name=ids][value='{cases[0].pk}']")
    page.check(f"input[name=ids][value='{cases[1].pk}']")
    page.select_option("select[data-bulk-action]", "resolve")
    assert page.is_hidden("[data-bulk-fields=ignore]")
    assert "2 ticked" in page.inner_text("#bulk-form")
    page.select_option("[data-bulk-fields=resolve] select[name=reason_code]", "fixed_at_source")
    page.fill("[data-bulk-fields=resolve] textarea[name=note]", "Vendor master corrected")
    page.screenshot(path=str(screenshot_path("workbench-bulk-bar")), full_page=True)
    page.click("button:has-text('Run in the background')")
    page.wait_for_selector(".job-progress")
    assert "Resolve — 2 selected exceptions" in page.inner_text("h1")

    worker = start_worker(tmp_path)
    try:
        page.wait_for_selector(".job-progress[data-job-status=succeeded]", timeout=60_000)
    finally:
        worker.stop()
    text = page.inner_text(".job-progress")
    assert "2 of 2 exceptions" in text
    assert "resolved\n2" in text.lower()
    page.screenshot(path=str(screenshot_path("workbench-bulk-done")), full_page=True)
    assert sorted(ExceptionCase.objects.filter(status="resolved").values_list("pk", flat=True)) == [
        cases[0].pk, cases[1].pk]
