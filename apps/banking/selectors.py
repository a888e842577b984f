"""Reads of bank accounts, statements and lines, scoped to the user's legal entities."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet

from apps.access.selectors import restrict

from .choices import ReconciliationStatus, StatementKind
from .models import BankFileUpload, BankStatement, CompanyBankAccount, StatementLine


def bank_account_list(*, user) -> QuerySet[CompanyBankAccount]:
    return restrict(CompanyBankAccount.objects.select_related("legal_entity", "bank"), user)


def statement_list(*, user, bank_account_id: int | None = None, kind: str | None = None,
                   date_from: date | None = None, date_to: date | None = None) -> QuerySet[BankStatement]:
    """Statements newest first, with their line counts (one query, no N+1 on the list page)."""
    qs = restrict(BankStatement.objects.select_related("bank_account", "legal_entity", "source_file"), user)
    if bank_account_id is not None:
        qs = qs.filter(bank_account_id=bank_account_id)
    if kind is not None:
        qs = qs.filter(kind=kind)
    if date_from is not None:
        qs = qs.filter(to_date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(to_date__lte=date_to)
    return qs.annotate(line_count=Count("lines")).order_by("-to_date", "-id")


def statement_lines_open(*, user, bank_account_id: int | None = None) -> QuerySet[StatementLine]:
    """Lines of end-of-day statements still waiting for reconciliation (unmatched or ambiguous), oldest first."""
    qs = restrict(StatementLine.objects.select_related("statement__bank_account"), user, "statement__legal_entity")
    qs = qs.filter(statement__kind=StatementKind.BOOKED,
                   reconciliation_status__in=(ReconciliationStatus.UNMATCHED, ReconciliationStatus.AMBIGUOUS))
    if bank_account_id is not None:
        qs = qs.filter(statement__bank_account_id=bank_account_id)
    return qs.order_by("booking_date", "id")


def upload_list(*, user, legal_entity_id: int | None = None) -> QuerySet[BankFileUpload]:
    """Uploaded files of the user's entities, newest first (the upload history)."""
    qs = restrict(BankFileUpload.objects.select_related("legal_entity", "uploaded_by", "statement_file"), user)
    if legal_entity_id is not None:
        qs = qs.filter(legal_entity_id=legal_entity_id)
    return qs.order_by("-created_at", "-id")


_OPEN = (ReconciliationStatus.UNMATCHED, ReconciliationStatus.AMBIGUOUS)


def statement_queryset(*, user) -> QuerySet[BankStatement]:
    """Statements of the user's entities with their line counts (open = unmatched or ambiguous)."""
    return restrict(BankStatement.objects.select_related("bank_account", "legal_entity", "source_file"), user).annotate(
        line_count=Count("lines"),
        open_line_count=Count("lines", filter=Q(lines__reconciliation_status__in=_OPEN)))


def statement_get(*, user, pk: int) -> BankStatement:
    """One statement, or BankStatement.DoesNotExist when missing or another entity's (404, not 403)."""
    return statement_queryset(user=user).get(pk=pk)


def statement_lines_with_matches(*, statement: BankStatement) -> list[StatementLine]:
    """The statement's lines, each with ``matches``: its active match and its open candidates (with the payments
    and lines each holds), in a fixed number of queries."""
    from apps.treasury.models import MatchStatus, ReconciliationMatchItem

    items = (ReconciliationMatchItem.objects.filter(match__status__in=(MatchStatus.ACTIVE, MatchStatus.PROPOSED))
             .select_related("match__created_by", "match__decided_by")
             .prefetch_related("match__items__payment__batch", "match__items__statement_line")
             .order_by("match__status", "match_id"))
    lines = list(statement.lines.prefetch_related(Prefetch("match_items", queryset=items, to_attr="current_items"))
                 .order_by("line_no"))
    for line in lines:
        line.matches = [item.match for item in line.current_items]
    return lines
