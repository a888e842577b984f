"""The S/4HANA-shaped ERP: postings, idempotency (also under concurrency), refusals, suppliers, write-backs."""

from __future__ import annotations

import httpx
import pytest

from apps.connectors.adapters import get_adapter
from apps.connectors.adapters.base import OutboundRequest
from apps.connectors.errors import RejectedByTarget
from apps.sandbox.models import ErpJournalEntry, ErpPayment, ErpSupplier
from tests.sandbox.support import oauth_credentials, run_threads

from .test_oauth import JOURNAL


@pytest.fixture
def erp(sandbox, make_connector):
    return make_connector("sap_s4", base_url=f"{sandbox.url}/erp", credentials=oauth_credentials("erp"))


def _request(object_type: str, payload: dict, key: str) -> OutboundRequest:
    return OutboundRequest(object_type=object_type, payload=payload, idempotency_key=key, correlation_id="c-1")


def test_journal_entry_is_posted_in_the_s4_shape(sandbox, erp):
    result = get_adapter(erp).deliver(_request("journal_entry", JOURNAL, "key-1"))

    entry = ErpJournalEntry.objects.get()
    assert result.external_id == entry.accounting_document == str(4_900_000_000 + entry.pk)
    assert result.duplicate is False
    assert (entry.company_code, entry.fiscal_year, entry.document_type, str(entry.posting_date), entry.reference,
            entry.idempotency_key) == ("DE01", 2026, "SA", "2026-11-20", "JE-1", "key-1")
    assert entry.items == [
        {"GLAccount": "6100", "AmountInTransactionCurrency": "100.00", "TransactionCurrency": "EUR",
         "DebitCreditCode": "S", "CostCenter": "CC400"},
        {"GLAccount": "2000", "AmountInTransactionCurrency": "100.00", "TransactionCurrency": "EUR",
         "DebitCreditCode": "H"}]
    assert result.response["AccountingDocument"] == entry.accounting_document


def test_same_idempotency_key_twice_posts_once(sandbox, erp):
    adapter = get_adapter(erp)
    first = adapter.deliver(_request("journal_entry", JOURNAL, "key-1"))
    second = adapter.deliver(_request("journal_entry", JOURNAL, "key-1"))

    assert (first.duplicate, second.duplicate) == (False, True)
    assert first.external_id == second.external_id
    assert sandbox.stats("erp")["postings"] == 1
    assert sandbox.stats("erp")["duplicates_refused"] == 1


def test_same_idempotency_key_from_eight_threads_at_once_posts_once(sandbox, erp):
    results = run_threads(8, lambda i: get_adapter(erp).deliver(_request("journal_entry", JOURNAL, "key-race")))

    assert len({r.external_id for r in results}) == 1
    assert sorted(r.duplicate for r in results) == [False] + [True] * 7
    assert ErpJournalEntry.objects.count() == 1
    assert sandbox.stats("erp")["postings"] == 1
    assert sandbox.stats("erp")["duplicates_refused"] == 7


def test_key_reused_for_a_different_journal_is_refused(sandbox, erp):
    adapter = get_adapter(erp)
    adapter.deliver(_request("journal_entry", JOURNAL, "key-1"))
    with pytest.raises(RejectedByTarget) as caught:
        adapter.deliver(_request("journal_entry", {**JOURNAL, "document_number": "JE-2"}, "key-1"))
    assert caught.value.status == 422
    stats = sandbox.stats("erp")
    assert (stats["postings"], stats["duplicates_refused"]) == (1, 0)


def test_unbalanced_journal_is_rejected_with_the_odata_message(sandbox, erp):
    unbalanced = {**JOURNAL, "lines": [JOURNAL["lines"][0], {**JOURNAL["lines"][1], "amount": "90.00"}]}
    with pytest.raises(RejectedByTarget) as caught:
        get_adapter(erp).deliver(_request("journal_entry", unbalanced, "key-1"))

    assert caught.value.status == 400
    assert caught.value.code == "FINS_ACDOC_POST/702"
    assert "EUR differs by 10.00" in caught.value.message
    assert ErpJournalEntry.objects.count() == 0


def test_unbalanced_journal_error_body_is_odata_v4(sandbox, erp):
    token = get_adapter(erp).auth.access_token()
    body = {"CompanyCode": "DE01", "DocumentDate": "2026-11-20", "PostingDate": "2026-11-20",
            "AccountingDocumentType": "SA", "_JournalEntryItem": [
                {"GLAccount": "6100", "AmountInTransactionCurrency": "5", "TransactionCurrency": "EUR",
                 "DebitCreditCode": "S"},
                {"GLAccount": "2000", "AmountInTransactionCurrency": "5", "TransactionCurrency": "USD",
                 "DebitCreditCode": "H"}]}
    response = httpx.post(f"{sandbox.url}/erp/sap/opu/odata4/sap/api_journalentry/JournalEntry", json=body,
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.json() == {"error": {
        "code": "FINS_ACDOC_POST/702", "details": [],
        "message": "Balance in transaction currency is not zero: EUR differs by 5, USD differs by -5"}}


def test_find_existing_finds_a_delivery_whose_answer_was_lost(sandbox, erp):
    adapter = get_adapter(erp)
    delivered = adapter.deliver(_request("journal_entry", JOURNAL, "key-lost"))

    found = adapter.find_existing(_request("journal_entry", JOURNAL, "key-lost"))
    assert found is not None
    assert (found.external_id, found.duplicate) == (delivered.external_id, True)
    assert adapter.find_existing(_request("journal_entry", JOURNAL, "key-never-sent")) is None
    assert sandbox.stats("erp")["postings"] == 1


def test_supplier_is_created_once_and_can_be_read_back(sandbox, erp):
    adapter = get_adapter(erp)
    supplier = {"legal_entity": "DE01", "name": "Siemens AG", "country": "DE", "tax_id": "DE129274202",
                "iban": "DE89370400440532013000", "bic": "COBADEFFXXX", "currency": "EUR"}
    created = adapter.deliver(_request("supplier", supplier, "sup-1"))
    again = adapter.deliver(_request("supplier", supplier, "sup-1"))

    row = ErpSupplier.objects.get()
    assert created.external_id == again.external_id == row.number == str(1_000_000 + row.pk).zfill(10)
    assert (row.name, row.country, row.vat_registration) == ("Siemens AG", "DE", "DE129274202")
    assert row.data["_SupplierBank"][0]["IBAN"] == "DE89370400440532013000"
    assert row.data["_SupplierCompany"] == [{"CompanyCode": "DE01", "ReconciliationAccount": "2000",
                                             "PaymentTerms": "0001"}]
    read = adapter.get_json(f"sap/opu/odata4/sap/api_business_partner/A_Supplier('{row.number}')")
    assert (read["Supplier"], read["SupplierName"]) == (row.number, "Siemens AG")
    assert sandbox.stats("erp")["suppliers"] == 1
    assert sandbox.stats("erp")["duplicates_refused"] == 1
    assert adapter.find_existing(_request("supplier", supplier, "sup-1")).external_id == row.number


def test_bank_rejection_is_written_back_to_the_erp_payment(sandbox, erp):
    payment = ErpPayment.objects.order_by("reference").first()
    status = {"payment_reference": payment.reference, "legal_entity": payment.company_code, "status": "rejected",
              "reason_code": "AC04", "reason_text": "Closed account number"}
    result = get_adapter(erp).deliver(_request("payment_status", status, "ps-1"))

    payment.refresh_from_db()
    assert (payment.status, payment.status_reason) == ("REJECTED", "Closed account number")
    assert payment.status_updates.get().pk == int(result.external_id)
    with pytest.raises(RejectedByTarget) as caught:
        get_adapter(erp).deliver(_request("payment_status", {**status, "payment_reference": "NOPE"}, "ps-2"))
    assert caught.value.status == 404
    assert sandbox.stats("erp")["payment_status_updates"] == 1


def test_correlation_id_travels_with_every_request(sandbox, erp):
    adapter = get_adapter(erp)
    response = adapter.request("GET", "sap/opu/odata4/sap/api_journalentry/JournalEntry", correlation_id="trace-42")
    assert response.request.headers["X-Correlation-ID"] == "trace-42"
    assert response.headers["X-Correlation-ID"] == "trace-42"
    generated = adapter.request("GET", "sap/opu/odata4/sap/api_journalentry/JournalEntry")
    assert len(generated.request.headers["X-Correlation-ID"]) == 36  # a fresh UUID when none is given


def test_check_reaches_and_authenticates(sandbox, erp):
    assert get_adapter(erp).check() == {"ok": True}
    assert sandbox.stats("erp")["tokens_issued"] == 1
