"""Writes of procurement documents: a supplier invoice approved in the procurement suite, stored as it arrives
through the pipeline, so the invoice controls (apps.controls.invoices) judge later invoices against it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from apps.ledger.models import CostCenter, GLAccount
from apps.masterdata.models import LegalEntity, SourceSystem

from .choices import InvoiceStatus
from .models import (
    PurchaseOrder,
    PurchaseOrderLine,
    SupplierInvoice,
    SupplierInvoiceLine,
    normalize_invoice_number,
)
from .selectors import invoice_supplier


class InvoiceNotStored(Exception):
    """The exact same invoice (supplier, number, day, amount) is already stored under another source id."""

    def __init__(self, existing: SupplierInvoice) -> None:
        super().__init__(f"invoice {existing.number} of {existing.invoice_date} is already stored")
        self.existing = existing


class InvoiceVersionStale(Exception):
    """A version of a source invoice older than the one stored arrived late (sources deliver out of order)."""

    def __init__(self, stored: SupplierInvoice) -> None:
        super().__init__(f"a newer version of invoice {stored.number} (changed {stored.source_updated_at}) is "
                         "already stored")
        self.stored = stored


def source_updated_at(canonical: dict) -> datetime | None:
    """When the source last changed this version of the invoice; None when the mapping does not say."""
    value = canonical.get("source_updated_at")
    return datetime.fromisoformat(value) if value else None


def _older(incoming: datetime | None, stored: datetime | None) -> bool:
    # Unknown on either side cannot be judged: the arriving version is taken, as before versions were carried.
    return incoming is not None and stored is not None and incoming < stored


def supplier_invoice_superseded(*, system: SourceSystem, canonical: dict) -> bool:
    """Whether a newer version of this source invoice is already stored. Locks the stored row, so called inside
    the transaction that then stores the invoice, a concurrent version waits for that one to commit."""
    stored = (SupplierInvoice.objects.select_for_update().filter(source_system=system,
                                                                  source_id=str(canonical["source_id"]))
              .values_list("source_updated_at", flat=True).first())
    return _older(source_updated_at(canonical), stored)


def _decimal(value, default: Decimal | None = None) -> Decimal | None:
    return Decimal(str(value)) if value not in (None, "") else default


def supplier_invoice_store(*, entity: LegalEntity, system: SourceSystem, canonical: dict,
                           due_date: date) -> SupplierInvoice | None:
    """Store (or, for a later version of the same source invoice, update) an approved canonical supplier invoice
    with its lines, PO lines, GL accounts and cost centers resolved within the entity. None when FinSync does not
    hold the supplier (the ERP still gets the invoice; the duplicate control then compares with earlier invoice
    records) or when the amounts cannot be an invoice (gross below net: the AP journal's controls stop it).
    Raises InvoiceNotStored when the same invoice is stored under another source id, InvoiceVersionStale when
    the stored version of this source invoice is newer (by `source_updated_at`) and so is kept."""
    supplier = invoice_supplier(entity=entity, system=system, canonical=canonical)
    net, tax, gross = (_decimal(canonical[k], Decimal(0)) for k in ("net_amount", "tax_amount", "gross_amount"))
    if supplier is None or gross < net:
        return None
    lines = canonical.get("lines") or []
    po_numbers = {line["po_number"] for line in lines if line.get("po_number")}
    orders = {po.number: po for po in PurchaseOrder.objects.filter(legal_entity=entity, number__in=po_numbers)}
    po_lines = {(pl.purchase_order.number, str(pl.line_no)): pl for pl in PurchaseOrderLine.objects.filter(
        purchase_order__in=orders.values()).select_related("purchase_order")}
    accounts = dict(GLAccount.objects.filter(legal_entity=entity, code__in={line.get("account") for line in lines})
                    .values_list("code", "pk"))
    centers = dict(CostCenter.objects.filter(legal_entity=entity, code__in={line.get("cost_center") for line in lines})
                   .values_list("code", "pk"))
    header = {"legal_entity": entity, "supplier": supplier, "number": canonical["invoice_number"][:40],
              "invoice_date": date.fromisoformat(canonical["invoice_date"]), "due_date": due_date,
              "currency": canonical["currency"], "net_amount": net, "tax_amount": tax, "gross_amount": gross,
              "status": InvoiceStatus.APPROVED,
              "purchase_order": orders[next(iter(po_numbers))] if len(po_numbers) == 1 and orders else None}
    changed_at = source_updated_at(canonical)
    if changed_at is not None:  # a version that does not say when it changed keeps the stored one's time
        header["source_updated_at"] = changed_at
    try:
        with transaction.atomic():
            stored = SupplierInvoice.objects.select_for_update().filter(
                source_system=system, source_id=str(canonical["source_id"])).first()
            if stored is not None and _older(changed_at, stored.source_updated_at):
                raise InvoiceVersionStale(stored)
            invoice, _ = SupplierInvoice.objects.update_or_create(
                source_system=system, source_id=str(canonical["source_id"]), defaults=header)
            invoice.lines.all().delete()  # a later version of the invoice replaces its lines
            SupplierInvoiceLine.objects.bulk_create([_line(invoice, n, line, po_lines, accounts, centers)
                                                     for n, line in enumerate(lines, start=1)])
    except IntegrityError:
        existing = SupplierInvoice.objects.filter(
            supplier=supplier, normalized_number=normalize_invoice_number(header["number"]),
            invoice_date=header["invoice_date"], currency=header["currency"], gross_amount=gross,
        ).exclude(source_id=str(canonical["source_id"])).first()
        if existing is None:
            raise
        raise InvoiceNotStored(existing) from None
    return invoice


def _line(invoice: SupplierInvoice, n: int, line: dict, po_lines: dict, accounts: dict,
          centers: dict) -> SupplierInvoiceLine:
    amount = _decimal(line.get("amount"), Decimal(0))
    quantity = _decimal(line.get("quantity"))
    return SupplierInvoiceLine(
        invoice=invoice, line_no=n, po_line=po_lines.get((line.get("po_number"), str(line.get("po_line", "")))),
        description=(line.get("description") or "")[:255],
        # A line without quantity and unit price (a service, a flat fee) is one unit at the line amount.
        quantity=quantity if quantity is not None else Decimal(1),
        unit_price=_decimal(line.get("unit_price"), amount), amount=amount,
        account_id=accounts.get(line.get("account")), cost_center_id=centers.get(line.get("cost_center")),
        tax_code=(line.get("tax_code") or "")[:10])
