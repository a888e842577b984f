"""A chunk of records processed together (apps/sync/chunks.py), in this process against the ERP sandbox over
real HTTP: one claim, one $batch, bulk writes — and every outcome the per-record path gives, per record."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.connectors.adapters.base import InboundRecord
from apps.exceptions.models import ExceptionCase
from apps.sandbox.models import ErpJournalEntry, FaultProfile
from apps.sync.chunks import chunk_process, records_claim
from apps.sync.models import SyncAttempt, SyncRecord
from apps.sync.services import records_receive
from tests.sandbox.support import oauth_credentials

from .conftest import journal_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def erp(sandbox, make_connector, ledger_de, journal_mapping, event_connector):
    return make_connector("sap_s4", base_url=f"{sandbox.url}/erp", credentials=oauth_credentials("erp"),
                          rate_limit_per_minute=1_000_000)


def _receive(event_connector, n: int, changes: dict[int, dict] | None = None) -> list[int]:
    items = [InboundRecord(object_type="journal_entry", external_id=f"e-{i}",
                           payload=journal_event(f"JE-{i}", amount=f"{i + 1}.00", **(changes or {}).get(i, {})))
             for i in range(n)]
    result = records_receive(connector=event_connector, items=items)
    return [r.pk for r in result.created]


def test_a_chunk_is_claimed_checked_and_posted_in_one_batch(sandbox, erp, event_connector):
    ids = _receive(event_connector, 120)
    sent: list[str] = []
    original_send = httpx.Client.send

    def counting_send(self, request, **kwargs):
        sent.append(request.url.path)
        return original_send(self, request, **kwargs)

    with pytest.MonkeyPatch.context() as patch, CaptureQueriesContext(connection) as queries:
        patch.setattr(httpx.Client, "send", counting_send)  # counts requests; the requests are real
        outcomes = chunk_process(ids)

    assert outcomes == {"delivered": 120}
    assert [p for p in sent if not p.endswith("/oauth/token")] == [
        "/sandbox/erp/sap/opu/odata4/sap/api_journalentry/$batch"]
    # Claim, load, mapping version, four ledger reads, circuit, bulk writes: not a query per record.
    assert len(queries) <= 30, [q["sql"][:120] for q in queries]
    assert SyncRecord.objects.filter(status="delivered").count() == 120
    assert ErpJournalEntry.objects.count() == 120
    record = SyncRecord.objects.get(pk=ids[7])
    entry = ErpJournalEntry.objects.get(idempotency_key=record.idempotency_key)
    assert (record.target_external_id, record.attempt_count) == (entry.accounting_document, 1)
    assert record.canonical["document_number"] == "JE-7"
    assert record.mapping_version_id is not None
    assert (record.lease_expires_at, record.next_attempt_at, record.last_error) == (None, None, "")
    attempts = SyncAttempt.objects.filter(record_id__in=ids)
    assert attempts.count() == 120
    assert set(attempts.values_list("outcome", "number")) == {("delivered", 1)}
    assert attempts.filter(mapping_version=None).count() == 0


def test_running_the_same_chunk_twice_does_nothing_the_second_time(sandbox, erp, event_connector):
    ids = _receive(event_connector, 10)
    chunk_process(ids)

    assert chunk_process(ids) == {"skipped": 10}
    assert SyncAttempt.objects.count() == 10
    assert ErpJournalEntry.objects.count() == 10


def test_claim_takes_only_due_records_and_those_whose_lease_expired(erp, event_connector):
    ids = _receive(event_connector, 4)
    now = timezone.now()
    SyncRecord.objects.filter(pk=ids[1]).update(status="retry_wait", next_attempt_at=now + timedelta(minutes=5))
    SyncRecord.objects.filter(pk=ids[2]).update(status="processing", lease_expires_at=now + timedelta(minutes=5))
    SyncRecord.objects.filter(pk=ids[3]).update(status="processing", lease_expires_at=now - timedelta(seconds=1))

    assert records_claim(ids, now) == [ids[0], ids[3]]
    assert records_claim(ids, now) == []  # a second worker gets nothing
    claimed = SyncRecord.objects.get(pk=ids[0])
    assert (claimed.status, claimed.attempt_count) == ("processing", 1)
    assert claimed.lease_expires_at > now


def test_failures_in_a_chunk_become_exceptions_while_the_rest_is_delivered(sandbox, erp, event_connector):
    # Record 1 fails our controls (closed period), record 2 is refused by the ERP (its key was used before
    # with another body), record 3 has a line on an account the mapping cannot translate.
    ids = _receive(event_connector, 6, {1: {"posting_date": "2026-10-15"},
                                        3: {"lines": [{"account": "123456", "currency": "EUR", "amount": "1",
                                                       "dc": "S"}]}})
    refused = SyncRecord.objects.get(pk=ids[2])
    ErpJournalEntry.objects.create(idempotency_key=refused.idempotency_key, request_hash="other", company_code="DE01",
                                   fiscal_year=2026, document_type="SA", document_date="2026-11-20",
                                   posting_date="2026-11-20")

    outcomes = chunk_process(ids)

    assert outcomes == {"delivered": 3, "business_error": 3}
    statuses = dict(SyncRecord.objects.filter(pk__in=ids).values_list("id", "status"))
    assert [statuses[i] for i in ids] == ["delivered", "exception", "exception", "exception", "delivered",
                                          "delivered"]
    kinds = dict(ExceptionCase.objects.values_list("sync_record_id", "kind"))
    assert kinds == {ids[1]: "journal.closed_period", ids[2]: "target.rejected", ids[3]: "mapping.failed"}
    assert "Idempotency-Key was already used" in ExceptionCase.objects.get(sync_record_id=ids[2]).message
    assert SyncRecord.objects.get(pk=ids[1]).canonical["posting_date"] == "2026-10-15"  # the mapping is kept
    assert ErpJournalEntry.objects.count() == 4  # three delivered + the one that was there
    assert SyncAttempt.objects.filter(record_id__in=ids).count() == 6


def test_items_the_erp_fails_are_retried_alone_and_every_record_is_posted_once(sandbox, erp, event_connector):
    FaultProfile.objects.update_or_create(system="erp", defaults={"enabled": True, "error_rate": "0.25", "seed": 11})
    ids = _receive(event_connector, 40)
    partial = False
    for _ in range(40):
        outcomes = chunk_process(ids)
        partial = partial or ("delivered" in outcomes and "technical_error" in outcomes)
        if SyncRecord.objects.filter(status="delivered").count() == 40:
            break
        # Time passes: the backoff is over (the sweeper would send these ids again).
        SyncRecord.objects.filter(status="retry_wait").update(next_attempt_at=None)
        erp.__class__.objects.filter(pk=erp.pk).update(circuit_state="closed", consecutive_failures=0)

    assert SyncRecord.objects.filter(status="delivered").count() == 40
    assert partial, "no chunk had items both delivered and failed: the test proves nothing"
    assert ErpJournalEntry.objects.count() == 40
    assert httpx.get(f"{sandbox.url}/erp/_stats").json()["duplicates_refused"] == 0
    retried = SyncRecord.objects.filter(attempts__outcome="technical_error").distinct()
    assert retried.exists()
    for record in retried:
        outcomes = list(record.attempts.order_by("number").values_list("outcome", flat=True))
        assert outcomes[-1] == "delivered"
        assert set(outcomes[:-1]) == {"technical_error"}
    assert ExceptionCase.objects.count() == 0


def test_an_open_circuit_makes_the_whole_chunk_wait_without_calling(sandbox, erp, event_connector):
    ids = _receive(event_connector, 5)
    erp.__class__.objects.filter(pk=erp.pk).update(circuit_state="open", circuit_opened_at=timezone.now())

    assert chunk_process(ids) == {"circuit_open": 5}
    assert set(SyncRecord.objects.values_list("status", flat=True)) == {"retry_wait"}
    assert ErpJournalEntry.objects.count() == 0
    assert httpx.get(f"{sandbox.url}/erp/_stats").json()["tokens_issued"] == 0  # the ERP was not called
