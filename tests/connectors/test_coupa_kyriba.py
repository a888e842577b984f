"""Change polling against the Coupa- and Kyriba-shaped systems: keyset paging that survives changes."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from apps.connectors.adapters import get_adapter
from apps.connectors.adapters.base import OutboundRequest
from apps.sandbox.models import CoupaObject, FaultProfile, TreasuryCommitment, TreasuryObject
from apps.sandbox.seed import CLIENTS
from tests.sandbox.support import oauth_credentials


@pytest.fixture
def coupa(sandbox, make_connector):
    return make_connector("coupa", base_url=f"{sandbox.url}/coupa", kind="procurement",
                          credentials={"api_key": CLIENTS["coupa"][1]}, settings={"page_size": 5})


@pytest.fixture
def kyriba(sandbox, make_connector):
    return make_connector("kyriba", base_url=f"{sandbox.url}/treasury", kind="treasury",
                          credentials=oauth_credentials("treasury"), settings={"page_size": 7})


def _drain(adapter, stream, cursor=None, *, between=None, max_pages=100):
    cursor, records, pages = dict(cursor or {}), [], 0
    while pages < max_pages:
        page = adapter.poll(stream, cursor)
        records.extend(page.records)
        cursor = page.cursor
        pages += 1
        if between:
            between(pages, records)
        if not page.has_more:
            return records, cursor
    raise AssertionError("poll never finished")


def test_paging_while_records_change_reads_every_record_exactly_once(sandbox, coupa):
    ids = sorted(CoupaObject.objects.filter(resource="suppliers").values_list("coupa_id", flat=True))
    assert len(ids) == 30
    # Suppliers were created four per second: whole-second ties span page boundaries (page size 5).
    assert CoupaObject.objects.filter(resource="suppliers").values("updated_at").distinct().count() < 30
    touched_ahead, touched_behind = [], []

    def touch(pages, records):
        if pages == 2:
            read = {int(r.external_id) for r in records}
            touched_ahead.extend([i for i in ids if i not in read][2:5])  # not read yet: they move to the end
            touched_behind.append(min(read))  # already read: changed, so read again as a new version
            response = httpx.post(f"{sandbox.url}/coupa/_touch", json={
                "resource": "suppliers", "ids": touched_ahead + touched_behind, "set": {"status": "inactive"}})
            assert sorted(response.json()["touched"]) == sorted(touched_ahead + touched_behind)

    records, cursor = _drain(get_adapter(coupa), "supplier", between=touch)

    counts = Counter(int(r.external_id) for r in records)
    assert sorted(counts) == ids  # nothing skipped
    assert {i: n for i, n in counts.items() if n != 1} == {touched_behind[0]: 2}  # nothing else read twice
    versions = [r.version for r in records if int(r.external_id) == touched_behind[0]]
    assert len(set(versions)) == 2
    for record in records:
        if int(record.external_id) in touched_ahead:
            assert record.payload["status"] == "inactive"
    assert cursor["last_id"] in touched_ahead + touched_behind  # the touched records sort last

    again, _ = _drain(get_adapter(coupa), "supplier", cursor)
    assert again == []  # caught up: the next poll reads nothing


def test_offset_paging_would_have_skipped_a_record(sandbox, coupa):
    """The reason for keyset paging, shown against the same API."""
    headers = {"X-COUPA-API-KEY": CLIENTS["coupa"][1]}
    url = f"{sandbox.url}/coupa/api/suppliers"
    first = httpx.get(url, params={"order_by": "updated_at", "limit": 5, "offset": 0}, headers=headers).json()
    # A record already read is edited: it moves to the end, everything after it shifts one place forward.
    httpx.post(f"{sandbox.url}/coupa/_touch", json={"resource": "suppliers", "ids": [first[0]["id"]]})
    seen = [r["id"] for r in first]
    for offset in range(5, 30, 5):
        seen += [r["id"] for r in httpx.get(url, params={"order_by": "updated_at", "limit": 5, "offset": offset},
                                            headers=headers).json()]
    assert set(range(1, 31)) - set(seen) == {6}  # the first record of page two slipped past the offset


def test_only_approved_invoices_are_picked_up(sandbox, coupa):
    approved = set(CoupaObject.objects.filter(resource="invoices", data__status="approved")
                   .values_list("coupa_id", flat=True))
    records, _ = _drain(get_adapter(coupa), "invoice")
    assert {int(r.external_id) for r in records} == approved
    assert len(records) == len(approved) > 0
    invoice = records[0].payload
    assert set(invoice) >= {"id", "invoice-number", "status", "currency", "supplier", "gross-total", "invoice-lines",
                            "updated-at", "account-type"}


def test_duplicate_and_out_of_order_delivery_lose_nothing(sandbox, coupa):
    FaultProfile.objects.filter(system="coupa").update(duplicate_rate=0.3, out_of_order=True, seed=9)
    records, _ = _drain(get_adapter(coupa), "purchase_order")
    ids = [int(r.external_id) for r in records]
    assert sorted(set(ids)) == list(range(1, 41))
    assert len(ids) > 40  # some were delivered twice; the pipeline counts them as duplicates


def test_malformed_records_are_passed_on_for_the_pipeline_to_refuse(sandbox, coupa):
    FaultProfile.objects.filter(system="coupa").update(malformed_rate=0.2, seed=5)
    records, _ = _drain(get_adapter(coupa), "supplier")
    broken = [r for r in records if r.payload["name"] == "#MALFORMED#"]
    assert 0 < len(broken) < 30
    assert len({r.external_id for r in records}) == 30


def test_kyriba_payments_and_cash_positions_are_read_exactly_once(sandbox, kyriba):
    adapter = get_adapter(kyriba)
    payments, cursor = _drain(adapter, "payment")
    assert Counter(r.external_id for r in payments) == Counter(
        str(u) for u in TreasuryObject.objects.filter(resource="payment").values_list("uuid", flat=True))
    assert payments[0].payload["status"] == "EXECUTED"
    assert _drain(adapter, "payment", cursor)[0] == []
    positions, _ = _drain(adapter, "cash_position")
    assert len(positions) == TreasuryObject.objects.filter(resource="cash_position").count() == 40


def test_kyriba_commitment_is_created_once_per_key(sandbox, kyriba):
    adapter = get_adapter(kyriba)
    commitment = {"legal_entity": "DE01", "reference": "INV-S1001-0001", "supplier": "Siemens AG",
                  "amount": "119.00", "currency": "EUR", "due_date": "2026-12-26", "source": "coupa:invoice:1"}
    request = OutboundRequest(object_type="commitment", payload=commitment, idempotency_key="cmt-1",
                              correlation_id="c")
    first, second = adapter.deliver(request), adapter.deliver(request)

    assert (first.duplicate, second.duplicate, first.external_id == second.external_id) == (False, True, True)
    row = TreasuryCommitment.objects.get()
    assert (row.reference, row.company_code, str(row.amount), row.currency, str(row.value_date)) == (
        "INV-S1001-0001", "DE01", "119.0000", "EUR", "2026-12-26")
    assert sandbox.stats("treasury") == {"commitments": 1, "duplicates_refused": 1, "tokens_issued": 1}
    assert adapter.find_existing(request).external_id == first.external_id
