"""Reads of payment batches, cash positions and reconciliation matches, scoped to the user's legal entities."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from apps.access.selectors import restrict

from .choices import CashPositionKind
from .models import (
    CashPosition,
    MatchStatus,
    PaymentBatch,
    PaymentInstruction,
    PaymentStatusEvent,
    ReconciliationMatch,
)


def payment_batch_list(*, user, status: str | None = None) -> QuerySet[PaymentBatch]:
    qs = restrict(PaymentBatch.objects.select_related("legal_entity", "debtor_account"), user)
    return qs.filter(status=status) if status else qs


def cash_positions_latest(*, user, kind: str = CashPositionKind.BOOKED) -> QuerySet[CashPosition]:
    """Each account's most recent position of ``kind`` (history stays in the table; this is the head)."""
    latest = CashPosition.objects.filter(bank_account=OuterRef("bank_account"), kind=kind).order_by(
        "-position_date", "-as_of", "-id").values("id")[:1]
    qs = CashPosition.objects.filter(kind=kind, id=Subquery(latest)).select_related("bank_account", "legal_entity")
    return restrict(qs, user).order_by("legal_entity", "currency", "bank_account")


def cash_position_history(*, user, bank_account_id: int, kind: str = CashPositionKind.BOOKED) -> QuerySet[CashPosition]:
    return restrict(CashPosition.objects.filter(bank_account_id=bank_account_id, kind=kind), user).order_by(
        "position_date", "as_of")


def reconciliation_matches(*, user, bank_account_id: int | None = None,
                           status: str | None = None) -> QuerySet[ReconciliationMatch]:
    qs = restrict(ReconciliationMatch.objects.select_related("bank_account", "created_by", "decided_by")
                  .prefetch_related("items__statement_line", "items__payment"), user)
    if bank_account_id is not None:
        qs = qs.filter(bank_account_id=bank_account_id)
    if status is not None:
        qs = qs.filter(status=status)
    return qs


def payment_get(*, user, pk: int) -> PaymentInstruction:
    """A payment of the user's entities (PaymentInstruction.DoesNotExist otherwise: 404, not 403)."""
    return restrict(PaymentInstruction.objects.select_related("batch__debtor_account", "legal_entity", "supplier"),
                    user).get(pk=pk)


def payment_matches(*, payment: PaymentInstruction) -> list[ReconciliationMatch]:
    """The payment's matches and candidates (active first), with the statement lines each holds."""
    return list(ReconciliationMatch.objects.filter(items__payment=payment).exclude(status=MatchStatus.DISMISSED)
                .select_related("created_by", "decided_by")
                .prefetch_related("items__statement_line__statement", "items__payment")
                .order_by("status", "-created_at").distinct())


def payment_status_history(*, payment: PaymentInstruction) -> list[PaymentStatusEvent]:
    return list(payment.status_events.select_related("report_file").order_by("at", "id"))


def payment_ids_by_end_to_end(*, user, end_to_end_ids: list[str]) -> list[int]:
    """Ids of the user's payments with these end-to-end ids (unknown or foreign ids are left out)."""
    return list(restrict(PaymentInstruction.objects.filter(end_to_end_id__in=end_to_end_ids), user)
                .values_list("id", flat=True))
