"""In a real browser, with a real Celery worker: upload a real bank statement and a refused file, and watch the
import finish on the same page."""

from __future__ import annotations

import pytest

from apps.banking.choices import UploadStatus
from apps.banking.models import BankFileUpload, BankStatement
from tests.browser import nav_go, screenshot_path
from tests.processes import start_worker
from tests.samples import facts, require_samples
from tests.treasury.factories import company_account, month_periods

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ING = "camt053/iso20022js-ing-example_camt.xml"
DTD_FILE = (b'<?xml version="1.0"?>\n<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>&x;</BkToCstmrStmt>'
            b'</Document>')


@pytest.fixture
def worker(tmp_path, entity_de):
    proc = start_worker(tmp_path)
    yield proc
    proc.stop()


def test_upload_a_real_statement_and_a_dangerous_file(page, live_server, login, treasury_operator, entity_de,
                                                      worker, tmp_path):
    month_periods(entity_de, 2014)
    company_account(entity_de, iban=facts()[ING]["statements"][0]["account"])
    dangerous = tmp_path / "statement-with-dtd.xml"
    dangerous.write_bytes(DTD_FILE)
    login(page, "theo")
    nav_go(page, "Bank files")
    assert "No bank files uploaded yet" in page.inner_text("#upload-history")
    page.screenshot(path=str(screenshot_path("bank-upload-empty")), full_page=True)

    page.set_input_files("#id_files", [str(require_samples() / ING), str(dangerous)])
    page.click("button:has-text('Upload and import')")

    page.wait_for_selector(".job-progress[data-job-status=succeeded]", timeout=60_000)
    page.wait_for_selector("#upload-history:not([hx-trigger])", timeout=10_000)
    progress = page.inner_text(".job-progress")
    assert "2 of 2 files" in progress
    assert "statements created\n1" in progress.lower()
    history = page.inner_text("#upload-history")
    assert "camt.053: 1 statement imported with 9 entries" in history
    assert ("This file is not a bank statement we can read: the file contains a DOCTYPE or entity declaration, "
            "which bank files never need; it was refused for security reasons.") in history
    page.screenshot(path=str(screenshot_path("bank-upload-finished")), full_page=True)
    assert sorted(BankFileUpload.objects.values_list("status", flat=True)) == [UploadStatus.FAILED,
                                                                              UploadStatus.IMPORTED]
    assert BankStatement.objects.count() == 1


def test_a_wrong_kind_of_file_is_refused_on_the_page(page, live_server, login, treasury_operator, entity_de,
                                                     tmp_path):
    picture = tmp_path / "scan.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")
    login(page, "theo")
    page.goto(f"{live_server.url}/bank/upload/")
    page.set_input_files("#id_files", str(picture))
    page.click("button:has-text('Upload and import')")
    message = page.inner_text(".msg-error")
    assert message == ("Nothing was uploaded. scan.png does not look like a bank file (files ending in .png are not "
                       "accepted; bank statements and status reports end in .xml, .sta, .940, .txt, .bai2 and the "
                       "like).")
    page.screenshot(path=str(screenshot_path("bank-upload-refused")), full_page=True)
    assert BankFileUpload.objects.count() == 0
