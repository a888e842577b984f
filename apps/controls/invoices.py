"""Invoice controls on a canonical supplier invoice (apps/mappings/schemas/supplier_invoice.v1.json).

Approved invoices are stored as SupplierInvoice rows by the flow's handler (apps.procurement.services), so both
controls judge an invoice against the invoices stored before it.

- **Duplicate** (blocking, `invoice.duplicate`): an invoice of the same supplier with the same normalised number
  and the same gross amount in the same currency, dated within the entity's `invoice_duplicate_window_days`,
  is already in FinSync (a SupplierInvoice row, or another approved invoice record delivered earlier).
- **Match** (`invoice.match`, raised without holding the invoice back: the commitment to the cash forecast and
  the AP posting go at once, the exception blocks it for payment the way an ERP's payment block does): each
  line naming a purchase order is matched two-way with the PO line (unit price, quantity ordered) and, once
  the PO has goods receipts, three-way with the quantity received — within the entity's tolerances; quantities
  billed on earlier stored invoices of the same PO line count too (no over-billing in instalments). A line
  naming only a PO (no line, quantity or price) is matched on amount against the PO total. A PO FinSync does
  not hold (its source does not sync purchase orders) is left to the ERP's own match.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db.models import Q, Sum

from apps.exceptions.services import exception_raise
from apps.ledger.controls import ControlFailure
from apps.masterdata.models import LegalEntity, Supplier
from apps.procurement.models import (
    GoodsReceiptLine,
    PurchaseOrder,
    SupplierInvoice,
    normalize_invoice_number,
)
from apps.procurement.selectors import invoice_supplier, invoiced_quantities
from apps.sync.choices import RecordStatus
from apps.sync.models import SyncRecord

from .defaults import ControlSettings
from .selectors import control_settings_for
from .tolerances import not_above_tolerance, within_tolerance

FLOW = "invoice_approved"


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _qty(value) -> str:
    """A quantity as people write it: 8, 2.5 (the database may answer 8.0000 or 8)."""
    return f"{Decimal(value).normalize():f}"


def _price(value) -> str:
    """An amount with at least two decimals: 100.00, 99.125."""
    text = _qty(value)
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def _supplier_key(canonical: dict) -> dict:
    """How the canonical invoice names its supplier, strongest first."""
    for name in ("supplier_source_id", "supplier_number"):
        if canonical.get(name):
            return {name: str(canonical[name])}
    return {"supplier_name": canonical.get("supplier_name", "")}


def _supplier(entity: LegalEntity, canonical: dict) -> Supplier | None:
    return invoice_supplier(entity=entity, canonical=canonical)


def invoice_duplicates(canonical: dict, *, entity: LegalEntity, settings: ControlSettings) -> list[str]:
    """Descriptions of the earlier invoices `canonical` duplicates (empty: none)."""
    number = normalize_invoice_number(canonical["invoice_number"])
    gross, currency = Decimal(canonical["gross_amount"]), canonical["currency"]
    day = date.fromisoformat(canonical["invoice_date"])
    window = timedelta(days=settings.invoice_duplicate_window_days)
    found = []
    supplier = _supplier(entity, canonical)
    if supplier is not None:
        for invoice in SupplierInvoice.objects.filter(
                supplier=supplier, normalized_number=number, currency=currency, gross_amount=gross,
                invoice_date__range=(day - window, day + window)).exclude(
                    source_id=str(canonical["source_id"])).order_by("invoice_date"):  # itself, stored earlier
            found.append(f"invoice {invoice.number} of {invoice.invoice_date} in FinSync")
    key = _supplier_key(canonical)
    earlier = (SyncRecord.objects
               .filter(flow=FLOW, status=RecordStatus.DELIVERED, legal_entity=entity, canonical__currency=currency,
                       canonical__invoice_date__gte=(day - window).isoformat(),
                       canonical__invoice_date__lte=(day + window).isoformat(),
                       **{f"canonical__{k}": v for k, v in key.items()})
               .exclude(canonical__source_id=canonical["source_id"]).order_by("id"))
    for record in earlier.only("canonical", "connector_id"):
        other = record.canonical
        if (normalize_invoice_number(other.get("invoice_number", "")) == number
                and _decimal(other.get("gross_amount")) == gross):
            found.append(f"invoice {other['invoice_number']} of {other['invoice_date']} "
                         f"(source id {other['source_id']})")
    return found


def invoice_duplicate_control(canonical: dict) -> list[ControlFailure]:
    """Flow control of `invoice_approved`: stop a duplicate before it is committed or posted twice."""
    entity = LegalEntity.objects.filter(code=canonical.get("legal_entity")).first()
    if entity is None:
        return []  # the handler says so; nothing to compare with
    settings = control_settings_for(entity)
    found = invoice_duplicates(canonical, entity=entity, settings=settings)
    if not found:
        return []
    dims = {"legal_entity": entity}
    supplier = _supplier(entity, canonical)
    if supplier is not None:
        dims["supplier"] = supplier
    return [ControlFailure(
        "invoice.duplicate",
        f"Invoice {canonical['invoice_number']} of {canonical['supplier_name']} over {canonical['gross_amount']} "
        f"{canonical['currency']} looks like {'; '.join(found)} (same supplier, number and amount within "
        f"{settings.invoice_duplicate_window_days} days). Paying it would pay twice.", dims)]


# --- two- and three-way match ------------------------------------------------------------------------------

def invoice_match_problems(canonical: dict, *, entity: LegalEntity, settings: ControlSettings) -> list[str]:
    """What does not match the purchase orders and goods receipts named on the invoice's lines."""
    lines = [line for line in canonical["lines"] if line.get("po_number")]
    if not lines:
        return []
    orders = {po.number: po for po in PurchaseOrder.objects.filter(
        legal_entity=entity, number__in={line["po_number"] for line in lines}).prefetch_related("lines")}
    problems: list[str] = []
    received = _received(orders.values())
    # What earlier stored invoices already billed on these PO lines counts against ordered and received.
    before = invoiced_quantities(po_line_ids=[pl.pk for po in orders.values() for pl in po.lines.all()],
                                 exclude_source_id=str(canonical["source_id"]))
    price = {"pct": settings.match_price_tolerance_pct, "absolute": settings.match_price_tolerance_abs}
    qty = {"pct": settings.match_quantity_tolerance_pct, "absolute": settings.match_quantity_tolerance_abs}
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        po = orders.get(line["po_number"])
        if po is None:
            # FinSync holds the POs of the sources that sync them; others are matched by the ERP itself.
            continue
        if po.currency != canonical["currency"]:
            problems.append(f"PO {po.number} is in {po.currency}, the invoice in {canonical['currency']}")
            continue
        po_line = next((pl for pl in po.lines.all() if str(pl.line_no) == str(line.get("po_line", ""))), None)
        quantity, unit_price = _decimal(line.get("quantity")), _decimal(line.get("unit_price"))
        if po_line is None or quantity is None or unit_price is None:
            amounts[po.number] += Decimal(line["amount"])
            continue
        where = f"PO {po.number} line {po_line.line_no}"
        if not within_tolerance(unit_price, po_line.unit_price, **price):
            problems.append(f"{where}: unit price {_price(unit_price)} against {_price(po_line.unit_price)} ordered")
        earlier = before.get(po_line.pk, Decimal(0))
        billed = quantity + earlier
        said = f"{_qty(billed)} invoiced" + (f" ({_qty(earlier)} on earlier invoices)" if earlier else "")
        if not not_above_tolerance(billed, po_line.quantity, **qty):
            problems.append(f"{where}: {said} against {_qty(po_line.quantity)} ordered")
        got = received["lines"].get(po_line.pk, Decimal(0))
        if po.pk in received["orders"] and not not_above_tolerance(billed, got, **qty):
            problems.append(f"{where}: {said} against {_qty(got)} received")
    for number, amount in sorted(amounts.items()):
        if not not_above_tolerance(amount, orders[number].total_amount, **price):
            problems.append(f"PO {number}: {_price(amount)} invoiced against {_price(orders[number].total_amount)} "
                            "ordered")
    return problems


def _received(orders) -> dict:
    """Quantities received per PO line, and which orders have any receipt (those are matched three-way)."""
    ids = [po.pk for po in orders]
    rows = (GoodsReceiptLine.objects.filter(Q(receipt__purchase_order_id__in=ids))
            .values("po_line_id", "receipt__purchase_order_id").annotate(qty=Sum("quantity")).order_by())
    return {"lines": {r["po_line_id"]: r["qty"] for r in rows},
            "orders": {r["receipt__purchase_order_id"] for r in rows}}


def invoice_match_check(*, record, canonical: dict) -> None:
    """Raise (or count again) `invoice.match` for an approved invoice that does not match its PO / receipts.
    Called by the invoice flow's handler; it does not hold the invoice back."""
    entity = record.legal_entity or LegalEntity.objects.filter(code=canonical.get("legal_entity")).first()
    if entity is None:
        return
    settings = control_settings_for(entity)
    problems = invoice_match_problems(canonical, entity=entity, settings=settings)
    if not problems:
        return
    exception_raise(
        kind="invoice.match", subject=f"invoice:{record.connector.system.code}:{canonical['source_id']}:match",
        reference=canonical["invoice_number"], correlation_id=record.correlation_id, legal_entity=entity,
        supplier=_supplier(entity, canonical), source_system=record.connector.system, record_type="supplier_invoice",
        cause="invoice outside PO / receipt tolerances",
        message=f"Invoice {canonical['invoice_number']} of {canonical['supplier_name']} does not match: "
                f"{'; '.join(problems)} (tolerances: price {settings.match_price_tolerance_pct} % or "
                f"{settings.match_price_tolerance_abs}, quantity {settings.match_quantity_tolerance_pct} % or "
                f"{settings.match_quantity_tolerance_abs}). Block it for payment until purchasing confirms.",
        details={"problems": problems, "source_id": canonical["source_id"]})
