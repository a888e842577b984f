"""pain.001 out, pain.002 back: payment statuses, rejections written back, idempotency, the ack SLA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.audit.models import AuditEvent
from apps.banking.choices import FileChannel
from apps.banking.formats import parse_pain001
from apps.banking.models import StatementFile
from apps.banking.services import payment_status_import
from apps.common.errors import DomainError
from apps.exceptions.models import ExceptionCase
from apps.sync.choices import Direction
from apps.sync.models import SyncRecord
from apps.treasury.choices import BatchStatus, PaymentStatus
from apps.treasury.models import PaymentInstruction
from apps.treasury.services import payment_batch_export, payments_unacknowledged_check

from .factories import pain002, released_batch

SENT_AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def batch(entity_de, account, suppliers):
    acme, brandt, cordes, _ = suppliers
    return released_batch(entity_de, account, "DE01-B20261120", [
        ("DE01E2E000101", "1190.00", acme), ("DE01E2E000102", "238.00", brandt),
        ("DE01E2E000103", "4998.81", cordes)])


def _status(e2e: str) -> tuple[str, str, str]:
    payment = PaymentInstruction.objects.get(end_to_end_id=e2e)
    return payment.status, payment.status_reason_code, payment.status_reason_text


def _import(content: bytes, filename: str = "pain002.xml"):
    return payment_status_import(content=content, filename=filename, channel=FileChannel.SFTP)


def test_round_trip_rejects_exactly_one_payment(batch, connectors, entity_de, account, suppliers):
    xml = payment_batch_export(batch=batch, version="pain.001.001.09", now=SENT_AT)
    sent = parse_pain001(xml)
    rejected_e2e = sent.transactions[1].end_to_end_id
    answer = pain002(sent.message_id, [
        (t.end_to_end_id, "RJCT", "AC04", "Account closed") if t.end_to_end_id == rejected_e2e
        else (t.end_to_end_id, "ACCP", None, None) for t in sent.transactions], group_status="PART")

    result = _import(answer)

    assert result.rejected == [rejected_e2e] == ["DE01E2E000102"]
    assert sorted(result.accepted) == ["DE01E2E000101", "DE01E2E000103"]
    assert (result.unmatched, result.file_already_received) == ([], False)
    assert _status("DE01E2E000102") == (PaymentStatus.REJECTED, "AC04", "Account closed")
    assert _status("DE01E2E000101") == (PaymentStatus.ACCEPTED, "", "")
    assert _status("DE01E2E000103") == (PaymentStatus.ACCEPTED, "", "")
    assert not PaymentInstruction.objects.filter(acknowledged_at__isnull=True).exists()
    batch.refresh_from_db()
    assert (batch.status, batch.status_reason) == (BatchStatus.PARTIALLY_REJECTED, "PART")

    case = ExceptionCase.objects.get()
    assert (case.kind, case.severity, case.reference) == ("payment.rejected", "critical", "DE01E2E000102")
    assert (case.legal_entity, case.bank_account, case.payment_batch, case.supplier) == (
        entity_de, account, batch, suppliers[1])
    assert "AC04 Account closed" in case.message
    assert result.exceptions == [case]

    records = SyncRecord.objects.order_by("flow")
    assert [(r.flow, r.connector.code, r.direction, r.external_id) for r in records] == [
        ("payment_status_to_treasury", "kyriba", Direction.OUTBOUND, "DE01E2E000102"),
        ("payment_status_writeback", "sap-s4", Direction.OUTBOUND, "DE01E2E000102")]
    payload = records[0].payload
    assert {k: payload[k] for k in ("end_to_end_id", "status", "reason_code", "reason_text", "amount", "currency",
                                    "legal_entity", "batch_reference", "supplier_number")} == {
        "end_to_end_id": "DE01E2E000102", "status": "rejected", "reason_code": "AC04",
        "reason_text": "Account closed", "amount": "238.00", "currency": "EUR", "legal_entity": "DE01",
        "batch_reference": "DE01-B20261120", "supplier_number": "V00002"}
    assert records[0].payload == records[1].payload
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["payment_batch.sent", "payment.rejected", "exception.raised", "payment_batch.status_changed",
                       "payment_status.imported"]


def test_same_report_twice_changes_nothing_the_second_time(batch, connectors):
    payment_batch_export(batch=batch, version="pain.001.001.03", now=SENT_AT)
    answer = pain002(batch.reference, [("DE01E2E000101", "RJCT", "AM04", "Insufficient funds")])
    _import(answer)
    before = (list(PaymentInstruction.objects.order_by("pk").values_list("status", "acknowledged_at")),
              SyncRecord.objects.count(), ExceptionCase.objects.get().occurrence_count, AuditEvent.objects.count())

    again = _import(answer)

    assert again.file_already_received is True
    assert (again.accepted, again.rejected, again.exceptions) == ([], [], [])
    assert (list(PaymentInstruction.objects.order_by("pk").values_list("status", "acknowledged_at")),
            SyncRecord.objects.count(), ExceptionCase.objects.get().occurrence_count,
            AuditEvent.objects.count()) == before
    assert StatementFile.objects.count() == 1


def test_a_new_report_repeating_known_statuses_changes_nothing(batch, connectors):
    payment_batch_export(batch=batch, version="pain.001.001.09", now=SENT_AT)
    _import(pain002(batch.reference, [("DE01E2E000101", "RJCT", "AC01", None)], message_id="STS-1"))

    repeat = _import(pain002(batch.reference, [("DE01E2E000101", "RJCT", "AC01", None),
                                               ("DE01E2E000102", "ACSC", None, None)], message_id="STS-2"), "b.xml")

    assert (repeat.rejected, repeat.accepted, repeat.unchanged) == ([], ["DE01E2E000102"], ["DE01E2E000101"])
    assert ExceptionCase.objects.get().occurrence_count == 1
    assert SyncRecord.objects.count() == 2


def test_group_rejection_rejects_every_payment(batch, connectors):
    payment_batch_export(batch=batch, version="pain.001.001.09", now=SENT_AT)

    result = _import(pain002(batch.reference, [], group_status="RJCT"))

    assert sorted(result.rejected) == ["DE01E2E000101", "DE01E2E000102", "DE01E2E000103"]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.REJECTED
    assert ExceptionCase.objects.filter(kind="payment.rejected").count() == 3
    assert SyncRecord.objects.count() == 6


def test_block_acceptance_accepts_every_payment(batch, connectors):
    payment_batch_export(batch=batch, version="pain.001.001.09", now=SENT_AT)

    result = _import(pain002(batch.reference, [], block_status="ACCP"))

    assert sorted(result.accepted) == ["DE01E2E000101", "DE01E2E000102", "DE01E2E000103"]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.ACCEPTED
    assert (ExceptionCase.objects.count(), SyncRecord.objects.count()) == (0, 0)


def test_acknowledgment_for_unknown_payments_is_an_exception(batch, connectors):
    payment_batch_export(batch=batch, version="pain.001.001.09", now=SENT_AT)

    result = _import(pain002(batch.reference, [("DE01E2E000101", "ACCP", None, None),
                                               ("SOMEONE-ELSES-1", "ACCP", None, None)]))

    assert (result.accepted, result.unmatched) == (["DE01E2E000101"], ["SOMEONE-ELSES-1"])
    case = ExceptionCase.objects.get()
    assert (case.kind, case.severity, case.reference) == ("payment.unmatched_ack", "high", batch.reference)
    assert case.details["unmatched_end_to_end_ids"] == ["SOMEONE-ELSES-1"]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SENT  # two payments are still waiting for the bank's word


def test_rejection_without_connectors_still_rejects_and_says_so(batch):
    payment_batch_export(batch=batch, version="pain.001.001.09", now=SENT_AT)

    result = _import(pain002(batch.reference, [("DE01E2E000103", "RJCT", "MS03", None)]))

    assert result.rejected == ["DE01E2E000103"]
    assert result.writebacks == []
    assert sorted(ExceptionCase.objects.values_list("kind", flat=True)) == [
        "payment.rejected", "technical.unsupported", "technical.unsupported"]


def test_export_refuses_unapproved_payments_and_invalid_versions(batch):
    PaymentInstruction.objects.filter(end_to_end_id="DE01E2E000102").update(status=PaymentStatus.HELD)

    with pytest.raises(DomainError, match="payments DE01E2E000102 are not approved"):
        payment_batch_export(batch=batch, version="pain.001.001.09")
    with pytest.raises(DomainError, match="not supported"):
        payment_batch_export(batch=batch, version="pain.001.001.02")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RELEASED
    assert AuditEvent.objects.count() == 0


def test_unacknowledged_batches_raise_once(batch, entity_de, account, suppliers, settings):
    settings.FINSYNC_ACK_SLA_HOURS = 4
    payment_batch_export(batch=batch, version="pain.001.001.09", now=SENT_AT)
    answered = released_batch(entity_de, account, "DE01-B20261121", [("DE01E2E000201", "10.00", suppliers[3])])
    payment_batch_export(batch=answered, version="pain.001.001.09", now=SENT_AT)
    _import(pain002(answered.reference, [], group_status="ACTC"))

    early = payments_unacknowledged_check(now=SENT_AT + timedelta(hours=3, minutes=59))
    late = payments_unacknowledged_check(now=SENT_AT + timedelta(hours=5))
    again = payments_unacknowledged_check(now=SENT_AT + timedelta(hours=6))

    assert early == []
    assert [c.payment_batch for c in late] == [batch]
    assert again == []
    case = late[0]
    assert (case.kind, case.severity, case.bank_account, case.legal_entity) == (
        "payment.unacknowledged", "high", account, entity_de)
    assert "5.0 hours ago" in case.message
    assert ExceptionCase.objects.get(kind="payment.unacknowledged").occurrence_count == 1


def test_ack_sla_hours_setting_is_read(batch, settings):
    settings.FINSYNC_ACK_SLA_HOURS = 1
    payment_batch_export(batch=batch, version="pain.001.001.09", now=SENT_AT)

    assert [c.payment_batch for c in payments_unacknowledged_check(now=SENT_AT + timedelta(minutes=61))] == [batch]
