"""Governed mappings in a real headless Chromium: an integration admin fixes a mapping with the live
preview and proposes it; a controller reviews the diff and approves; the auditor sees without buttons."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.connectors.adapters.base import InboundRecord
from apps.connectors.models import Connector
from apps.demo.services import demo_seed
from apps.mappings.models import Mapping, MappingVersion
from apps.sync.models import SyncRecord
from apps.sync.services import records_receive
from tests.browser import screenshot_path

DEMO_PASSWORD = "finsync-demo"


@pytest.fixture
def demo(live_server, monkeypatch):
    monkeypatch.setenv("FINSYNC_SANDBOX_URL", f"{live_server.url}/sandbox")
    demo_seed()
    today = timezone.now().date().isoformat()
    event = {"company": "de01", "number": "JE-77", "posting_date": today, "text": "IT accrual",
             "lines": [{"account": "400100", "cost_center": "CC100", "currency": "EUR", "amount": "250.00", "dc": "S"},
                       {"account": "160000", "currency": "EUR", "amount": "250.00", "dc": "H"}]}
    records_receive(connector=Connector.objects.get(code="ops-events"),
                    items=[InboundRecord(object_type="journal_entry", external_id="JE-77", payload=event)])
    return Mapping.objects.get(source_system__code="ops-events", object_type="journal_entry")


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_fix_a_mapping_with_the_live_preview_then_a_second_person_approves(browser, live_server, demo):
    errors: list[str] = []
    admin = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    admin.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(admin, live_server, "integration")
    admin.goto(f"{live_server.url}/mappings/")
    expect(admin.locator("h1")).to_have_text("Mappings")
    admin.screenshot(path=screenshot_path("mappings-list"), full_page=True)

    admin.goto(f"{live_server.url}/mappings/{demo.pk}/new/")
    record_id = SyncRecord.objects.get(external_id="JE-77").pk
    admin.select_option("#id_record", value=str(record_id))
    expect(admin.locator("#id_payload")).to_contain_text("400100")
    expect(admin.locator("#preview")).to_contain_text("journal.unknown_account")  # the source code is not a GL account

    rules = json.loads(admin.locator("#id_rules").input_value())
    rules["lists"]["lines"]["fields"]["account"]["crosswalk"] = "gl_account"
    admin.fill("#id_rules", json.dumps(rules, indent=2))
    admin.fill("#id_crosswalks", admin.locator("#id_crosswalks").input_value()
               + "gl_account,400100,6100\ngl_account,160000,2000\n")
    expect(admin.locator("#preview .verdict-green")).to_contain_text("Valid.")
    expect(admin.locator("#canonical-result")).to_contain_text('"account": "6100"')
    admin.screenshot(path=screenshot_path("mappings-editor-preview"), full_page=True)

    admin.fill("#id_change_note", "Map SAP source accounts to the group chart (400100→6100, 160000→2000)")
    admin.click("button[value=propose]")
    expect(admin.locator(".badge").first).to_have_text("Proposed (awaiting approval)")
    expect(admin.locator("button[value=approve]")).to_have_count(0)
    admin.screenshot(path=screenshot_path("mappings-version-proposed"), full_page=True)

    controller = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    controller.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(controller, live_server, "controller")
    controller.goto(f"{live_server.url}/mappings/")
    controller.click("text=Review the diff")
    expect(controller.locator("table.diff")).to_contain_text("gl_account: 400100")
    controller.screenshot(path=screenshot_path("mappings-version-review-diff"), full_page=True)
    controller.fill("#id_review_note", "Checked against the group chart of accounts")
    controller.click("button[value=approve]")
    expect(controller.locator(".badge").first).to_have_text("Approved")

    version = MappingVersion.objects.get(mapping=demo, status="approved", number=2)
    assert version.spec["crosswalks"]["gl_account"] == {"400100": "6100", "160000": "2000"}
    assert version.proposed_by.username == "integration"
    assert version.reviewed_by.username == "controller"

    auditor = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    _login(auditor, live_server, "auditor")
    auditor.goto(f"{live_server.url}/mappings/versions/{version.pk}/")
    expect(auditor.locator("button[value=approve], button[value=propose], a:has-text('New version')")).to_have_count(0)
    auditor.screenshot(path=screenshot_path("mappings-version-auditor"), full_page=True)
    assert errors == []
