"""In a real browser the job page follows the job by itself, from queued to its summary."""

import pytest

from apps.jobs.registry import job_handler
from apps.jobs.services import job_run, job_start
from tests.browser import screenshot_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@job_handler("tests.browser_count")
def browser_count(job, report) -> dict:
    total = job.params["n"]
    report.progress(total, total, force=True)
    report.log(f"checked {total} exceptions")
    return {"resolved": total - 1, "skipped": 1, "notes": ["One was resolved by someone else meanwhile."]}


def test_the_progress_block_updates_without_a_reload(page, live_server, login, controller):
    job = job_start(kind="tests.browser_count", label="Resolve 1,200 exceptions", params={"n": 1200},
                    actor=controller)
    login(page, "clara")
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    assert "Waiting for a worker" in page.inner_text(".job-progress")
    page.screenshot(path=str(screenshot_path("job-queued")), full_page=True)
    page.evaluate("window.__marker = 'same page'")

    job_run(job.pk)  # what the worker does

    page.wait_for_selector(".job-progress[data-job-status=succeeded]", timeout=10_000)
    text = page.inner_text(".job-progress")
    assert "1,200 of 1,200 items" in text
    assert "resolved\n1,199" in text.lower()
    assert "One was resolved by someone else meanwhile." in text
    assert page.evaluate("window.__marker") == "same page"  # no reload happened
    page.screenshot(path=str(screenshot_path("job-finished")), full_page=True)
