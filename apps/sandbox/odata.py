"""The ERP sandbox's OData V4 JSON shapes of its documents (S/4HANA JournalEntry, A_Supplier, status updates)."""

from __future__ import annotations

from datetime import UTC

from .models import ErpJournalEntry, ErpPaymentStatusUpdate, ErpSupplier


def timestamp(moment) -> str:
    return moment.astimezone(UTC).isoformat()


def journal_json(entry: ErpJournalEntry, duplicate: bool | None = None) -> dict:
    body = {"AccountingDocument": entry.accounting_document, "CompanyCode": entry.company_code,
            "FiscalYear": str(entry.fiscal_year), "AccountingDocumentType": entry.document_type,
            "DocumentDate": entry.document_date.isoformat(), "PostingDate": entry.posting_date.isoformat(),
            "DocumentReferenceID": entry.reference, "DocumentHeaderText": entry.header_text,
            "CreationDateTime": timestamp(entry.created_at), "_JournalEntryItem": entry.items}
    if duplicate is not None:
        body["duplicate"] = duplicate
    return body


def supplier_json(supplier: ErpSupplier, duplicate: bool | None = None) -> dict:
    body = {**supplier.data, "Supplier": supplier.number, "SupplierName": supplier.name, "Country": supplier.country,
            "VATRegistration": supplier.vat_registration, "CreationDate": supplier.created_at.date().isoformat()}
    if duplicate is not None:
        body["duplicate"] = duplicate
    return body


def status_update_json(update: ErpPaymentStatusUpdate, duplicate: bool) -> dict:
    return {"StatusUpdate": str(update.pk), "PaymentReference": update.payment.reference,
            "PaymentStatus": update.status, "StatusReasonCode": update.reason_code,
            "StatusReasonText": update.reason_text, "duplicate": duplicate}
