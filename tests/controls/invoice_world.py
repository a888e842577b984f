"""A procurement system whose approved invoices go through the real pipeline, with the ERP and treasury
connectors the invoice flow propagates to (their records are stored, not sent, in these tests)."""

from __future__ import annotations

from apps.connectors.adapters.base import InboundRecord
from apps.connectors.models import Connector
from apps.mappings.models import Mapping, MappingVersion
from apps.masterdata.models import SourceSystem
from apps.sync.models import SyncRecord
from apps.sync.services import record_process, records_receive

HEADER = ("legal_entity", "source_id", "invoice_number", "invoice_date", "status", "currency", "supplier_name",
          "supplier_number", "supplier_source_id", "net_amount", "tax_amount", "gross_amount", "payment_term",
          "source_updated_at")
LINE = ("account", "amount", "description", "po_number", "po_line", "quantity", "unit_price")
SPEC = {"fields": {name: {"from": name} for name in HEADER},
        "lists": {"lines": {"from": "lines", "fields": {name: {"from": name} for name in LINE}}}}


def procurement(entity, maker, checker) -> Connector:
    system = SourceSystem.objects.create(code="coupa", name="Coupa", kind="procurement")
    for code, kind in (("sap-s4", "gl"), ("kyriba", "treasury")):
        other = SourceSystem.objects.create(code=code, name=code, kind=kind)
        Connector.objects.create(code=code, name=code, system=other, kind=kind, adapter=code.replace("-", "_"),
                                 base_url="http://127.0.0.1:9/")
    mapping = Mapping.objects.create(source_system=system, object_type="invoice", canonical_type="supplier_invoice")
    MappingVersion.objects.create(mapping=mapping, number=1, spec=SPEC, status="approved", proposed_by=maker,
                                  reviewed_by=checker)
    return Connector.objects.create(code="coupa", name="Coupa", system=system, kind="procurement", adapter="coupa",
                                    default_legal_entity=entity, settings={"routes": {"invoice": "invoice_approved"}})


def invoice(source_id: str, number: str, gross: str, *, day: str = "2026-11-20", lines=None, **over) -> dict:
    net = over.pop("net", gross)
    return {"legal_entity": "DE01", "source_id": source_id, "invoice_number": number, "invoice_date": day,
            "status": "approved", "currency": "EUR", "supplier_name": "Lyreco Deutschland GmbH",
            "supplier_number": "V100", "net_amount": net, "tax_amount": "0.00", "gross_amount": gross,
            "payment_term": "Net 30", "lines": lines or [{"account": "6100", "amount": net}], **over}


def send_invoice(connector: Connector, payload: dict) -> SyncRecord:
    received = records_receive(connector=connector, items=[InboundRecord(
        object_type="invoice", external_id=payload["source_id"], payload=payload)])
    record = received.created[0]
    record_process(record.pk)
    record.refresh_from_db()
    return record
