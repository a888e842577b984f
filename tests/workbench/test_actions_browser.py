"""Actions on the detail page in a real browser: resolve through the htmx form, replay dry run, four-eyes
payload edit, and an auditor who sees no buttons."""

import json

import pytest

from apps.exceptions.models import ExceptionCase
from apps.sync.models import SyncRecord
from apps.workbench.models import PayloadEdit
from tests.browser import screenshot_path

from .conftest import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resolve_replay_preview_and_edit_in_a_real_browser(page, live_server, login, controller, treasury_operator,
                                                            auditor, entity_de, erp_connector):
    case = make_case(entity_de, "JE-2026-0042", connector=erp_connector)
    login(page, "clara")
    page.goto(f"{live_server.url}/workbench/{case.pk}/")

    page.click("details[data-action=replay] summary")
    page.check("input[name=version_choice][value=original]")
    page.click("button:has-text('Preview (dry run)')")
    page.wait_for_selector("#replay-preview .msg")
    assert "Dry run: a replay would fail again" in page.inner_text("#replay-preview")
    page.screenshot(path=str(screenshot_path("workbench-detail-replay-preview")), full_page=True)
    page.fill("details[data-action=replay] input[name=reason]", "Cost center opened in SAP")
    page.click("button:has-text('Replay now')")
    page.wait_for_selector("text=Replay of record")
    assert SyncRecord.objects.get(pk=case.sync_record_id).status == "retry_wait"
    SyncRecord.objects.filter(pk=case.sync_record_id).update(status="exception")  # as if it failed again

    page.click("details[data-action=edit] summary")
    edited = {**case.sync_record.payload, "number": "JE-2026-0042-B"}
    page.fill("textarea[name=payload]", json.dumps(edited, indent=2))
    page.fill("details[data-action=edit] textarea[name=note]", "Document number had a typo")
    page.click("button:has-text('Propose edit')")
    page.wait_for_selector("#payload-edits")
    assert "Edit 1 proposed" in page.inner_text("ul.messages")
    assert "waiting for someone else" in page.inner_text("#payload-edits")
    page.screenshot(path=str(screenshot_path("workbench-detail-edit-proposed")), full_page=True)

    page.click("details[data-action=resolve] summary")
    page.select_option("select[name=reason_code]", "other")
    page.click("button:has-text('Resolve exception')")
    page.wait_for_selector("#action-notice .msg-error")
    assert "Say what was done" in page.inner_text("#action-notice")
    page.fill("details[data-action=resolve] textarea[name=note]", "Posted manually in SAP")
    page.click("button:has-text('Resolve exception')")
    page.wait_for_selector("[data-case-status=resolved]")
    page.screenshot(path=str(screenshot_path("workbench-detail-resolved")), full_page=True)
    assert ExceptionCase.objects.get(pk=case.pk).resolution_note == "Posted manually in SAP"
    assert PayloadEdit.objects.get().status == "proposed"

    page.context.clear_cookies()
    login(page, "aiden")
    page.goto(f"{live_server.url}/workbench/{case.pk}/")
    assert "Read-only" in page.inner_text("#case-actions")
    assert page.locator("#payload-edits form").count() == 0
    page.screenshot(path=str(screenshot_path("workbench-detail-auditor")), full_page=True)

    page.context.clear_cookies()
    login(page, "theo")  # a treasury operator of the same entity: the second pair of eyes
    page.goto(f"{live_server.url}/workbench/{case.pk}/")
    page.fill("#payload-edits input[name=note]", "Matches the SAP document")
    page.click("#payload-edits button:has-text('Approve and replay')")
    page.wait_for_selector("text=Edit 1 approved")
    page.screenshot(path=str(screenshot_path("workbench-detail-edit-approved")), full_page=True)
    record = SyncRecord.objects.get(pk=case.sync_record_id)
    assert (record.edited_payload, record.payload["number"], record.status) == (edited, "JE-2026-0042", "retry_wait")
    assert PayloadEdit.objects.get().reviewed_by.username == "theo"
