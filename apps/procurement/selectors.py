"""Reads of procurement documents."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Sum

from apps.masterdata.models import ExternalId, LegalEntity, SourceSystem, Supplier

from .models import SupplierInvoiceLine


def invoice_supplier(*, entity: LegalEntity, canonical: dict, system: SourceSystem | None = None) -> Supplier | None:
    """The entity's supplier a canonical invoice names: by the source system's supplier id through the external-id
    crosswalk (the supplier onboarding flow links it), else by supplier number. `system` None: any source's link."""
    source_id = str(canonical.get("supplier_source_id") or "")
    if source_id:
        links = ExternalId.objects.filter(content_type=ContentType.objects.get_for_model(Supplier),
                                          external_id=source_id)
        if system is not None:
            links = links.filter(system=system)
        found = Supplier.objects.filter(legal_entity=entity, pk__in=links.values("object_id")).first()
        if found is not None:
            return found
    number = canonical.get("supplier_number")
    return Supplier.objects.filter(legal_entity=entity, number=number).first() if number else None


def invoiced_quantities(*, po_line_ids, exclude_source_id: str = "") -> dict[int, Decimal]:
    """Quantities already invoiced per purchase-order line by the stored supplier invoices (cancelled ones not
    counted), leaving out the invoice with source id `exclude_source_id` (the one being judged)."""
    rows = (SupplierInvoiceLine.objects.filter(po_line_id__in=list(po_line_ids))
            .exclude(invoice__status="cancelled"))
    if exclude_source_id:
        rows = rows.exclude(invoice__source_id=exclude_source_id)
    return {r["po_line_id"]: r["qty"] for r in rows.values("po_line_id").annotate(qty=Sum("quantity")).order_by()}
