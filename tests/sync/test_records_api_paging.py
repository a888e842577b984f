"""The sync records API at scale: a bounded count that still pages to the end, and IN filters without DISTINCT."""

from __future__ import annotations

import pytest

from apps.connectors.models import Connector
from apps.masterdata.models import SourceSystem
from apps.sync.models import SyncRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(entity_de, entity_us):
    system = SourceSystem.objects.create(code="paging-hook", name="Paging hook", kind="other")
    hook = Connector.objects.create(code="paging-hook", name="Paging hook", system=system, kind="webhook",
                                    adapter="webhook")

    def make(number: int, entity, status: str) -> SyncRecord:
        return SyncRecord.objects.create(
            direction="inbound", connector=hook, flow="journal_posting", object_type="journal_entry",
            external_id=f"JE-{number}", payload={"number": number}, content_hash=f"h{number}",
            idempotency_key=f"paging:{number}", legal_entity=entity, status=status)

    mine = [make(n, entity_de, "delivered" if n % 3 else "dead_letter") for n in range(9)]
    make(100, entity_us, "delivered")  # another entity's: never listed, never counted
    return mine


def _page(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def test_count_is_exact_below_the_bound(client_for, controller, records, settings):
    settings.FINSYNC_API_COUNT_AHEAD = 100
    body = _page(client_for(controller), "/api/v1/records/?limit=4")
    assert (body["count"], body["count_exact"]) == (9, True)
    assert [r["external_id"] for r in body["results"]] == ["JE-8", "JE-7", "JE-6", "JE-5"]


def test_count_stops_past_the_offset_and_paging_still_reaches_every_record(client_for, controller, records,
                                                                             settings):
    settings.FINSYNC_API_COUNT_AHEAD = 3
    client = client_for(controller)
    body = _page(client, "/api/v1/records/?limit=2")
    assert (body["count"], body["count_exact"]) == (3, False)  # a lower bound: more rows follow
    seen = [r["external_id"] for r in body["results"]]
    while body["next"]:
        body = _page(client, body["next"])
        seen += [r["external_id"] for r in body["results"]]
    assert seen == [f"JE-{n}" for n in range(8, -1, -1)]
    assert (body["count"], body["count_exact"]) == (9, True)  # the last page knows the total


def test_status_filter_is_one_in_without_distinct(client_for, controller, records, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.FINSYNC_API_COUNT_AHEAD = 100
    with CaptureQueriesContext(connection) as queries:
        body = _page(client_for(controller), "/api/v1/records/?status=dead_letter&status=exception")
    assert body["count"] == 3
    assert {r["status"] for r in body["results"]} == {"dead_letter"}
    listing = [q["sql"] for q in queries.captured_queries if "sync_syncrecord" in q["sql"]]
    assert listing
    assert not any("DISTINCT" in sql for sql in listing)
