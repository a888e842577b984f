"""Control pages in a real headless Chromium: settings proposed by one admin and approved by another, a held
supplier beside its candidate and linked, a payment batch released by a second treasurer. Screenshots in
artifacts/."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.access.roles import Role
from apps.access.services import user_create
from apps.controls.models import ControlSettingsVersion, SupplierDuplicateDecision
from apps.controls.payments import PaymentOrder, payment_batch_create, payment_instruction_create
from apps.exceptions.models import ExceptionCase
from apps.masterdata.models import Supplier, SupplierBankAccount
from apps.treasury.models import PaymentBatch
from tests.browser import screenshot_path
from tests.conftest import PASSWORD
from tests.treasury.factories import DEBTOR_IBAN, company_account, creditor_iban

from .supplier_world import procurement, send_supplier

pytestmark = pytest.mark.django_db(transaction=True)


def _logout(page, live_server):
    page.context.clear_cookies()


def test_settings_are_proposed_by_one_admin_and_approved_by_another(page, live_server, login, maker, checker):
    login(page, "ida")
    page.goto(f"{live_server.url}/controls/")
    page.screenshot(path=str(screenshot_path("controls-index-defaults")), full_page=True)
    page.click("text=Propose control settings")
    page.fill("#id_match_price_tolerance_pct", "1.5")
    page.fill("#id_change_note", "AP policy 2027: tighter price tolerance")
    page.screenshot(path=str(screenshot_path("controls-settings-propose")), full_page=True)
    page.click("button:has-text('Propose for approval')")
    page.wait_for_selector("text=someone else must approve it")
    assert page.locator("button[value=approve]").count() == 0
    _logout(page, live_server)

    login(page, "ivo")
    version = ControlSettingsVersion.objects.get()
    page.goto(f"{live_server.url}/controls/settings/{version.pk}/")
    page.click("button[value=approve]")
    page.wait_for_selector("text=approved: it runs from")
    page.screenshot(path=str(screenshot_path("controls-settings-approved")), full_page=True)
    version.refresh_from_db()
    assert (version.status, version.match_price_tolerance_pct) == ("approved", Decimal("1.50"))


def test_a_held_supplier_is_compared_side_by_side_and_linked(page, live_server, login, entity_de, maker, checker,
                                                             controller):
    existing = Supplier.objects.create(legal_entity=entity_de, number="V100", name="Müller Maschinenbau GmbH",
                                       country="DE", tax_id="DE136974772", tax_id_normalized="DE136974772",
                                       city="Stuttgart")
    SupplierBankAccount.objects.create(supplier=existing, iban="DE89370400440532013000", country="DE",
                                       currency="EUR", status="active")
    send_supplier(procurement(entity_de, maker, checker), "501", number="S501", name="MUELLER MASCHINENBAU",
                  tax_id="DE136974772", city="Esslingen")
    case = ExceptionCase.objects.get(kind="supplier.duplicate")

    login(page, "clara")
    page.goto(f"{live_server.url}/workbench/{case.pk}/")
    page.click("text=Compare with the candidates")
    page.wait_for_selector("table.side-by-side")
    page.screenshot(path=str(screenshot_path("controls-supplier-duplicate")), full_page=True)
    page.click("button[value=link]")
    page.wait_for_selector("text=Decided by clara")
    page.screenshot(path=str(screenshot_path("controls-supplier-duplicate-decided")), full_page=True)
    assert SupplierDuplicateDecision.objects.get().supplier_id == existing.pk


def test_a_batch_is_released_only_by_a_second_treasurer(page, live_server, login, entity_de, treasury_operator):
    user_create(username="tess", password=PASSWORD, roles=[Role.TREASURY_OPS], entities=[entity_de])
    vendor = Supplier.objects.create(legal_entity=entity_de, number="V7", name="Lyreco Deutschland GmbH", country="DE")
    account = SupplierBankAccount.objects.create(supplier=vendor, iban=creditor_iban(7), country="DE",
                                                 currency="EUR", status="active")
    SupplierBankAccount.objects.filter(pk=account.pk).update(created_at="2025-01-01T00:00:00Z")
    account.refresh_from_db()
    payments = [payment_instruction_create(idempotency_key=f"K{n}", actor=treasury_operator, order=PaymentOrder(
        legal_entity=entity_de, supplier_bank_account=account, amount=Decimal(120 * n), currency="EUR",
        requested_date=date(2026, 12, 4)))[0] for n in (1, 2, 3)]
    batch = payment_batch_create(legal_entity=entity_de, debtor_account=company_account(entity_de, iban=DEBTOR_IBAN),
                                 payments=payments, requested_execution_date=date(2026, 12, 4),
                                 actor=treasury_operator, reference="PAYRUN-2026-12-04")

    login(page, "theo")
    page.goto(f"{live_server.url}/controls/payments/batches/{batch.pk}/")
    page.wait_for_selector("text=someone else must release it")
    assert page.locator("button[value=release]").count() == 0
    _logout(page, live_server)

    login(page, "tess")
    page.goto(f"{live_server.url}/controls/payments/batches/")
    page.click("text=PAYRUN-2026-12-04")
    page.screenshot(path=str(screenshot_path("controls-batch-awaiting-release")), full_page=True)
    page.click("button[value=release]")
    page.wait_for_selector("text=released: it can be sent to the bank")
    page.screenshot(path=str(screenshot_path("controls-batch-released")), full_page=True)
    assert PaymentBatch.objects.get().released_by.username == "tess"


def test_a_batch_is_created_on_the_form_and_released_by_another_treasurer(page, live_server, login, entity_de,
                                                                          treasury_operator):
    user_create(username="tess", password=PASSWORD, roles=[Role.TREASURY_OPS], entities=[entity_de])
    vendor = Supplier.objects.create(legal_entity=entity_de, number="V8", name="Staples Deutschland GmbH", country="DE")
    account = SupplierBankAccount.objects.create(supplier=vendor, iban=creditor_iban(8), country="DE",
                                                 currency="EUR", status="active")
    SupplierBankAccount.objects.filter(pk=account.pk).update(created_at="2025-01-01T00:00:00Z")
    account.refresh_from_db()
    waiting, _ = payment_instruction_create(idempotency_key="API-77", actor=treasury_operator, order=PaymentOrder(
        legal_entity=entity_de, supplier_bank_account=account, amount=Decimal("315.20"), currency="EUR",
        requested_date=date(2026, 12, 4)))
    company_account(entity_de, iban=DEBTOR_IBAN)

    login(page, "theo")
    page.goto(f"{live_server.url}/controls/payments/batches/")
    page.click("text=New payment batch")
    page.fill("#id_requested_execution_date", (timezone.localdate() + timedelta(days=1)).isoformat())
    page.fill("#id_reference", "PAYRUN-FORM-1")
    page.check(f"input[name=payments][value='{waiting.pk}']")
    page.fill("#id_entered-0-iban", creditor_iban(8))
    page.fill("#id_entered-0-amount", "1000.5")
    page.fill("#id_entered-0-remittance_info", "INV 2026-118")
    page.fill("#id_entered-1-iban", "DE00 0000 0000 0000 0000 00")
    page.fill("#id_entered-1-amount", "5")
    page.click("button:has-text('Create batch for release')")
    page.wait_for_selector("text=Invalid IBAN")
    page.screenshot(path=str(screenshot_path("controls-batch-new-refused")), full_page=True)
    assert not PaymentBatch.objects.exists()
    page.fill("#id_entered-1-iban", "")
    page.fill("#id_entered-1-amount", "")
    page.click("button:has-text('Create batch for release')")
    page.wait_for_selector("text=someone else must release it")
    page.screenshot(path=str(screenshot_path("controls-batch-new-created")), full_page=True)
    batch = PaymentBatch.objects.get()
    assert (batch.created_by.username, batch.payments.count()) == ("theo", 2)
    assert page.locator("button[value=release]").count() == 0
    _logout(page, live_server)

    login(page, "tess")
    page.goto(f"{live_server.url}/controls/payments/batches/{batch.pk}/")
    page.click("button[value=release]")
    page.wait_for_selector("text=released: it can be sent to the bank")
    page.screenshot(path=str(screenshot_path("controls-batch-new-released")), full_page=True)
    batch.refresh_from_db()
    assert (batch.status, batch.released_by.username) == ("released", "tess")
    assert sorted(batch.payments.values_list("amount", flat=True)) == [Decimal("315.20"), Decimal("1000.50")]
