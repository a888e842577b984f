"""Invoice controls: duplicates (supplier, normalised number, amount, date window) stop the invoice; two- and
three-way match within the entity's tolerances flags it without holding back the commitment to the cash
forecast, which leaves at once on approval."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from apps.controls.defaults import DEFAULTS
from apps.controls.services import control_settings_approve, control_settings_propose, terms_with
from apps.exceptions.models import ExceptionCase
from apps.masterdata.models import Supplier
from apps.procurement.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrder,
    PurchaseOrderLine,
    SupplierInvoice,
)
from apps.sync.models import SyncRecord

from .invoice_world import invoice, procurement, send_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def lyreco(entity_de):
    return Supplier.objects.create(legal_entity=entity_de, number="V100", name="Lyreco Deutschland GmbH",
                                   country="DE")


@pytest.fixture
def coupa(entity_de, lyreco, maker, checker):
    return procurement(entity_de, maker, checker)


def _children(record) -> set[str]:
    return set(record.children.values_list("flow", flat=True))


# --- duplicates -------------------------------------------------------------------------------------------

def test_the_same_invoice_again_under_another_id_and_spelling_is_stopped(coupa, lyreco):
    first = send_invoice(coupa, invoice("9001", "INV-000123", "1190.00"))
    second = send_invoice(coupa, invoice("9002", "inv 123", "1190.0", day="2026-12-05"))

    assert (first.status, second.status) == ("delivered", "exception")
    assert _children(first) == {"invoice_commitment", "ap_invoice_posting"}  # committed at once
    assert not second.children.exists()  # a duplicate is committed and posted nowhere
    case = ExceptionCase.objects.get(kind="invoice.duplicate")
    assert (case.sync_record_id, case.supplier_id) == (second.pk, lyreco.pk)
    assert "INV-000123 of 2026-11-20 (source id 9001)" in case.message


def test_a_duplicate_of_an_invoice_already_in_the_books_is_stopped(entity_de, coupa, lyreco):
    SupplierInvoice.objects.create(legal_entity=entity_de, supplier=lyreco, number="2026/4711",
                                   invoice_date=date(2026, 11, 2), due_date=date(2026, 12, 2), currency="EUR",
                                   net_amount=Decimal("500.00"), gross_amount=Decimal("500.00"))

    record = send_invoice(coupa, invoice("9003", "2026-4711", "500.00"))

    assert record.status == "exception"
    assert "invoice 2026/4711 of 2026-11-02 in FinSync" in ExceptionCase.objects.get(kind="invoice.duplicate").message


@pytest.mark.parametrize("second", [
    invoice("9102", "INV-000123", "1190.01"),  # another amount
    invoice("9102", "INV-000124", "1190.00"),  # another number
    invoice("9102", "INV-000123", "1190.00", day="2027-01-15"),  # outside the 30-day window
    invoice("9102", "INV-000123", "1190.00", supplier_number="V200", supplier_name="Staples"),  # another supplier
])
def test_a_different_invoice_passes(coupa, second):
    send_invoice(coupa, invoice("9101", "INV-000123", "1190.00"))

    assert send_invoice(coupa, second).status == "delivered"
    assert not ExceptionCase.objects.filter(kind="invoice.duplicate").exists()


def test_the_window_is_the_entitys_control_setting(entity_de, coupa, maker, checker):
    version = control_settings_propose(legal_entity=entity_de,
                                       terms=terms_with(DEFAULTS, invoice_duplicate_window_days=90),
                                       change_note="Suppliers re-send quarterly statements as invoices", actor=maker)
    control_settings_approve(version=version, actor=checker)
    send_invoice(coupa, invoice("9201", "Q4-77", "80.00"))

    assert send_invoice(coupa, invoice("9202", "Q4-77", "80.00", day="2027-01-15")).status == "exception"


# --- two- and three-way match -------------------------------------------------------------------------------

@pytest.fixture
def order(entity_de, lyreco):
    """10 toner cartridges at 100.00, 8 received so far."""
    po = PurchaseOrder.objects.create(legal_entity=entity_de, supplier=lyreco, number="PO-4500017", currency="EUR",
                                      order_date=date(2026, 11, 1), total_amount=Decimal("1000.00"))
    line = PurchaseOrderLine.objects.create(purchase_order=po, line_no=10, description="Toner", quantity=10,
                                            unit_price=Decimal("100.00"), amount=Decimal("1000.00"))
    receipt = GoodsReceipt.objects.create(purchase_order=po, number="GR-1", received_date=date(2026, 11, 10))
    GoodsReceiptLine.objects.create(receipt=receipt, po_line=line, quantity=8)
    return po


def _po_invoice(source_id, quantity, unit_price):
    amount = str(Decimal(quantity) * Decimal(unit_price))
    return invoice(source_id, f"M-{source_id}", amount, lines=[{
        "account": "6100", "amount": amount, "po_number": "PO-4500017", "po_line": "10", "quantity": quantity,
        "unit_price": unit_price}])


@pytest.mark.parametrize(("quantity", "unit_price"), [("8", "100.00"), ("8", "101.50"), ("5", "99.00")])
def test_an_invoice_within_the_tolerances_matches(order, coupa, quantity, unit_price):
    record = send_invoice(coupa, _po_invoice("9301", quantity, unit_price))

    assert record.status == "delivered"
    assert not ExceptionCase.objects.filter(kind="invoice.match").exists()


@pytest.mark.parametrize(("quantity", "unit_price", "problem"), [
    ("8", "103.00", "unit price 103.00 against 100.00 ordered"),  # 3 % over a 2 % tolerance
    ("10", "100.00", "10 invoiced against 8 received"),  # three-way: not all received yet
    ("11", "100.00", "11 invoiced against 10 ordered"),
])
def test_an_invoice_outside_the_tolerances_is_flagged_and_still_committed_at_once(order, coupa, lyreco, quantity,
                                                                                  unit_price, problem):
    record = send_invoice(coupa, _po_invoice("9302", quantity, unit_price))

    assert record.status == "delivered"
    assert _children(record) == {"invoice_commitment", "ap_invoice_posting"}
    case = ExceptionCase.objects.get(kind="invoice.match")
    assert problem in case.message
    assert (case.supplier_id, case.reference, case.correlation_id) == (lyreco.pk, "M-9302", record.correlation_id)


def test_a_wider_tolerance_lets_the_price_variance_pass(entity_de, order, coupa, maker, checker):
    version = control_settings_propose(legal_entity=entity_de, terms=terms_with(
        DEFAULTS, match_price_tolerance_pct=Decimal("5")), change_note="Toner prices index-linked", actor=maker)
    control_settings_approve(version=version, actor=checker)

    send_invoice(coupa, _po_invoice("9303", "8", "103.00"))

    assert not ExceptionCase.objects.filter(kind="invoice.match").exists()


def test_an_amount_over_the_order_is_flagged_and_an_unknown_po_left_to_the_erp(order, coupa):
    send_invoice(coupa, invoice("9304", "M-9304", "1200.00", lines=[
        {"account": "6100", "amount": "1100.00", "po_number": "PO-4500017"},
        {"account": "6100", "amount": "100.00", "po_number": "PO-9999"}]))

    message = ExceptionCase.objects.get(kind="invoice.match").message
    assert "PO-9999" not in message
    assert "PO PO-4500017: 1100.00 invoiced against 1000.00 ordered" in message


# --- stored as SupplierInvoice rows, judged against them -------------------------------------------------------

def test_an_approved_invoice_is_stored_with_its_lines_and_committed_at_once(entity_de, order, coupa, lyreco):
    record = send_invoice(coupa, _po_invoice("9401", "4", "100.00"))

    invoice = SupplierInvoice.objects.get()
    assert (invoice.legal_entity, invoice.supplier, invoice.number, invoice.normalized_number) == (
        entity_de, lyreco, "M-9401", "M9401")
    assert (invoice.invoice_date, invoice.due_date, invoice.status) == (date(2026, 11, 20), date(2026, 12, 20),
                                                                         "approved")
    assert (invoice.net_amount, invoice.tax_amount, invoice.gross_amount, invoice.currency) == (
        Decimal("400.00"), Decimal("0.00"), Decimal("400.00"), "EUR")
    assert (invoice.source_system.code, invoice.source_id, invoice.purchase_order) == ("coupa", "9401", order)
    line = invoice.lines.get()
    assert (line.po_line, line.quantity, line.unit_price, line.amount) == (
        order.lines.get(), Decimal("4"), Decimal("100.00"), Decimal("400.00"))
    commitment = record.children.get(flow="invoice_commitment")
    assert (commitment.payload["amount"], commitment.payload["due_date"]) == ("400.00", "2026-12-20")
    assert commitment.correlation_id == record.correlation_id


def test_a_later_version_of_the_same_source_invoice_updates_its_row(coupa, lyreco):
    send_invoice(coupa, invoice("9402", "INV-77", "500.00"))
    later = send_invoice(coupa, invoice("9402", "INV-77", "500.00", payment_term="Net 45"))

    assert later.status == "delivered"  # not a duplicate of itself
    assert not ExceptionCase.objects.filter(kind="invoice.duplicate").exists()
    assert list(SupplierInvoice.objects.values_list("source_id", "due_date")) == [("9402", date(2027, 1, 4))]


def test_an_older_version_arriving_after_a_newer_one_changes_nothing(coupa, lyreco):
    from apps.audit.models import AuditEvent
    from apps.sync.models import SyncAttempt

    newer = send_invoice(coupa, invoice("9410", "INV-80", "600.00", payment_term="Net 45",
                                        source_updated_at="2026-11-21T10:00:05+00:00"))
    audits, records = AuditEvent.objects.count(), SyncRecord.objects.count()

    older = send_invoice(coupa, invoice("9410", "INV-80", "550.00", payment_term="Net 30",
                                        source_updated_at="2026-11-21T09:00:00Z"))

    assert (newer.status, older.status) == ("delivered", "delivered")
    assert SyncAttempt.objects.filter(record=older).values_list("outcome", flat=True).get() == "duplicate"
    stored = SupplierInvoice.objects.get()
    assert (stored.gross_amount, stored.net_amount, stored.due_date, stored.source_updated_at) == (
        Decimal("600.00"), Decimal("600.00"), date(2027, 1, 4), datetime(2026, 11, 21, 10, 0, 5, tzinfo=UTC))
    assert list(stored.lines.values_list("amount", flat=True)) == [Decimal("600.00")]
    assert not older.children.exists()
    assert (AuditEvent.objects.count(), SyncRecord.objects.count()) == (audits, records + 1)  # only `older` itself
    assert not ExceptionCase.objects.exists()


def test_a_newer_version_arriving_after_an_older_one_updates_the_row(coupa, lyreco):
    send_invoice(coupa, invoice("9411", "INV-81", "550.00", source_updated_at="2026-11-21T09:00:00Z"))
    newer = send_invoice(coupa, invoice("9411", "INV-81", "600.00", payment_term="Net 45",
                                        source_updated_at="2026-11-21T10:00:05Z"))

    assert newer.status == "delivered"
    stored = SupplierInvoice.objects.get()
    assert (stored.gross_amount, stored.due_date, stored.source_updated_at) == (
        Decimal("600.00"), date(2027, 1, 4), datetime(2026, 11, 21, 10, 0, 5, tzinfo=UTC))


def test_coupas_updated_at_is_carried_to_the_canonical_invoice():
    from apps.demo.mapping_specs import COUPA_INVOICE_SPEC
    from apps.mappings.engine import apply_spec
    from apps.mappings.schemas import validate

    coupa_invoice = {"id": 77, "updated-at": "2026-11-21T10:00:05Z", "account-type": {"name": "de01"},
                     "invoice-number": "INV-80", "invoice-date": "2026-11-20", "status": "approved",
                     "currency": {"code": "EUR"}, "supplier": {"name": "Lyreco", "number": "V100", "id": 5},
                     "net-total": "600.00", "gross-total": "600.00",
                     "invoice-lines": [{"account": {"segment-2": "6100"}, "total": "600.00"}]}

    result = apply_spec(COUPA_INVOICE_SPEC, coupa_invoice)

    assert result.errors == []
    assert result.canonical["source_updated_at"] == "2026-11-21T10:00:05+00:00"
    assert validate("supplier_invoice", result.canonical) == []


def test_a_supplier_known_by_its_source_id_is_found_through_the_crosswalk(entity_de, coupa):
    from django.contrib.contenttypes.models import ContentType

    from apps.masterdata.models import ExternalId

    staples = Supplier.objects.create(legal_entity=entity_de, number="V555", name="Staples", country="DE")
    ExternalId.objects.create(system=coupa.system, content_type=ContentType.objects.get_for_model(Supplier),
                              object_id=staples.pk, external_id="C-88")

    send_invoice(coupa, invoice("9403", "ST-1", "80.00", supplier_number="", supplier_source_id="C-88",
                                supplier_name="Staples"))
    duplicate = send_invoice(coupa, invoice("9404", "st 1", "80.00", supplier_number="",
                                            supplier_source_id="C-88", supplier_name="Staples"))

    assert SupplierInvoice.objects.get().supplier == staples
    assert duplicate.status == "exception"
    assert ExceptionCase.objects.get(kind="invoice.duplicate").supplier == staples


def test_an_invoice_of_a_supplier_finsync_does_not_hold_still_reaches_treasury_and_the_erp(coupa):
    record = send_invoice(coupa, invoice("9405", "X-1", "10.00", supplier_number="V999", supplier_name="Unknown"))

    assert record.status == "delivered"
    assert _children(record) == {"invoice_commitment", "ap_invoice_posting"}
    assert not SupplierInvoice.objects.exists()


def test_billing_a_po_line_in_instalments_counts_the_earlier_invoices(order, coupa):
    first = send_invoice(coupa, _po_invoice("9406", "5", "100.00"))
    assert not ExceptionCase.objects.filter(kind="invoice.match").exists()

    second = send_invoice(coupa, _po_invoice("9407", "4", "100.00"))

    assert (first.status, second.status) == ("delivered", "delivered")
    case = ExceptionCase.objects.get(kind="invoice.match")
    assert "PO PO-4500017 line 10: 9 invoiced (5 on earlier invoices) against 8 received" in case.message
    assert SupplierInvoice.objects.count() == 2


def test_the_database_refuses_the_same_invoice_under_a_second_source_id(entity_de, coupa, lyreco):
    from apps.procurement.services import InvoiceNotStored, supplier_invoice_store

    data = invoice("9408", "INV-9", "70.00")
    stored = supplier_invoice_store(entity=entity_de, system=coupa.system, canonical=data, due_date=date(2026, 12, 20))

    with pytest.raises(InvoiceNotStored) as refused:
        supplier_invoice_store(entity=entity_de, system=coupa.system, canonical={**data, "source_id": "9409"},
                               due_date=date(2026, 12, 20))
    assert refused.value.existing == stored
    assert SupplierInvoice.objects.count() == 1
