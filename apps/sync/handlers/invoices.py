"""An invoice approved in procurement: stored as a SupplierInvoice, at once a commitment to the treasury
cash forecast, and the AP journal to the ERP (which the journal controls may stop without holding the
commitment back). The flow's duplicate-invoice control runs before (a duplicate is committed nowhere); a
PO / receipt mismatch is raised as `invoice.match` without holding the commitment back. A version older than
the one stored (the source listed them out of order) changes nothing: it is delivered as a duplicate."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from apps.controls.invoices import invoice_match_check
from apps.masterdata.models import LegalEntity
from apps.procurement.services import (
    InvoiceNotStored,
    InvoiceVersionStale,
    supplier_invoice_store,
    supplier_invoice_superseded,
)
from apps.sync.flows import LocalDelivery, LocalRejection
from apps.sync.models import SyncRecord
from apps.sync.services import outbound_emit

from . import correlation_join

INPUT_VAT_ACCOUNT = "1600"
PAYABLES_ACCOUNT = "2000"
AP_DOCUMENT_TYPE = "KR"  # SAP's vendor invoice document type
DEFAULT_TERM_DAYS = 30
_TERM_DAYS = re.compile(r"(\d+)")


def invoice_approved_propagate(*, record: SyncRecord, canonical: dict) -> LocalDelivery:
    """LocalHandler of `invoice_approved`: emit the commitment and the journal, both on the invoice's
    correlation id with the invoice record as parent. Keyed by the source invoice id, so a re-polled
    invoice (a later version) propagates nothing twice and joins the first one's correlation id."""
    key = f"{record.connector.system.code}:invoice:{canonical['source_id']}"
    if supplier_invoice_superseded(system=record.connector.system, canonical=canonical):
        return LocalDelivery(external_id=canonical["invoice_number"], duplicate=True)
    # Judged against the invoices stored before this one; flags, does not hold back (apps.controls.invoices).
    invoice_match_check(record=record, canonical=canonical)
    try:
        invoice_store(record=record, canonical=canonical)
    except InvoiceVersionStale:  # a newer version was stored between the check above and now
        return LocalDelivery(external_id=canonical["invoice_number"], duplicate=True)
    emitted = [
        outbound_emit(flow=flow, payload=payload, idempotency_key=key, correlation_id=record.correlation_id,
                      legal_entity=record.legal_entity, parent=record, external_id=canonical["invoice_number"])
        for flow, payload in (("invoice_commitment", commitment_payload(canonical)),
                              ("ap_invoice_posting", journal_payload(canonical)))]
    created = any(made for _, made in emitted)
    if not created:
        first = next((r for r, _ in emitted if r is not None), None)
        if first is not None:
            correlation_join(record, first.correlation_id)
    return LocalDelivery(external_id=canonical["invoice_number"], duplicate=not created)


def invoice_store(*, record: SyncRecord, canonical: dict) -> None:
    """Keep the approved invoice as a SupplierInvoice (apps.procurement.services), so that later invoices are
    checked for duplicates and matched against it. The same invoice already stored under another source id is a
    duplicate the control's window did not see (the database's last line of defence): nothing goes out."""
    entity = record.legal_entity or LegalEntity.objects.filter(code=canonical.get("legal_entity")).first()
    if entity is None:
        return
    try:
        supplier_invoice_store(entity=entity, system=record.connector.system, canonical=canonical,
                               due_date=due_date(canonical))
    except InvoiceNotStored as exc:
        raise LocalRejection(
            "invoice.duplicate", f"Invoice {canonical['invoice_number']} of {canonical['supplier_name']} over "
            f"{canonical['gross_amount']} {canonical['currency']} is already stored: {exc}. Paying it would pay "
            "twice.", dimensions={"legal_entity": entity, "supplier": exc.existing.supplier}) from exc


def due_date(canonical: dict) -> date:
    """Invoice date plus the payment term's days ("Net 30" → 30); 30 days when the term says no number."""
    match = _TERM_DAYS.search(canonical.get("payment_term") or "")
    days = int(match[1]) if match else DEFAULT_TERM_DAYS
    return date.fromisoformat(canonical["invoice_date"]) + timedelta(days=days)


def commitment_payload(canonical: dict) -> dict:
    """The cash the invoice will take, when: the gross amount on the due date (kyriba.commitment_body)."""
    return {"legal_entity": canonical["legal_entity"], "reference": canonical["invoice_number"],
            "amount": canonical["gross_amount"], "currency": canonical["currency"],
            "due_date": due_date(canonical).isoformat(), "supplier": canonical["supplier_name"],
            "flow_code": "AP_INVOICE", "source": f"invoice:{canonical['source_id']}",
            "description": f"Invoice {canonical['invoice_number']} from {canonical['supplier_name']}"[:140]}


def journal_payload(canonical: dict) -> dict:
    """The AP posting (schemas/journal_entry.v1.json): debit each line's expense account and cost center,
    debit input VAT with the invoice's tax, credit payables with the gross amount. An invoice whose gross
    is not net + tax gives an unbalanced journal on purpose: the journal controls stop it, visibly."""
    currency = canonical["currency"]
    lines = []
    for line in canonical["lines"]:
        item = {"account": line["account"], "currency": currency, "amount": line["amount"], "side": "debit",
                "description": (line.get("description") or "")[:50]}
        if line.get("cost_center"):
            item["cost_center"] = line["cost_center"]
        lines.append(item)
    if Decimal(canonical["tax_amount"]) > 0:
        lines.append({"account": INPUT_VAT_ACCOUNT, "currency": currency, "amount": canonical["tax_amount"],
                      "side": "debit", "description": "Input VAT"})
    lines.append({"account": PAYABLES_ACCOUNT, "currency": currency, "amount": canonical["gross_amount"],
                  "side": "credit", "description": canonical["supplier_name"][:50]})
    return {"legal_entity": canonical["legal_entity"], "document_number": canonical["invoice_number"],
            "posting_date": canonical["invoice_date"], "document_date": canonical["invoice_date"],
            "document_type": AP_DOCUMENT_TYPE,
            "description": f"{canonical['supplier_name']} {canonical['invoice_number']}"[:255], "lines": lines}
