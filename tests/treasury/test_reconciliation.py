"""Reconciliation rules on imported statements: each rule, ambiguity, undo, ageing, and its query budget."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AuditEvent
from apps.banking.choices import FileChannel, ReconciliationStatus
from apps.banking.models import StatementLine
from apps.banking.services import statement_import
from apps.common.errors import DomainError
from apps.exceptions.models import ExceptionCase
from apps.exceptions.services import exception_raise
from apps.treasury.choices import BatchStatus, PaymentStatus
from apps.treasury.models import MatchRule, MatchStatus, PaymentInstruction, ReconciliationMatch
from apps.treasury.reconciliation import (
    reconciliation_confirm,
    reconciliation_run,
    reconciliation_undo,
    reconciliation_unmatched_check,
)

from .factories import DEBTOR_IBAN, Entry, Statement, camt052, camt053, creditor_iban, released_batch

_files = iter(range(1, 10_000))


def _statement(entries: list[Entry], day: str = "2026-11-21") -> None:
    n = next(_files)
    for entry in entries:
        entry.booking_date = entry.booking_date if entry.booking_date != "2026-11-20" else day
    statement_import(content=camt053([Statement(f"S-{n}", DEBTOR_IBAN, None, None, entries, day=day)],
                                     message_id=f"M-{n}"), filename=f"s{n}.xml", channel=FileChannel.UPLOAD)


def _sent(entity, account, reference, payments, execution=date(2026, 11, 20)):
    return released_batch(entity, account, reference, payments, execution=execution, status=BatchStatus.SENT,
                          payment_status=PaymentStatus.SENT)


def _line(**filters) -> StatementLine:
    return StatementLine.objects.get(**filters)


def _active() -> list[ReconciliationMatch]:
    return list(ReconciliationMatch.objects.filter(status=MatchStatus.ACTIVE).order_by("id"))


def _held_by(match: ReconciliationMatch) -> tuple[list[int], list[str]]:
    items = match.items.filter(is_active=True)
    return (sorted(i.statement_line_id for i in items if i.statement_line_id),
            sorted(i.payment.end_to_end_id for i in items if i.payment_id))


def test_end_to_end_id_rule(entity_de, account, suppliers):
    _sent(entity_de, account, "B1", [("E2E-1", "1190.00", suppliers[0]), ("E2E-2", "238.00", suppliers[1])])
    _statement([Entry("1190.00", end_to_end_id="E2E-1", counterparty="somebody else")])

    result = reconciliation_run()

    line = _line(end_to_end_id="E2E-1")
    [match] = _active()
    assert (result.lines_examined, dict(result.matched), result.ambiguous, result.unmatched) == (
        1, {MatchRule.END_TO_END_ID: 1}, 0, 0)
    assert (match.rule, match.bank_account, match.legal_entity, match.line_total, match.payment_total) == (
        MatchRule.END_TO_END_ID, account, entity_de, Decimal("1190.00"), Decimal("1190.00"))
    assert _held_by(match) == ([line.pk], ["E2E-1"])
    [item] = match.items.all()  # one item holds both sides of a match by end-to-end id
    assert (item.statement_line_id, item.payment.end_to_end_id, item.amount) == (line.pk, "E2E-1", Decimal("1190.00"))
    assert [(side.statement_line_id, side.payment_id) for side in match.sides()] == [(line.pk, None),
                                                                                      (None, item.payment_id)]
    assert match.reason["compared"] == ["end_to_end_id", "bank_account", "currency", "amount"]
    assert (match.reason["end_to_end_id"], match.reason["amount"], match.reason["line"]) == ("E2E-1", "1190.00",
                                                                                            line.pk)
    assert line.reconciliation_status == ReconciliationStatus.MATCHED


def test_end_to_end_id_with_another_amount_is_not_matched(entity_de, account, suppliers):
    _sent(entity_de, account, "B1", [("E2E-1", "1190.00", suppliers[0])])
    _statement([Entry("1100.00", end_to_end_id="E2E-1")])

    result = reconciliation_run()

    assert (result.lines_matched, result.unmatched, _active()) == (0, 1, [])
    assert _line(end_to_end_id="E2E-1").reconciliation_status == ReconciliationStatus.UNMATCHED


@pytest.mark.parametrize(("counterparty", "iban", "score", "field"), [
    ("", creditor_iban(2), 2, "counterparty account"),
    ("BRANDT LOGISTIK AG", "", 1, "counterparty name"),
])
def test_amount_date_counterparty_rule(entity_de, account, suppliers, counterparty, iban, score, field):
    _sent(entity_de, account, "B1", [("E2E-1", "238.00", suppliers[1]), ("E2E-2", "238.00", suppliers[2])])
    _statement([Entry("238.00", counterparty=counterparty, counterparty_iban=iban, booking_date="2026-11-22")])

    result = reconciliation_run()

    [match] = _active()
    assert dict(result.matched) == {MatchRule.AMOUNT_DATE_COUNTERPARTY: 1}
    assert _held_by(match)[1] == ["E2E-1"]
    assert match.reason["counterparty_score"] == score
    assert match.reason["compared"] == ["bank_account", "currency", "amount",
                                        "booking date within -1/+3 days of requested date", field]
    assert (match.reason["booking_date"], match.reason["requested_date"]) == ("2026-11-22", "2026-11-20")


def test_outside_the_date_window_nothing_matches(entity_de, account, suppliers):
    _sent(entity_de, account, "B1", [("E2E-1", "238.00", suppliers[1])])
    _statement([Entry("238.00", counterparty_iban=creditor_iban(2), booking_date="2026-11-24")], day="2026-11-24")

    result = reconciliation_run()

    assert (result.lines_matched, result.unmatched, ReconciliationMatch.objects.count()) == (0, 1, 0)


def test_two_equal_payments_make_the_line_ambiguous_and_a_person_confirms(entity_de, account, suppliers,
                                                                           treasury_operator):
    _sent(entity_de, account, "B1", [("E2E-1", "500.00", suppliers[0]), ("E2E-2", "500.00", suppliers[0])])
    _statement([Entry("500.00", counterparty="Acme Industrial GmbH")])

    result = reconciliation_run()
    again = reconciliation_run()  # the same candidates are not proposed twice

    line = _line(amount=Decimal("500.00"))
    proposals = list(ReconciliationMatch.objects.order_by("id"))
    assert (result.ambiguous, result.lines_matched, again.ambiguous) == (1, 0, 1)
    assert line.reconciliation_status == ReconciliationStatus.AMBIGUOUS
    assert [(p.status, _held_by(p)) for p in proposals] == [(MatchStatus.PROPOSED, ([], [])),
                                                            (MatchStatus.PROPOSED, ([], []))]
    assert [p.reason["end_to_end_id"] for p in proposals] == ["E2E-1", "E2E-2"]
    assert proposals[0].reason["ambiguous"] == "2 payments fit equally well"

    reconciliation_confirm(match=proposals[1], actor=treasury_operator, note="invoice number on the advice")

    proposals = list(ReconciliationMatch.objects.order_by("id"))
    assert [p.status for p in proposals] == [MatchStatus.DISMISSED, MatchStatus.ACTIVE]
    assert _held_by(proposals[1]) == ([line.pk], ["E2E-2"])
    assert _line(pk=line.pk).reconciliation_status == ReconciliationStatus.MATCHED
    assert AuditEvent.objects.filter(action="reconciliation.confirmed", actor=treasury_operator).count() == 1
    with pytest.raises(DomainError, match="not a candidate"):
        reconciliation_confirm(match=proposals[0], actor=treasury_operator)


def test_two_lines_for_one_payment_are_both_ambiguous(entity_de, account, suppliers):
    _sent(entity_de, account, "B1", [("E2E-1", "75.00", suppliers[3])])
    _statement([Entry("75.00", counterparty="Dietz Bürobedarf KG"), Entry("75.00", counterparty="DIETZ BUROBEDARF")])

    result = reconciliation_run(chunk_size=1)  # the rival line is in the other chunk: still seen

    assert (result.lines_matched, result.ambiguous) == (0, 2)
    assert set(StatementLine.objects.values_list("reconciliation_status", flat=True)) == {"ambiguous"}
    assert ReconciliationMatch.objects.filter(status=MatchStatus.PROPOSED).count() == 2


def test_a_line_without_counterparty_is_only_proposed(entity_de, account, suppliers):
    _sent(entity_de, account, "B1", [("E2E-1", "75.00", suppliers[3])])
    _statement([Entry("75.00")])

    result = reconciliation_run()

    [proposal] = ReconciliationMatch.objects.all()
    assert (result.lines_matched, result.ambiguous, proposal.status) == (0, 1, MatchStatus.PROPOSED)
    assert proposal.reason["ambiguous"] == "no counterparty on the line to confirm it"


def test_batch_total_rule_one_line_for_many_payments(entity_de, account, suppliers):
    _sent(entity_de, account, "DE01-B20261120", [("E2E-1", "1190.00", suppliers[0]), ("E2E-2", "238.00", suppliers[1]),
                                                 ("E2E-3", "72.00", suppliers[2])])
    _statement([Entry("1500.00", remittance="SEPA batch DE01-B20261120 3 items")])

    result = reconciliation_run()

    [match] = _active()
    line = _line(amount=Decimal("1500.00"))
    assert (dict(result.matched), result.payments_matched) == ({MatchRule.BATCH_TOTAL: 1}, 3)
    assert _held_by(match) == ([line.pk], ["E2E-1", "E2E-2", "E2E-3"])
    assert (match.line_total, match.payment_total) == (Decimal("1500.00"), Decimal("1500.00"))
    assert "batch reference in the line's references" in match.reason["compared"]


def test_split_debit_rule_many_lines_for_one_payment(entity_de, account, suppliers):
    _sent(entity_de, account, "B1", [("E2E-1", "1000.00", suppliers[2])])
    _statement([Entry("600.00", counterparty_iban=creditor_iban(3), booking_date="2026-11-21"),
                Entry("400.00", counterparty_iban=creditor_iban(3), booking_date="2026-11-21"),
                Entry("999.00", counterparty_iban=creditor_iban(3), booking_date="2026-11-21")])

    result = reconciliation_run()

    [match] = _active()
    lines = sorted(StatementLine.objects.filter(amount__in=[600, 400]).values_list("pk", flat=True))
    assert dict(result.matched) == {MatchRule.SPLIT_DEBIT: 2}
    assert _held_by(match) == (lines, ["E2E-1"])
    assert match.reason["line_amounts"] == ["600.00", "400.00"]
    assert _line(amount=Decimal("999.00")).reconciliation_status == ReconciliationStatus.UNMATCHED


def test_undo_reopens_the_line_and_is_never_redone_automatically(entity_de, account, suppliers, treasury_operator):
    _sent(entity_de, account, "B1", [("E2E-1", "1190.00", suppliers[0])])
    _statement([Entry("1190.00", end_to_end_id="E2E-1")])
    reconciliation_run()
    [match] = _active()

    reconciliation_undo(match=match, actor=treasury_operator, reason="the bank booked it twice; this is the return")
    rerun = reconciliation_run()

    match.refresh_from_db()
    assert (match.status, match.decided_by, match.note) == (
        MatchStatus.UNDONE, treasury_operator, "the bank booked it twice; this is the return")
    assert not match.items.filter(is_active=True).exists()
    assert _line(end_to_end_id="E2E-1").reconciliation_status == ReconciliationStatus.UNMATCHED
    assert (rerun.lines_matched, rerun.ambiguous, rerun.unmatched, _active()) == (0, 0, 1, [])
    event = AuditEvent.objects.get(action="reconciliation.undone")
    assert (event.actor, event.object_id, event.reason) == (treasury_operator, str(match.pk), match.note)
    with pytest.raises(DomainError, match="not an active match"):
        reconciliation_undo(match=match, actor=treasury_operator, reason="again")


def test_only_end_of_day_debits_are_matched_and_credits_are_counted(entity_de, account, suppliers):
    _sent(entity_de, account, "B1", [("E2E-1", "1190.00", suppliers[0])])
    statement_import(content=camt052(DEBTOR_IBAN, "R1", [("ITBD", "10.00", "2026-11-21")], "2026-11-21T10:00:00Z"),
                     filename="r.xml", channel=FileChannel.UPLOAD)
    _statement([Entry("250.00", credit_debit="CRDT", counterparty="Customer AG")])

    result = reconciliation_run()

    assert (result.lines_examined, result.credits_without_source, result.lines_matched) == (1, 1, 0)
    assert PaymentInstruction.objects.get().match_items.count() == 0


def test_unmatched_lines_older_than_the_age_raise_once(entity_de, account, suppliers, settings):
    settings.FINSYNC_RECON_UNMATCHED_DAYS = 5
    _sent(entity_de, account, "B1", [("E2E-1", "1190.00", suppliers[0])])
    _statement([Entry("1190.00", end_to_end_id="E2E-1"), Entry("42.00", counterparty="Unknown Ltd"),
                Entry("250.00", credit_debit="CRDT", counterparty="Customer AG")], day="2026-11-10")
    _statement([Entry("13.00", counterparty="Recent")], day="2026-11-19")
    reconciliation_run()
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)

    cases = reconciliation_unmatched_check(now=now)
    again = reconciliation_unmatched_check(now=now)

    old_lines = StatementLine.objects.filter(amount__in=[42, 250]).order_by("line_no")
    assert [c.reference for c in cases] == [f"statement_line:{line.pk}" for line in old_lines]
    assert again == []
    case = cases[0]
    assert (case.kind, case.bank_account, case.legal_entity, case.period.number) == (
        "reconciliation.unmatched", account, entity_de, 11)
    assert case.message == (f"The outgoing 42.00 EUR booked on 2026-11-10 on {account} (Unknown Ltd) has matched "
                            "nothing for more than 5 days.")
    assert "incoming 250.00 EUR" in cases[1].message
    assert ExceptionCase.objects.count() == 2


def test_query_count_does_not_grow_with_the_lines(entity_de, account, suppliers):
    payments = [(f"E2E-{n}", f"{100 + n}.00", suppliers[n % 4]) for n in range(120)]
    _sent(entity_de, account, "B1", payments)
    _statement([Entry(amount, end_to_end_id=e2e) for e2e, amount, _ in payments[:60]]
               + [Entry(amount, counterparty_iban=who.bank_accounts.first().iban) for _, amount, who in payments[60:]])

    with CaptureQueriesContext(connection) as queries:
        result = reconciliation_run(chunk_size=40)

    assert (result.lines_matched, result.unmatched, result.ambiguous) == (120, 0, 0)
    assert dict(result.matched) == {MatchRule.END_TO_END_ID: 60, MatchRule.AMOUNT_DATE_COUNTERPARTY: 60}
    # 3 chunks + the final empty read; a fixed number of queries per chunk, whatever the chunk size.
    assert len(queries) <= 4 + 3 * 20, [q["sql"][:80] for q in queries]


def test_unmatched_cases_are_opened_in_bulk_and_never_twice(entity_de, account, settings):
    settings.FINSYNC_RECON_UNMATCHED_DAYS = 5
    _statement([Entry(f"{10 + n}.00", counterparty=f"Unknown {n}") for n in range(40)], day="2026-11-10")
    first = StatementLine.objects.order_by("line_no").first()
    exception_raise(kind="reconciliation.unmatched", subject=f"statement_line:{first.pk}",
                    reference=f"statement_line:{first.pk}", message="already open", legal_entity=entity_de)
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)

    with CaptureQueriesContext(connection) as queries:
        cases = reconciliation_unmatched_check(now=now, limit=30)
    rest = reconciliation_unmatched_check(now=now)

    lines = list(StatementLine.objects.order_by("line_no").values_list("pk", flat=True))
    assert [c.reference for c in cases] == [f"statement_line:{pk}" for pk in lines[1:31]]
    assert [c.reference for c in rest] == [f"statement_line:{pk}" for pk in lines[31:]]
    assert ExceptionCase.objects.filter(kind="reconciliation.unmatched").count() == 40
    event = AuditEvent.objects.filter(action="exception.raised", after__count=30).get()
    assert (event.legal_entity, event.after["cases"]) == (entity_de, [c.pk for c in cases])
    assert {(c.bank_account, c.legal_entity, c.period.number, c.occurrence_count) for c in cases} == {
        (account, entity_de, 11, 1)}
    assert len(queries) < 30, "one insert for the page, not one per line"
