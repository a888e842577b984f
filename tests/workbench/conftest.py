"""Workbench fixtures: exceptions on real sync records, in two legal entities."""

from __future__ import annotations

import pytest

from apps.connectors.models import Connector
from apps.exceptions.services import exception_raise
from apps.masterdata.models import SourceSystem
from apps.sync.models import SyncRecord


@pytest.fixture
def erp_connector(db):
    system = SourceSystem.objects.create(code="ops-events", name="Ops events", kind="other")
    return Connector.objects.create(code="ops-events", name="Ops event hook", system=system, kind="webhook",
                                    adapter="webhook")


def make_record(connector, entity, number: str, **over) -> SyncRecord:
    data = {"direction": "inbound", "connector": connector, "flow": "journal_posting", "object_type": "journal_entry",
            "external_id": number, "payload": {"company": entity.code.lower(), "number": number, "lines": []},
            "content_hash": number, "idempotency_key": f"test:{number}", "legal_entity": entity,
            "status": "exception", "last_error": "Journal does not balance"}
    data.update(over)
    return SyncRecord.objects.create(**data)


def make_case(entity, reference: str, *, connector=None, kind: str = "journal.unbalanced",
              record_type: str = "journal_entry", **kw):
    """An exception; with a connector, on a sync record of its own (so it can be replayed)."""
    record = make_record(connector, entity, reference) if connector is not None else None
    return exception_raise(kind=kind, message=f"Journal {reference} is off by 10.00 EUR", reference=reference,
                           legal_entity=entity, record_type=record_type, sync_record=record,
                           correlation_id=record.correlation_id if record else "",
                           **{"source_system": connector.system if connector else None, **kw})
