"""The editor's preview says exactly what the pipeline does with the same payload and version."""

from __future__ import annotations

import pytest

from apps.connectors.adapters.base import InboundRecord
from apps.exceptions.models import ExceptionCase
from apps.sync.models import SyncRecord
from apps.sync.preview import mapping_preview
from apps.sync.services import record_process, records_receive

from .conftest import journal_event

pytestmark = pytest.mark.django_db


def _through_pipeline(connector, payload: dict) -> SyncRecord:
    records_receive(connector=connector, items=[InboundRecord(object_type="journal_entry",
                                                              external_id=payload["number"], payload=payload)])
    record = SyncRecord.objects.get(external_id=payload["number"])
    record_process(record.pk)
    record.refresh_from_db()
    return record


def _unbalanced():
    event = journal_event("JE-3")
    event["lines"][1]["amount"] = "90.00"
    return event


def _unknown_account():
    event = journal_event("JE-4")
    event["lines"][0]["account"] = "555555"
    return event


@pytest.mark.parametrize(("payload", "expected_outcome"), [
    (journal_event("JE-1"), ""),
    (journal_event("JE-2", posting_date="2026-10-15"), "journal.closed_period"),
    (_unbalanced(), "journal.unbalanced"),
    (_unknown_account(), "mapping.failed"),
    (journal_event("JE-5", lines=[]), "validation.schema"),
])
def test_preview_equals_the_pipeline_result(ledger_de, event_connector, journal_mapping, payload, expected_outcome):
    preview = mapping_preview(version=journal_mapping, payload=payload)

    record = _through_pipeline(event_connector, payload)

    attempt = record.attempts.get()
    assert attempt.mapping_version_id == journal_mapping.pk  # each attempt stores the version it used
    assert preview.outcome == expected_outcome
    exception = ExceptionCase.objects.filter(sync_record=record).first()
    if expected_outcome == "":
        assert preview.ok
        assert record.canonical == preview.canonical
        # Valid: the pipeline went on to delivery (no GL connector here, so that step is what failed).
        assert exception is None or not exception.kind.startswith(("mapping.", "validation.", "journal."))
    else:
        assert exception.kind == expected_outcome
        if expected_outcome == "mapping.failed":
            assert exception.details["errors"] == preview.mapping_errors
        else:
            assert record.canonical == preview.canonical
            assert exception.message == preview.verdict.message
            assert exception.details == preview.verdict.details
