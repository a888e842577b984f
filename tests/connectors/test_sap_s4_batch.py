"""Delivering many journal entries in one OData $batch: one request, per-item answers, idempotency kept
per item (also against concurrent batches), per-item failures, whole-batch failures."""

from __future__ import annotations

import httpx
import pytest

from apps.connectors.adapters import get_adapter
from apps.connectors.adapters.base import OutboundRequest, OutboundResult
from apps.connectors.errors import RejectedByTarget, TechnicalError
from apps.sandbox.models import ErpJournalEntry, FaultProfile
from tests.sandbox.support import oauth_credentials, run_threads

from .test_oauth import JOURNAL

BATCH_URL = "/erp/sap/opu/odata4/sap/api_journalentry/$batch"


@pytest.fixture
def erp(sandbox, make_connector):
    return make_connector("sap_s4", base_url=f"{sandbox.url}/erp", credentials=oauth_credentials("erp"))


def _journal(n: int, **over) -> OutboundRequest:
    payload = {**JOURNAL, "document_number": f"JE-{n}", **over}
    return OutboundRequest(object_type="journal_entry", payload=payload, idempotency_key=f"key-{n}",
                           correlation_id=f"c-{n}")


def test_many_journals_go_in_one_request_and_each_gets_its_own_document(sandbox, erp):
    adapter = get_adapter(erp)
    sent: list[str] = []
    adapter.client.event_hooks["request"].append(lambda request: sent.append(request.url.path))

    results = adapter.deliver_many([_journal(n) for n in range(50)])

    assert [p for p in sent if not p.endswith("/oauth/token")] == [f"/sandbox{BATCH_URL}"]
    entries = {e.idempotency_key: e for e in ErpJournalEntry.objects.all()}
    assert len(entries) == 50
    assert [r.external_id for r in results] == [entries[f"key-{n}"].accounting_document for n in range(50)]
    assert {r.duplicate for r in results} == {False}
    assert entries["key-7"].reference == "JE-7"


def test_a_batch_sent_again_posts_nothing_new_and_reports_duplicates(sandbox, erp):
    adapter = get_adapter(erp)
    first = adapter.deliver_many([_journal(n) for n in range(10)])
    again = adapter.deliver_many([_journal(n) for n in range(12)])  # ten repeated, two new

    assert [r.duplicate for r in again] == [True] * 10 + [False] * 2
    assert [r.external_id for r in again[:10]] == [r.external_id for r in first]
    stats = sandbox.stats("erp")
    assert (stats["postings"], stats["duplicates_refused"]) == (12, 10)


def test_one_refused_item_does_not_stop_the_others(sandbox, erp):
    unbalanced = _journal(1, lines=[JOURNAL["lines"][0], {**JOURNAL["lines"][1], "amount": "90.00"}])
    reused_key = OutboundRequest(object_type="journal_entry", payload={**JOURNAL, "document_number": "other"},
                                 idempotency_key="key-0", correlation_id="c")
    results = get_adapter(erp).deliver_many([_journal(0), unbalanced, _journal(2), reused_key])

    assert isinstance(results[0], OutboundResult)
    assert isinstance(results[2], OutboundResult)
    assert isinstance(results[1], RejectedByTarget)
    assert (results[1].status, results[1].code) == (400, "FINS_ACDOC_POST/702")
    assert "EUR differs by 10.00" in results[1].message
    assert isinstance(results[3], RejectedByTarget)
    assert results[3].status == 422
    assert sorted(ErpJournalEntry.objects.values_list("idempotency_key", flat=True)) == ["key-0", "key-2"]


def test_the_same_key_twice_in_one_batch_posts_once(sandbox, erp):
    results = get_adapter(erp).deliver_many([_journal(5), _journal(5)])

    assert [r.duplicate for r in results] == [False, True]
    assert results[0].external_id == results[1].external_id
    assert ErpJournalEntry.objects.count() == 1


def test_concurrent_overlapping_batches_post_each_key_once(sandbox, erp):
    results = run_threads(4, lambda i: get_adapter(erp).deliver_many([_journal(n) for n in range(i * 5, i * 5 + 20)]))

    assert ErpJournalEntry.objects.count() == 35
    by_key: dict[str, set[str]] = {}
    for batch, start in zip(results, (0, 5, 10, 15), strict=True):
        for n, result in enumerate(batch, start=start):
            by_key.setdefault(f"key-{n}", set()).add(result.external_id)
    assert all(len(ids) == 1 for ids in by_key.values())
    assert sum(not r.duplicate for batch in results for r in batch) == 35


def test_an_outage_fails_the_whole_batch_as_a_technical_error(sandbox, erp):
    from django.utils import timezone

    FaultProfile.objects.update_or_create(system="erp", defaults={"enabled": True, "outage_from": timezone.now(),
                                                                  "retry_after_seconds": 7})
    with pytest.raises(TechnicalError) as caught:
        get_adapter(erp).deliver_many([_journal(n) for n in range(3)])
    assert (caught.value.status, caught.value.retry_after) == (503, 7.0)
    assert ErpJournalEntry.objects.count() == 0


def test_injected_item_errors_fail_single_items_which_a_second_batch_delivers(sandbox, erp):
    FaultProfile.objects.update_or_create(system="erp", defaults={"enabled": True, "error_rate": "0.3", "seed": 3})
    adapter = get_adapter(erp)
    pending = [_journal(n) for n in range(40)]
    partial = False
    for _ in range(30):
        if not pending:
            break
        try:
            results = adapter.deliver_many(pending)
        except TechnicalError:  # the whole batch drew the injected 500
            continue
        failed = [request for request, result in zip(pending, results, strict=True)
                  if isinstance(result, TechnicalError)]
        partial = partial or 0 < len(failed) < len(pending)
        pending = failed

    assert pending == []
    assert partial, "no batch had some items fail and others land: the test proves nothing"
    assert ErpJournalEntry.objects.count() == 40
    assert sandbox.stats("erp")["duplicates_refused"] == 0  # a failed item was not posted


def test_batch_size_one_posts_one_by_one(sandbox, make_connector):
    erp = make_connector("sap_s4", base_url=f"{sandbox.url}/erp", credentials=oauth_credentials("erp"),
                         settings={"batch_size": 1})
    adapter = get_adapter(erp)
    sent: list[str] = []
    adapter.client.event_hooks["request"].append(lambda request: sent.append(request.url.path))
    adapter.deliver_many([_journal(n) for n in range(3)])

    assert [p for p in sent if not p.endswith("/oauth/token")] == [
        "/sandbox/erp/sap/opu/odata4/sap/api_journalentry/JournalEntry"] * 3


def test_a_malformed_batch_is_refused_whole(sandbox, erp):
    token = get_adapter(erp).auth.access_token()
    response = httpx.post(f"{sandbox.url}{BATCH_URL}", json={"requests": [
        {"id": "1", "method": "POST", "url": "A_Supplier", "body": {}}]}, headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "request 1: only POST JournalEntry is supported in this $batch"
    assert ErpJournalEntry.objects.count() == 0
