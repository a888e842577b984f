from django.contrib import admin

from .models import (
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrder,
    PurchaseOrderLine,
    SupplierInvoice,
    SupplierInvoiceLine,
)


class PurchaseOrderLineInline(admin.TabularInline):
    model = PurchaseOrderLine
    extra = 0


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin):
    list_display = ("number", "legal_entity", "supplier", "order_date", "total_amount", "currency", "status")
    list_filter = ("legal_entity", "status", "currency")
    search_fields = ("number", "supplier__name")
    date_hierarchy = "order_date"
    list_select_related = ("legal_entity", "supplier")
    inlines = [PurchaseOrderLineInline]


class GoodsReceiptLineInline(admin.TabularInline):
    model = GoodsReceiptLine
    extra = 0


@admin.register(GoodsReceipt)
class GoodsReceiptAdmin(admin.ModelAdmin):
    list_display = ("number", "purchase_order", "received_date")
    list_filter = ("purchase_order__legal_entity",)
    search_fields = ("number", "purchase_order__number")
    date_hierarchy = "received_date"
    list_select_related = ("purchase_order",)
    inlines = [GoodsReceiptLineInline]


class SupplierInvoiceLineInline(admin.TabularInline):
    model = SupplierInvoiceLine
    extra = 0


@admin.register(SupplierInvoice)
class SupplierInvoiceAdmin(admin.ModelAdmin):
    list_display = ("number", "supplier", "legal_entity", "invoice_date", "due_date", "gross_amount", "currency",
                    "status")
    list_filter = ("legal_entity", "status", "currency")
    search_fields = ("number", "normalized_number", "supplier__name")
    date_hierarchy = "invoice_date"
    list_select_related = ("legal_entity", "supplier")
    inlines = [SupplierInvoiceLineInline]
