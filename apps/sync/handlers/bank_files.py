"""Files from the bank channels, imported into FinSync: statements become bank statements and cash
positions (apps.banking.services.statement_import); payment status reports (pain.002) answering payments
the treasury system executed are put on those payments' correlation ids and written back to the ERP."""

from __future__ import annotations

import base64
import binascii

from apps.banking.choices import FileChannel
from apps.banking.formats import FormatError, detect_format, parse_pain002
from apps.banking.formats.pain002 import PaymentStatusReport, StatusReason
from apps.banking.services import (
    ACCEPTED_CODES,
    REJECTED_CODE,
    payment_status_import,
    statement_file_store,
    statement_import,
)
from apps.exceptions.services import exception_raise
from apps.sync.flows import LocalDelivery, LocalRejection
from apps.sync.models import SyncRecord
from apps.sync.services import outbound_emit

from . import correlation_join
from .payments import WRITEBACK, treasury_payments_by_end_to_end

CHANNEL_BY_ADAPTER = {"bank_api": FileChannel.BANK_API, "bank_sftp": FileChannel.SFTP,
                      "drop_folder": FileChannel.DROP_FOLDER}
_SNIFF_BYTES = 65536


def bank_file_import(*, record: SyncRecord, canonical: dict) -> LocalDelivery:
    """LocalHandler of `bank_file_import`. A file that cannot be read is a `statement.unreadable` exception
    on the record, which keeps the file as received (nothing is lost; replay it with a corrected file)."""
    filename = canonical["filename"]
    try:
        content = base64.b64decode(canonical["content_b64"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _unreadable(filename, "the file content is not valid base64", canonical) from exc
    channel = CHANNEL_BY_ADAPTER.get(record.connector.adapter, FileChannel.API)
    try:
        if detect_format(content[:_SNIFF_BYTES]) == "pain.002":
            return _status_report(record, content=content, filename=filename, channel=channel)
        result = statement_import(content=content, filename=filename, channel=channel)
    except FormatError as exc:
        # statement_import keeps unreadable files as evidence in their own transaction; here that is rolled
        # back with the rest, because the record itself holds the file and the exception goes on the record.
        raise _unreadable(filename, exc.reason, canonical) from exc
    return LocalDelivery(external_id=str(result.statement_file.pk) if result.statement_file else "",
                         duplicate=result.file_already_received and not result.created)


def _unreadable(filename: str, reason: str, canonical: dict) -> LocalRejection:
    return LocalRejection(
        "statement.unreadable",
        f"The bank file {filename} could not be read: {reason}. It is kept as received on this record; ask "
        "the bank for a corrected file.",
        details={"filename": filename, "reason": reason, "format_hint": canonical.get("format_hint", ""),
                 "size_b64": len(canonical["content_b64"])})


def _status_report(record: SyncRecord, *, content: bytes, filename: str, channel: str) -> LocalDelivery:
    """A pain.002. Transactions answering payments the treasury system executed (known by end-to-end id)
    are linked here; a report about anything else is FinSync's own payment batches' business and goes to
    the banking import, which matches them and flags what matches nothing."""
    report = parse_pain002(content)
    end_to_end_ids = [t.original_end_to_end_id for t in report.transactions if t.original_end_to_end_id]
    payments = treasury_payments_by_end_to_end(end_to_end_ids)
    if payments and set(end_to_end_ids) <= set(payments):
        file_row, created = statement_file_store(content=content, filename=filename, channel=channel,
                                                 file_format="pain.002")
    else:
        imported = payment_status_import(content=content, filename=filename, channel=channel)
        file_row, created = imported.statement_file, not imported.file_already_received
    _link(record, report, payments)
    correlations = {p.correlation_id for p in payments.values()}
    if len(correlations) == 1:  # the usual case, one payment per report: the file joins its transaction
        correlation_join(record, correlations.pop())
    return LocalDelivery(external_id=str(file_row.pk) if file_row else "", duplicate=not created)


def _link(record: SyncRecord, report: PaymentStatusReport, payments: dict[str, SyncRecord]) -> None:
    """Per answered payment: the bank's decision written back to the ERP on the payment's correlation id
    (parent: the payment); a rejection also opens `payment.rejected`. RCVD/PDNG-style answers only link."""
    group = report.group_status or ""
    for tx in report.transactions:
        payment = payments.get(tx.original_end_to_end_id or "")
        code = tx.status or group
        if payment is None or code not in ACCEPTED_CODES | {REJECTED_CODE}:
            continue
        e2e = payment.canonical["end_to_end_id"]
        status = "REJECTED" if code == REJECTED_CODE else "ACCEPTED"
        reason_code, reason_text = _reason(tx.reasons or report.group_reasons)
        payload = {"payment_reference": e2e, "end_to_end_id": e2e, "legal_entity": payment.canonical["legal_entity"],
                   "status": status, "reason_code": reason_code,
                   "reason_text": reason_text or f"Bank status {code} in {report.message_id or 'a status report'}",
                   "bank_report": report.message_id or "", "bank_file_record": record.pk}
        outbound_emit(flow=WRITEBACK, payload=payload, idempotency_key=f"{e2e}:bank:{status.lower()}",
                      correlation_id=payment.correlation_id, legal_entity=payment.legal_entity, parent=payment,
                      external_id=e2e)
        if status == "REJECTED":
            canonical = payment.canonical
            exception_raise(
                kind="payment.rejected", subject=f"payment:{e2e}", reference=e2e,
                correlation_id=payment.correlation_id, legal_entity=payment.legal_entity,
                source_system=record.connector.system, record_type="payment", sync_record=payment,
                message=f"The bank rejected payment {e2e} of {canonical['amount']} {canonical['currency']} to "
                        f"{canonical.get('beneficiary_name') or 'the beneficiary'} that the treasury system "
                        f"executed: {' '.join(p for p in (reason_code, reason_text) if p) or 'no reason given'}. "
                        "The ERP is told; correct the payment in the treasury system and pay again.",
                cause=f"payment rejected {reason_code}",
                details={"end_to_end_id": e2e, "reason_code": reason_code, "reason_text": reason_text,
                         "bank_report": report.message_id, "payment_record": payment.pk})


def _reason(reasons: tuple[StatusReason, ...]) -> tuple[str, str]:
    code = next((r.code or r.proprietary for r in reasons if r.code or r.proprietary), None) or ""
    return code[:10], " ".join(r.text for r in reasons if r.text)[:140]
