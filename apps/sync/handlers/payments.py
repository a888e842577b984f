"""A payment executed in treasury: its status written back to the ERP; and the bank's later answer
about it (pain.002) on the same correlation id (see bank_files.py)."""

from __future__ import annotations

from apps.sync.choices import Direction
from apps.sync.flows import LocalDelivery
from apps.sync.models import SyncRecord
from apps.sync.services import outbound_emit

from . import correlation_join

FLOW = "treasury_payment"
WRITEBACK = "payment_status_writeback"
EXECUTED = "EXECUTED"


def payment_executed_propagate(*, record: SyncRecord, canonical: dict) -> LocalDelivery:
    """LocalHandler of `treasury_payment`: an EXECUTED payment is written back to the ERP payment whose
    reference is the end-to-end id. Other statuses carry nothing for the ERP yet and are only kept."""
    e2e = canonical["end_to_end_id"]
    if canonical["status"] != EXECUTED:
        return LocalDelivery(external_id=e2e)
    executed_on = canonical.get("execution_date") or ""
    payload = {"payment_reference": e2e, "end_to_end_id": e2e, "legal_entity": canonical["legal_entity"],
               "status": EXECUTED, "reason_code": "",
               "reason_text": f"Executed in treasury{f' on {executed_on}' if executed_on else ''} "
                              f"({canonical['reference']})",
               "amount": canonical["amount"], "currency": canonical["currency"]}
    writeback, created = outbound_emit(flow=WRITEBACK, payload=payload, idempotency_key=f"{e2e}:executed",
                                       correlation_id=record.correlation_id, legal_entity=record.legal_entity,
                                       parent=record, external_id=e2e)
    if writeback is not None and not created:
        correlation_join(record, writeback.correlation_id)
    return LocalDelivery(external_id=e2e, duplicate=writeback is not None and not created)


def treasury_payments_by_end_to_end(end_to_end_ids: list[str]) -> dict[str, SyncRecord]:
    """The first treasury payment record received for each end-to-end id (its correlation id is the
    payment's business transaction)."""
    found: dict[str, SyncRecord] = {}
    if not end_to_end_ids:
        return found
    records = (SyncRecord.objects.select_related("legal_entity")
               .filter(direction=Direction.INBOUND, flow=FLOW, canonical__end_to_end_id__in=end_to_end_ids)
               .order_by("id"))
    for payment in records:
        found.setdefault(payment.canonical["end_to_end_id"], payment)
    return found
