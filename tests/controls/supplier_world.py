"""A procurement system that sends suppliers through the real pipeline (mapping, schema, handler)."""

from __future__ import annotations

from apps.connectors.adapters.base import InboundRecord
from apps.connectors.models import Connector
from apps.mappings.models import Mapping, MappingVersion
from apps.masterdata.models import SourceSystem
from apps.sync.models import SyncRecord
from apps.sync.services import record_process, records_receive

FIELDS = ("legal_entity", "source_id", "number", "name", "country", "tax_id", "iban", "bic", "currency", "city",
          "address_line", "postal_code")
SPEC = {"fields": {name: {"from": name} for name in FIELDS}}


def procurement(entity, maker, checker) -> Connector:
    system = SourceSystem.objects.create(code="coupa", name="Coupa", kind="procurement")
    erp_system = SourceSystem.objects.create(code="sap-s4", name="SAP S/4HANA", kind="gl")
    Connector.objects.create(code="sap", name="SAP", system=erp_system, kind="gl", adapter="sap_s4",
                             base_url="http://127.0.0.1:9/")
    mapping = Mapping.objects.create(source_system=system, object_type="supplier", canonical_type="supplier")
    MappingVersion.objects.create(mapping=mapping, number=1, spec=SPEC, status="approved", proposed_by=maker,
                                  reviewed_by=checker)
    return Connector.objects.create(code="coupa", name="Coupa", system=system, kind="procurement", adapter="coupa",
                                    default_legal_entity=entity,
                                    settings={"routes": {"supplier": "supplier_onboarding"}})


def send_supplier(connector: Connector, source_id: str, **fields) -> SyncRecord:
    """Receive one supplier and process it at once, as a worker would (changed content: a new version)."""
    payload = {"legal_entity": "DE01", "source_id": source_id, "country": "DE", "currency": "EUR", **fields}
    received = records_receive(connector=connector, items=[InboundRecord(object_type="supplier", external_id=source_id,
                                                                         payload=payload)])
    record = (received.created or received.duplicates)[0]
    record_process(record.pk)
    record.refresh_from_db()
    return record
