"""Treasury actions: sending payment batches to the bank and watching that the bank answers.

Reading what the bank sends back (statements, pain.002 status reports) is in ``apps.banking.services``;
matching statement lines to payments is in ``apps.treasury.reconciliation``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.banking.formats import CreditTransferInput, FormatError, PaymentFileInput, build_pain001
from apps.banking.formats.pain001 import VERSIONS as PAIN001_VERSIONS
from apps.banking.services import jsonable
from apps.common.errors import DomainError
from apps.exceptions.choices import OPEN_STATUSES
from apps.exceptions.models import ExceptionCase
from apps.exceptions.services import exception_raise

from .choices import BatchStatus, PaymentStatus
from .models import PaymentBatch, PaymentInstruction

DEFAULT_ACK_SLA_HOURS = 4


def ack_sla_hours() -> float:
    """Hours the bank has to answer a sent batch with a status report (setting FINSYNC_ACK_SLA_HOURS)."""
    return float(getattr(settings, "FINSYNC_ACK_SLA_HOURS", DEFAULT_ACK_SLA_HOURS))


def payment_batch_export(*, batch: PaymentBatch, version: str, actor=None, now: datetime | None = None) -> bytes:
    """The pain.001 file (``version`` "pain.001.001.03" or "pain.001.001.09") of a released batch, validated
    against the official XSD; the batch and its payments become "sent" in the same transaction.

    Only a released batch is exported: exporting a batch that was already sent could pay twice, so a
    second export is refused. Cancelled payments are left out; every other payment must be approved.
    """
    if version not in PAIN001_VERSIONS:
        raise DomainError(f"pain.001 version {version!r} is not supported; use {' or '.join(PAIN001_VERSIONS)}.",
                          code="unsupported_version")
    now = now or timezone.now()
    with transaction.atomic():
        batch = (PaymentBatch.objects.select_for_update().select_related("legal_entity", "debtor_account__bank")
                 .get(pk=batch.pk))
        if batch.status != BatchStatus.RELEASED:
            raise DomainError(f"Batch {batch.reference} is {batch.get_status_display().lower()}; only a released "
                              "batch can be sent to the bank (a second file could pay twice).", code="not_released")
        payments = list(batch.payments.exclude(status=PaymentStatus.CANCELLED).select_related("supplier_bank_account")
                        .order_by("end_to_end_id"))
        not_approved = [p.end_to_end_id for p in payments if p.status != PaymentStatus.APPROVED]
        if not payments or not_approved:
            raise DomainError(f"Batch {batch.reference} cannot be sent: " + (
                f"payments {', '.join(not_approved[:10])} are not approved." if not_approved
                else "it has no payments."), code="payments_not_approved")
        xml = _build(batch, payments, version, now)
        updated = PaymentBatch.objects.filter(pk=batch.pk, status=BatchStatus.RELEASED).update(
            status=BatchStatus.SENT, sent_at=now, updated_at=now)
        if not updated:  # pragma: no cover - the row lock above makes this unreachable
            raise DomainError(f"Batch {batch.reference} was sent by someone else.", code="already_sent")
        PaymentInstruction.objects.filter(pk__in=[p.pk for p in payments]).update(status=PaymentStatus.SENT,
                                                                                   updated_at=now)
        audit_record(action="payment_batch.sent", actor=actor, actor_label="" if actor else "finsync", obj=batch,
                     legal_entity=batch.legal_entity, before={"status": BatchStatus.RELEASED},
                     after={"status": BatchStatus.SENT, "version": version, "payments": len(payments),
                            "control_sum": sum(p.amount for p in payments),
                            "sha256": hashlib.sha256(xml).hexdigest()})
    return xml


def _build(batch: PaymentBatch, payments: list[PaymentInstruction], version: str, now: datetime) -> bytes:
    account = batch.debtor_account
    if not account.iban:
        raise DomainError(f"The debtor account {account} has no IBAN; SEPA credit transfers need one.",
                          code="no_debtor_iban")
    entity = batch.legal_entity
    transactions = [CreditTransferInput(
        end_to_end_id=p.end_to_end_id, amount=p.amount, currency=p.currency, creditor_name=p.creditor_name,
        creditor_iban=p.creditor_iban, creditor_bic=p.creditor_bic or None, instruction_id=p.instruction_id or None,
        remittance_text=p.remittance_info or None) for p in payments]
    try:
        return build_pain001(PaymentFileInput(
            message_id=batch.reference, created_at=now, initiating_party=entity.name[:140],
            debtor_name=entity.name[:140], debtor_iban=account.iban,
            debtor_bic=account.bic or (account.bank.bic if account.bank_id else None) or None,
            requested_execution_date=batch.requested_execution_date, transactions=transactions), version=version)
    except FormatError as error:
        raise DomainError(f"Batch {batch.reference} cannot be written as {version}: {error.reason}.",
                          code="payment_file_invalid") from error


def payments_unacknowledged_check(*, now: datetime | None = None) -> list[ExceptionCase]:
    """Open ``payment.unacknowledged`` for every batch sent more than FINSYNC_ACK_SLA_HOURS ago that no
    status report answered yet. A batch that already has an open case is not counted again, so the
    check can run every few minutes."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=ack_sla_hours())
    late = list(PaymentBatch.objects.filter(status=BatchStatus.SENT, sent_at__lt=cutoff)
                .exclude(payments__acknowledged_at__isnull=False)
                .select_related("legal_entity", "debtor_account").order_by("sent_at", "pk"))
    if not late:
        return []
    already = set(ExceptionCase.objects.filter(kind="payment.unacknowledged", status__in=OPEN_STATUSES,
                                               payment_batch__in=late).values_list("payment_batch_id", flat=True))
    cases = []
    for batch in late:
        if batch.pk in already:
            continue
        hours = (now - batch.sent_at).total_seconds() / 3600
        cases.append(exception_raise(
            kind="payment.unacknowledged", subject=f"batch:{batch.pk}:unacknowledged", reference=batch.reference,
            message=f"Batch {batch.reference} was sent to the bank {hours:.1f} hours ago and the bank has not "
                    f"answered with a status report (expected within {ack_sla_hours():g} hours). Check with the "
                    "bank that the file arrived before paying again.",
            cause="payment batch not acknowledged",
            details=jsonable({"sent_at": batch.sent_at, "sla_hours": ack_sla_hours()}),
            legal_entity=batch.legal_entity, bank_account=batch.debtor_account, payment_batch=batch))
    return cases
