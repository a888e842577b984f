"""The generic JSON poller, configured only by field paths, against two differently shaped APIs."""

from __future__ import annotations

from collections import Counter

import pytest

from apps.connectors.adapters import get_adapter
from apps.connectors.adapters.json_poller import field
from apps.sandbox.models import CoupaObject, TreasuryObject
from apps.sandbox.seed import CLIENTS
from tests.sandbox.support import oauth_credentials


def _drain(adapter, stream, cursor=None):
    cursor, records, pages = dict(cursor or {}), [], 0
    while True:
        page = adapter.poll(stream, cursor)
        records += page.records
        cursor, pages = page.cursor, pages + 1
        if not page.has_more:
            return records, cursor, pages


def test_next_link_paging_with_items_under_a_path_and_oauth2(sandbox, make_connector):
    connector = make_connector("json_poller", base_url=f"{sandbox.url}/treasury", kind="rest_poller",
                               credentials=oauth_credentials("treasury"), settings={
                                   "auth": {"type": "oauth2", "token_url": "oauth/token"},
                                   "streams": {"payment": {"path": "v1/payments", "items": "results", "id": "uuid",
                                                           "updated_at": "updateDateTime",
                                                           "next": "metadata.links.next",
                                                           "params": {"page.limit": 15}}}})
    records, cursor, pages = _drain(get_adapter(connector), "payment")

    expected = TreasuryObject.objects.filter(resource="payment")
    assert Counter(r.external_id for r in records) == Counter(str(u) for u in expected.values_list("uuid", flat=True))
    assert pages == 3  # 40 payments, 15 a page
    latest = expected.order_by("-updated_at").first()
    assert cursor == {"watermark": latest.updated_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
    assert records[0].object_type == "payment"
    assert records[0].updated_at is not None


def test_offset_paging_on_a_bare_list_with_an_api_key_header(sandbox, make_connector):
    connector = make_connector("json_poller", base_url=f"{sandbox.url}/coupa", kind="rest_poller",
                               credentials={"api_key": CLIENTS["coupa"][1]}, settings={
                                   "auth": {"type": "header", "header": "X-COUPA-API-KEY"},
                                   "streams": {"receipt": {"path": "api/receipts", "items": "", "id": "id",
                                                           "updated_at": "updated-at", "offset_param": "offset",
                                                           "limit_param": "limit", "page_size": 10,
                                                           "params": {"order_by": "id"}}}})
    records, cursor, pages = _drain(get_adapter(connector), "receipt")

    ids = sorted(CoupaObject.objects.filter(resource="receipts").values_list("coupa_id", flat=True))
    assert sorted(int(r.external_id) for r in records) == ids
    assert pages == len(ids) // 10 + 1
    assert set(cursor) == {"watermark"}


def test_field_paths():
    body = {"data": {"items": [{"id": 7, "meta": {"changed": "2026-01-01T00:00:00Z"}}]}}
    assert field(body, "data.items.0.id") == 7
    assert field(body, "data.items.0.meta.changed") == "2026-01-01T00:00:00Z"
    assert field(body, "data.items.1.id", "none") == "none"
    assert field(body, "data.missing.id") is None
    assert field(body, "") is body


@pytest.mark.parametrize("settings", [{}, {"streams": {"x": {"path": "a"}}}])
def test_a_stream_without_path_or_id_is_a_configuration_error(settings, make_connector):
    from apps.connectors.errors import UnsupportedOperation

    connector = make_connector("json_poller", base_url="http://127.0.0.1:9/", kind="rest_poller", settings=settings)
    with pytest.raises(UnsupportedOperation):
        get_adapter(connector).poll("x", {})


def test_an_event_outbox_gives_each_event_its_type_object_and_idempotency_key(sandbox, make_connector):
    from apps.sandbox.services import events_publish

    events_publish(events=[{"id": f"evt-{n}", "type": "journal_entry" if n % 2 else "supplier",
                            "data": {"number": f"JE-{n}"}} for n in range(7)])
    connector = make_connector("json_poller", base_url=f"{sandbox.url}/events", kind="rest_poller", credentials={},
                               settings={"streams": {"events": {
                                   "path": "v1/events", "items": "data", "id": "id", "type": "type",
                                   "payload": "data", "key": "id", "key_prefix": "event:",
                                   "offset_param": "offset", "limit_param": "limit", "page_size": 3}}})
    records, cursor, pages = _drain(get_adapter(connector), "events")

    assert pages == 3
    assert [(r.external_id, r.object_type, r.idempotency_key, r.payload) for r in records[:2]] == [
        ("evt-0", "supplier", "event:evt-0", {"number": "JE-0"}),
        ("evt-1", "journal_entry", "event:evt-1", {"number": "JE-1"})]
    assert len(records) == 7
    assert cursor == {"watermark": None}
