"""Reads of payment batches, cash positions and reconciliation matches, scoped to the user's legal entities."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from apps.access.selectors import restrict

from .choices import CashPositionKind
from .models import CashPosition, PaymentBatch, ReconciliationMatch


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
