"""Selectors scope to the user's legal entities and return what the pages need in a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from apps.banking.choices import FileChannel
from apps.banking.selectors import statement_lines_open, statement_list
from apps.banking.services import statement_import
from apps.treasury.selectors import cash_position_history, cash_positions_latest

from .factories import DEBTOR_IBAN, Entry, Statement, camt053


def _two_days():
    for n, (opening, closing) in enumerate([("1000.00", "900.00"), ("900.00", "850.00")], start=19):
        day = f"2026-11-{n}"
        statement_import(content=camt053([Statement(f"S{n}", DEBTOR_IBAN, opening, closing, [
            Entry(str(Decimal(opening) - Decimal(closing)), booking_date=day)], day=day)]), filename=f"{n}.xml",
            channel=FileChannel.UPLOAD)


def test_scoped_reads(account, controller, outsider, django_assert_num_queries):
    _two_days()

    with django_assert_num_queries(3):  # the user's roles, entities, then the list with line counts
        statements = list(statement_list(user=controller))
    assert [(s.statement_id, s.line_count) for s in statements] == [("S20", 1), ("S19", 1)]
    assert list(statement_list(user=outsider)) == []
    assert [line.amount for line in statement_lines_open(user=controller)] == [Decimal("100.0000"),
                                                                               Decimal("50.0000")]
    latest = list(cash_positions_latest(user=controller))
    assert [(p.position_date, p.amount) for p in latest] == [(date(2026, 11, 20), Decimal("850.00"))]
    assert list(cash_positions_latest(user=outsider)) == []
    history = list(cash_position_history(user=controller, bank_account_id=account.pk))
    assert [(p.position_date, p.as_of) for p in history] == [
        (date(2026, 11, 19), datetime(2026, 11, 19, 23, 59, 59, tzinfo=UTC)),
        (date(2026, 11, 20), datetime(2026, 11, 20, 23, 59, 59, tzinfo=UTC))]
