"""In a real browser: the statements list, a statement's lines with why they matched, picking a candidate, and the
payment page."""

from __future__ import annotations

import pytest

from apps.banking.choices import FileChannel
from apps.banking.models import BankStatement
from apps.banking.services import statement_import
from apps.treasury.choices import BatchStatus, PaymentStatus
from apps.treasury.models import MatchStatus, ReconciliationMatch
from apps.treasury.reconciliation import reconciliation_run
from tests.browser import nav_go, screenshot_path

from .factories import DEBTOR_IBAN, Entry, Statement, camt053, released_batch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pick_a_candidate_on_the_statement(page, live_server, login, treasury_operator, entity_de, account,
                                           suppliers):
    released_batch(entity_de, account, "B1", [("E2E-1", "1190.00", suppliers[0]), ("E2E-2", "500.00", suppliers[1]),
                                              ("E2E-3", "500.00", suppliers[1])],
                   status=BatchStatus.SENT, payment_status=PaymentStatus.SENT)
    entries = [Entry("1190.00", end_to_end_id="E2E-1", counterparty="Acme Industrial GmbH", booking_date="2026-11-21"),
               Entry("500.00", counterparty="Brandt Logistik AG", booking_date="2026-11-21")]
    statement_import(content=camt053([Statement("S-1", DEBTOR_IBAN, "5000.00", "3310.00", entries, day="2026-11-21")]),
                     filename="s1.xml", channel=FileChannel.UPLOAD)
    reconciliation_run()
    statement = BankStatement.objects.get()

    login(page, "theo")
    nav_go(page, "Statements")
    assert "1 open" in page.inner_text("table.statements")
    page.screenshot(path=str(screenshot_path("bank-statements")), full_page=True)
    page.click(f"a[href='/bank/statements/{statement.pk}/']")
    assert "Several candidates fit" in page.inner_text("table.statement-lines")
    page.screenshot(path=str(screenshot_path("bank-statement-ambiguous")), full_page=True)

    second = ReconciliationMatch.objects.filter(status=MatchStatus.PROPOSED).order_by("id").last()
    page.fill(f"[data-match='{second.pk}'] input[name=note]", "invoice number on the advice")
    page.click(f"[data-match='{second.pk}'] button:has-text('Confirm this one')")
    page.wait_for_selector(".msg-success")
    rows = page.locator("tr[data-line-status=matched]")
    assert rows.count() == 2
    page.screenshot(path=str(screenshot_path("bank-statement-confirmed")), full_page=True)

    page.click("a:has-text('E2E-3')")
    assert "Payment E2E-3" in page.inner_text("h1")
    assert "Matched" in page.inner_text("main")
    page.screenshot(path=str(screenshot_path("bank-payment")), full_page=True)
