"""Procure-to-pay documents: purchase orders, goods receipts and supplier invoices."""

from __future__ import annotations

import re

from django.db import models

from apps.common.models import TimeStampedModel
from apps.common.money import CurrencyField, MoneyField, currency_constraint, non_negative_constraint
from apps.ledger.models import CostCenter, GLAccount
from apps.masterdata.models import LegalEntity, SourceSystem, Supplier

from .choices import InvoiceStatus, PurchaseOrderStatus

QUANTITY = {"max_digits": 18, "decimal_places": 4}


def normalize_invoice_number(number: str) -> str:
    """Compare invoice numbers as a clerk would: case, spaces, punctuation and leading zeros of each
    number ignored ("INV-00123" and "inv 123" are the same invoice)."""
    compact = re.sub(r"[^0-9A-Za-z]", "", number).upper()
    return re.sub(r"(?<![0-9])0+(?=[0-9])", "", compact) or "0"


class PurchaseOrder(TimeStampedModel):
    """A purchase order issued to a supplier."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="purchase_orders")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    number = models.CharField(max_length=40)
    order_date = models.DateField()
    currency = CurrencyField()
    total_amount = MoneyField(default=0)
    status = models.CharField(max_length=20, choices=PurchaseOrderStatus.choices, default=PurchaseOrderStatus.OPEN)

    class Meta:
        ordering = ["-order_date", "number"]
        constraints = [
            models.UniqueConstraint(fields=["legal_entity", "number"], name="po_number_unique"),
            currency_constraint("currency", "po_currency_iso"),
            non_negative_constraint("total_amount", "po_total_non_negative"),
        ]

    def __str__(self) -> str:
        return self.number


class PurchaseOrderLine(models.Model):
    """One ordered item of a purchase order."""

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=255)
    quantity = models.DecimalField(**QUANTITY)
    unit_price = MoneyField()
    amount = MoneyField()
    account = models.ForeignKey(GLAccount, null=True, blank=True, on_delete=models.PROTECT)
    cost_center = models.ForeignKey(CostCenter, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["purchase_order", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "line_no"], name="poline_unique_no"),
            non_negative_constraint("quantity", "poline_quantity_non_negative"),
            non_negative_constraint("unit_price", "poline_price_non_negative"),
            non_negative_constraint("amount", "poline_amount_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order} #{self.line_no}"


class GoodsReceipt(TimeStampedModel):
    """Goods or services received against a purchase order."""

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="receipts")
    number = models.CharField(max_length=40)
    received_date = models.DateField()

    class Meta:
        ordering = ["-received_date", "number"]
        constraints = [models.UniqueConstraint(fields=["purchase_order", "number"], name="receipt_number_unique")]

    def __str__(self) -> str:
        return self.number


class GoodsReceiptLine(models.Model):
    """Quantity received for one purchase-order line."""

    receipt = models.ForeignKey(GoodsReceipt, on_delete=models.CASCADE, related_name="lines")
    po_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="receipt_lines")
    quantity = models.DecimalField(**QUANTITY)

    class Meta:
        ordering = ["receipt", "po_line"]
        constraints = [non_negative_constraint("quantity", "receiptline_quantity_non_negative")]

    def __str__(self) -> str:
        return f"{self.receipt} {self.po_line}"


class SupplierInvoice(TimeStampedModel):
    """An invoice a supplier sent to a legal entity (accounts payable)."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="supplier_invoices")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="invoices")
    purchase_order = models.ForeignKey(
        PurchaseOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.CharField(max_length=40, help_text="as printed by the supplier")
    normalized_number = models.CharField(max_length=40, editable=False)
    invoice_date = models.DateField()
    due_date = models.DateField()
    currency = CurrencyField()
    net_amount = MoneyField()
    tax_amount = MoneyField(default=0)
    gross_amount = MoneyField()
    status = models.CharField(max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.RECEIVED)
    source_system = models.ForeignKey(SourceSystem, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", help_text="where it came from through the pipeline")
    source_id = models.CharField(max_length=200, blank=True, help_text="its id in the source system")
    source_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="when the stored version was last changed in the source system; an older "
        "version arriving later (sources deliver out of order) does not overwrite it")

    class Meta:
        ordering = ["-invoice_date", "number"]
        constraints = [
            currency_constraint("currency", "invoice_currency_iso"),
            # A re-polled invoice (a later version from the source) updates its row, never adds one.
            models.UniqueConstraint(fields=["source_system", "source_id"], condition=~models.Q(source_id=""),
                                    name="invoice_unique_per_source"),
            non_negative_constraint("net_amount", "invoice_net_non_negative"),
            non_negative_constraint("tax_amount", "invoice_tax_non_negative"),
            # gross = net + tax is checked by the invoice controls (exact Decimal arithmetic); the database
            # only guards the direction, because SQLite compares decimals as binary floats.
            models.CheckConstraint(condition=models.Q(gross_amount__gte=models.F("net_amount")),
                                   name="invoice_gross_not_below_net"),
            # The last line of defence against paying the same invoice twice: the same number, day and gross
            # amount of one supplier. (A supplier's number may recur with another amount or a year later; the
            # duplicate-invoice control, apps.controls.invoices, judges those within its window.)
            models.UniqueConstraint(
                fields=["supplier", "normalized_number", "invoice_date", "currency", "gross_amount"],
                name="invoice_unique_per_supplier"),
            models.CheckConstraint(
                condition=models.Q(due_date__gte=models.F("invoice_date")), name="invoice_due_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier.name} {self.number}"

    def save(self, *args, **kwargs):
        self.normalized_number = normalize_invoice_number(self.number)
        super().save(*args, **kwargs)


class SupplierInvoiceLine(models.Model):
    """One line of a supplier invoice, optionally against a purchase-order line."""

    invoice = models.ForeignKey(SupplierInvoice, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField()
    po_line = models.ForeignKey(PurchaseOrderLine, null=True, blank=True, on_delete=models.PROTECT)
    description = models.CharField(max_length=255)
    quantity = models.DecimalField(**QUANTITY)
    unit_price = MoneyField()
    amount = MoneyField()
    account = models.ForeignKey(GLAccount, null=True, blank=True, on_delete=models.PROTECT)
    cost_center = models.ForeignKey(CostCenter, null=True, blank=True, on_delete=models.PROTECT)
    tax_code = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["invoice", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "line_no"], name="invoiceline_unique_no"),
            non_negative_constraint("quantity", "invoiceline_quantity_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} #{self.line_no}"
