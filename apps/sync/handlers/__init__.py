"""Local handlers: the steps of the business flows whose target is FinSync itself (docs/FLOWS.md).

Each handler is a `LocalHandler` (apps/sync/flows.py): it gets a claimed record and its canonical object,
writes inside the pipeline's transaction, fans out with `outbound_emit` (same correlation id, the record
as parent), and either returns a `LocalDelivery` or raises `LocalRejection` for a business exception.
Handlers must be safe to run twice for the same record: a replay or a redelivered task runs them again.
"""

from __future__ import annotations

from apps.sync.models import SyncRecord


def correlation_join(record: SyncRecord, correlation_id: str) -> None:
    """Put `record` on the business transaction `correlation_id` belongs to.

    Every received record gets a fresh correlation id, but a later version of an object already on its way
    (a re-polled supplier, a bank report answering a payment) is part of that object's transaction, so it
    takes the first one's id. Only the record's own id changes; nothing that happened is rewritten.
    """
    if correlation_id and record.correlation_id != correlation_id:
        SyncRecord.objects.filter(pk=record.pk).update(correlation_id=correlation_id)
        record.correlation_id = correlation_id
