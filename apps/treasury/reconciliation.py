"""Bank reconciliation: which statement line is which payment, and why.

What is reconciled. Lines of end-of-day statements (camt.053, MT940, BAI2) that are booked and not
reversals; intraday reports and notifications repeat the same movements and would match twice.
Debits are matched against payment instructions sent from the same bank account (sent, accepted or
settled, not yet matched). Credits would be matched against expected receipts, and FinSync has no
receivables model yet: ``_expected_receipts`` is the one place to plug one in; until then credits are
left unmatched and counted (``credits_without_source``), and the age check still reports them,
because unidentified money on the account needs a person either way.

The rules, in order (every match stores its rule and the fields it compared in ``reason``):

1. ``end_to_end_id`` (one-to-one): the line carries the payment's end-to-end id, same account,
   currency and amount.
2. ``amount_date_counterparty`` (one-to-one): same account, currency and amount; booked between one
   day before and FINSYNC_RECON_DATE_WINDOW_DAYS (default 3) days after the requested date; the
   counterparty's account equals the creditor IBAN/account (strong) or its name is similar to the
   creditor name (rapidfuzz token-set ratio ≥ 85). Matched only when the line has exactly one best
   candidate and that payment has exactly one best candidate line (both sides are checked, across
   chunks); otherwise every best candidate is stored as a *proposed* match and the line becomes
   ``ambiguous``. A single candidate without any counterparty on the line is also only proposed.
3. ``batch_total`` (one-to-many): one line for a whole batch booked as one sum: the open payments
   of one batch of that account add up to the line, within the date window; unique on both sides.
4. ``split_debit`` (many-to-one): two or three lines of the same account and counterparty add up
   to one payment of that creditor within the date window; unique, else proposed.

Undone matches are kept and their pairs are never proposed again automatically.

Two engines decide the same (tests/treasury/test_reconciliation_engines.py holds them to it): on PostgreSQL
every rule is a set operation (``reconciliation_sets``: joins, window functions, GROUP BY, INSERT … SELECT and
COPY); on SQLite (``make run``) the lines are read in keyset-paginated chunks, each costing a fixed number of
indexed queries and in-memory hash joins. Either way the work grows linearly with the lines.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from rapidfuzz import fuzz

from apps.access.roles import Capability
from apps.access.selectors import can, entity_ids
from apps.audit.services import audit_record
from apps.banking.choices import CreditDebit, EntryStatus, ReconciliationStatus, StatementKind
from apps.banking.models import StatementLine
from apps.banking.services import jsonable, money_text, period_for
from apps.common.errors import DomainError, PermissionDenied
from apps.exceptions.choices import OPEN_STATUSES
from apps.exceptions.models import ExceptionCase
from apps.exceptions.services import exceptions_open_many

from . import reconciliation_sets as sets
from .choices import PaymentStatus
from .models import (
    MatchRule,
    MatchStatus,
    PaymentBatch,
    PaymentInstruction,
    ReconciliationMatch,
    ReconciliationMatchItem,
)

CHUNK_SIZE = 5000
NAME_SIMILARITY = 85
BATCH_DATE_SLACK_DAYS = 7  # a payment's requested date may differ a little from its batch's execution date
MAX_SPLIT_GROUP = 10  # lines per counterparty looked at for many-to-one sums (C(10,2)+C(10,3) = 165 sums)
OPEN_LINE_STATUSES = (ReconciliationStatus.UNMATCHED, ReconciliationStatus.AMBIGUOUS)
MATCHABLE_PAYMENT_STATUSES = (PaymentStatus.SENT, PaymentStatus.ACCEPTED, PaymentStatus.SETTLED)
_LINE_FIELDS = ("id", "amount", "currency", "booking_date", "value_date", "end_to_end_id", "counterparty_name",
                "counterparty_account", "bank_reference", "remittance_info", "credit_debit",
                "statement__bank_account_id", "statement__legal_entity_id", "statement__to_date")
_PAYMENT_FIELDS = ("id", "end_to_end_id", "amount", "currency", "requested_date", "creditor_name", "creditor_iban",
                   "creditor_account_number", "batch_id", "batch__reference", "batch__debtor_account_id",
                   "legal_entity_id")
_NOT_WORDS = re.compile(r"[^0-9a-z]+")


def date_window_days() -> int:
    return int(getattr(settings, "FINSYNC_RECON_DATE_WINDOW_DAYS", 3))


def unmatched_age_days() -> int:
    return int(getattr(settings, "FINSYNC_RECON_UNMATCHED_DAYS", 5))


# Rule 1 on PostgreSQL is written by this many connections at once (one core each) when a run has at least
# PARALLEL_MIN_LINES open lines; below that one transaction is quicker than starting connections.
PARALLEL_MIN_LINES = 20_000


def reconciliation_parts(open_lines: int) -> int:
    """How many connections write rule 1 (``reconciliation_sets.run_rule_one``): FINSYNC_RECON_PARTS (default 2)
    for a large run, one for a small run or inside a caller's transaction (other connections would not see its
    uncommitted rows, and the caller expects one transaction)."""
    parts = int(getattr(settings, "FINSYNC_RECON_PARTS", 2))
    if parts <= 1 or open_lines < PARALLEL_MIN_LINES or connection.in_atomic_block:
        return 1
    return parts


@dataclass
class RunResult:
    """What one reconciliation run did."""

    lines_examined: int = 0
    matched: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # lines matched, by rule
    payments_matched: int = 0
    ambiguous: int = 0  # lines left with proposed candidates
    unmatched: int = 0  # debit lines without any candidate
    credits_without_source: int = 0
    phase_seconds: dict[str, float] = field(default_factory=dict)  # where the run's time went

    @property
    def lines_matched(self) -> int:
        return sum(self.matched.values())


@dataclass(frozen=True, slots=True)
class _Line:
    id: int
    amount: Decimal
    currency: str
    day: date | None
    end_to_end_id: str
    name: str
    account: str
    text: str  # references and remittance, lower case, for batch references
    credit_debit: str
    bank_account_id: int
    legal_entity_id: int


@dataclass(frozen=True, slots=True)
class _Payment:
    id: int
    end_to_end_id: str
    amount: Decimal
    currency: str
    day: date
    name: str
    iban: str
    account_number: str
    batch_id: int | None
    batch_reference: str
    bank_account_id: int
    legal_entity_id: int


@dataclass
class _Decision:
    rule: str
    status: str  # MatchStatus.ACTIVE or PROPOSED
    lines: list[_Line]
    payments: list[_Payment]
    reason: dict


def _line(row: dict) -> _Line:
    text = " ".join(filter(None, (row["end_to_end_id"], row["bank_reference"], row["remittance_info"]))).lower()
    return _Line(id=row["id"], amount=row["amount"], currency=row["currency"],
                 day=row["booking_date"] or row["value_date"] or row["statement__to_date"],
                 end_to_end_id=row["end_to_end_id"], name=_normal(row["counterparty_name"]),
                 account=_compact(row["counterparty_account"]), text=text, credit_debit=row["credit_debit"],
                 bank_account_id=row["statement__bank_account_id"], legal_entity_id=row["statement__legal_entity_id"])


def _payment(row: dict) -> _Payment:
    return _Payment(id=row["id"], end_to_end_id=row["end_to_end_id"], amount=row["amount"], currency=row["currency"],
                    day=row["requested_date"], name=_normal(row["creditor_name"]),
                    iban=_compact(row["creditor_iban"]), account_number=_compact(row["creditor_account_number"]),
                    batch_id=row["batch_id"], batch_reference=(row["batch__reference"] or "").lower(),
                    bank_account_id=row["batch__debtor_account_id"], legal_entity_id=row["legal_entity_id"])


def _compact(value: str | None) -> str:
    return "".join((value or "").split()).upper()


def _normal(value: str | None) -> str:
    return _NOT_WORDS.sub(" ", (value or "").lower()).strip()


def _open_lines():
    """Lines the engine works on (see the module docstring)."""
    return StatementLine.objects.filter(statement__kind=StatementKind.BOOKED, status=EntryStatus.BOOKED,
                                        reversal=False, reconciliation_status__in=OPEN_LINE_STATUSES).order_by()


def _open_payments():
    """Payments that can be on a statement. Whether one is already matched is checked afterwards by
    ``_unheld`` with an index lookup: as a NOT EXISTS inside this query, a planner with stale statistics
    on the (fast-growing) match table turns it into a scan per row."""
    return PaymentInstruction.objects.filter(status__in=MATCHABLE_PAYMENT_STATUSES,
                                             batch__debtor_account__isnull=False).order_by()


def _unheld(rows: Iterable[dict]) -> list[_Payment]:
    payments = [_payment(r) for r in rows]
    ids = [p.id for p in payments]
    held: set[int] = set()
    for start in range(0, len(ids), 5000):
        held.update(ReconciliationMatchItem.objects.filter(payment_id__in=ids[start:start + 5000], is_active=True)
                    .order_by().values_list("payment_id", flat=True))
    # A stable order (date, end-to-end id) keeps proposals and their ids the same on every database.
    return sorted((p for p in payments if p.id not in held), key=lambda p: (p.day, p.end_to_end_id, p.id))


def _batch_ids(accounts: set[int], span: tuple[date, date]) -> list[int]:
    """Batches of these accounts executed around the span. Payments are then read through the batch
    foreign-key index instead of scanning every payment of the account (which grows with history)."""
    slack = timedelta(days=BATCH_DATE_SLACK_DAYS)
    return list(PaymentBatch.objects.filter(debtor_account_id__in=accounts, requested_execution_date__range=(
        span[0] - slack, span[1] + slack)).order_by().values_list("id", flat=True))


def _counterparty_score(line: _Line, payment: _Payment) -> int:
    """2: same account; 1: similar name; 0: the line names no counterparty; -1: a different one."""
    if line.account and line.account in (payment.iban, payment.account_number):
        return 2
    if line.name and payment.name and fuzz.token_set_ratio(line.name, payment.name) >= NAME_SIMILARITY:
        return 1
    return -1 if line.account or line.name else 0


def _in_window(line_day: date | None, payment_day: date, window: int) -> bool:
    return line_day is not None and payment_day - timedelta(days=1) <= line_day <= payment_day + timedelta(
        days=window)


def _reason_fields(line: _Line, payment: _Payment) -> dict:
    return {"line": line.id, "payment": payment.id, "end_to_end_id": payment.end_to_end_id,
            "amount": money_text(line.amount, line.currency), "currency": line.currency, "booking_date": str(line.day),
            "requested_date": str(payment.day), "line_counterparty": line.name or line.account or None,
            "creditor": payment.name, "creditor_account": payment.iban or payment.account_number or None}


def reconciliation_run(*, bank_account=None, legal_entity=None, actor=None, chunk_size: int = CHUNK_SIZE,
                       window_days: int | None = None) -> RunResult:
    """Match open statement lines (of one account, one entity, or all) to payments; see the module docstring.

    On PostgreSQL every rule is a set operation (``reconciliation_sets``): rule 1 in one transaction (in a large
    run: one per part of the end-to-end ids, written by ``reconciliation_parts`` connections at the same time), the
    other rules in a second one. Elsewhere (SQLite) the lines are read in chunks of ``chunk_size``, each chunk its own
    transaction. Either way an interrupted run can be run again: it continues where it stopped and never
    matches anything twice.
    """
    window = date_window_days() if window_days is None else window_days
    result = RunResult()
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        _run_set_based(result, bank_account=bank_account, legal_entity=legal_entity, actor=actor, window=window)
    else:
        _run_chunked(result, bank_account=bank_account, legal_entity=legal_entity, actor=actor, window=window,
                     chunk_size=chunk_size)
    result.phase_seconds["total"] = time.perf_counter() - started
    return result


def _run_chunked(result: RunResult, *, bank_account, legal_entity, actor, window: int, chunk_size: int) -> None:
    """The rules line by line, in keyset-paginated chunks of indexed lookups and in-memory hash joins."""
    lines = _open_lines()
    if bank_account is not None:
        lines = lines.filter(statement__bank_account=bank_account)
    if legal_entity is not None:
        lines = lines.filter(statement__legal_entity=legal_entity)
    last_id = 0
    while True:
        rows = list(lines.filter(id__gt=last_id).order_by("id").values(*_LINE_FIELDS)[:chunk_size])
        if not rows:
            break
        last_id = rows[-1]["id"]
        chunk = [_line(r) for r in rows]
        with transaction.atomic():
            _run_chunk(chunk, result, window, actor)


# --- The rules as set operations (PostgreSQL) ------------------------------------------------------------------
# The SQL lives in ``reconciliation_sets``; what a decision is and why (``_Decision`` and its ``reason``) stays
# here, shared with the chunked engine, so both engines explain a match in the same words.

def _run_set_based(result: RunResult, *, bank_account, legal_entity, actor, window: int) -> None:
    params = sets.rule_params(window)
    lines, accounts = sets.scope(params, bank_account, legal_entity)
    with sets.timed(result, "count"), connection.cursor() as cursor:
        cursor.execute(sets.sql(sets.COUNT_OPEN.format(lines=lines)), params)
        result.lines_examined, result.credits_without_source = cursor.fetchone()
    with sets.timed(result, "end_to_end_id"):
        ambiguous_pairs = sets.run_rule_one(result, params=params, lines=lines, accounts=accounts, actor=actor,
                                            parts=reconciliation_parts(result.lines_examined))
    with transaction.atomic(), connection.cursor() as cursor:
        sets.lock_run(cursor)
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL work_mem = '128MB'")
        try:
            with sets.timed(result, "prepare"):
                sets.create_rest(cursor, params=params, lines=lines, accounts=accounts)
            decisions: list[_Decision] = []
            with sets.timed(result, "end_to_end_id_ambiguous"):
                decisions += _e2e_proposals(ambiguous_pairs)
            with sets.timed(result, "amount_date_counterparty"):
                decisions += _set_amount_date_counterparty(cursor, params, window)
            with sets.timed(result, "batch_total"):
                decisions += _set_batch_total(cursor, params, window)
            with sets.timed(result, "split_debit"):
                decisions += _set_split_debit(cursor, params, window)
            decided = {line.id for d in decisions for line in d.lines}
            cursor.execute(sets.UNMATCHED, [sorted(decided)])
            result.unmatched = cursor.fetchone()[0]
            with sets.timed(result, "write"):
                _store_set_based(cursor, decisions, result, actor)
        finally:
            sets.drop_rest(cursor)


def _lines_by_id(ids) -> dict[int, _Line]:
    ordered = sorted(set(ids))
    found: dict[int, _Line] = {}
    for start in range(0, len(ordered), 10_000):
        for row in StatementLine.objects.filter(id__in=ordered[start:start + 10_000]).order_by().values(
                *_LINE_FIELDS):
            found[row["id"]] = _line(row)
    return found


def _payments_by_id(ids) -> dict[int, _Payment]:
    ordered = sorted(set(ids))
    found: dict[int, _Payment] = {}
    for start in range(0, len(ordered), 10_000):
        for row in PaymentInstruction.objects.filter(id__in=ordered[start:start + 10_000]).order_by().values(
                *_PAYMENT_FIELDS):
            found[row["id"]] = _payment(row)
    return found


def _payment_order(payment: _Payment) -> tuple:
    """The chunked engine's order (``_unheld``): the same proposals, in the same order, on every database."""
    return payment.day, payment.end_to_end_id, payment.id


def _e2e_proposals(pairs: list[tuple[int, int]]) -> list[_Decision]:
    """Rule 1's ambiguous pairs: an end-to-end id on several open lines; every fitting line is a candidate."""
    if not pairs:
        return []
    lines, payments = _lines_by_id(p[0] for p in pairs), _payments_by_id(p[1] for p in pairs)
    decisions = []
    for line_id, payment_id in pairs:
        line, payment = lines[line_id], payments[payment_id]
        decisions.append(_Decision(MatchRule.END_TO_END_ID, MatchStatus.PROPOSED, [line], [payment], {
            "rule": MatchRule.END_TO_END_ID, "compared": ["end_to_end_id", "bank_account", "currency", "amount"],
            **_reason_fields(line, payment), "ambiguous": "several lines carry this end-to-end id"}))
    return decisions


def _set_amount_date_counterparty(cursor, params: dict, window: int) -> list[_Decision]:
    cursor.execute(sets.RULE_TWO_PAIRS, params)
    pairs = cursor.fetchall()
    if not pairs:
        return []
    lines, payments = _lines_by_id(p[0] for p in pairs), _payments_by_id(p[1] for p in pairs)
    scores = [(line_id, payment_id, score) for line_id, payment_id in pairs
              if (score := _counterparty_score(lines[line_id], payments[payment_id])) >= 0]
    sets.copy_scores(cursor, scores)
    cursor.execute(sets.RULE_TWO_DECISIONS)
    best_of: dict[int, list[tuple[_Payment, int, bool]]] = defaultdict(list)
    for line_id, payment_id, score, _count, unique in cursor.fetchall():
        best_of[line_id].append((payments[payment_id], score, unique))
    decisions = []
    taken_lines, taken_payments, proposed = set(), set(), set()
    for line_id in sorted(best_of):
        line, best = lines[line_id], sorted(best_of[line_id], key=lambda b: _payment_order(b[0]))
        top = best[0][1]
        compared = ["bank_account", "currency", "amount", f"booking date within -1/+{window} days of requested date",
                    {2: "counterparty account", 1: "counterparty name", 0: "no counterparty on the line"}[top]]
        if len(best) == 1 and best[0][2]:
            payment = best[0][0]
            decisions.append(_Decision(MatchRule.AMOUNT_DATE_COUNTERPARTY, MatchStatus.ACTIVE, [line], [payment],
                                       {"rule": MatchRule.AMOUNT_DATE_COUNTERPARTY, "compared": compared,
                                        "counterparty_score": top, **_reason_fields(line, payment)}))
            taken_lines.add(line.id)
            taken_payments.add(payment.id)
            continue
        why = ("no counterparty on the line to confirm it" if top == 0 and len(best) == 1 else
               f"{len(best)} payments fit equally well" if len(best) > 1 else
               "another line fits this payment equally well")
        proposed.add(line.id)
        for payment, _score, _unique in best:
            decisions.append(_Decision(MatchRule.AMOUNT_DATE_COUNTERPARTY, MatchStatus.PROPOSED, [line], [payment],
                                       {"rule": MatchRule.AMOUNT_DATE_COUNTERPARTY, "compared": compared,
                                        "counterparty_score": top, "ambiguous": why,
                                        **_reason_fields(line, payment)}))
    sets.mark(cursor, taken_lines=taken_lines, proposed_lines=proposed, taken_payments=taken_payments)
    return decisions


def _set_batch_total(cursor, params: dict, window: int) -> list[_Decision]:
    cursor.execute(sets.RULE_THREE_CANDIDATES, params)
    candidates = cursor.fetchall()
    if not candidates:
        return []
    cursor.execute("SELECT batch_id, id FROM recon_payments WHERE NOT taken AND batch_id = ANY(%s)",
                   [sorted({c[1] for c in candidates})])
    payment_ids = sets.group_pairs(cursor.fetchall())
    lines = _lines_by_id(c[0] for c in candidates)
    payments = _payments_by_id(p for ids in payment_ids.values() for p in ids)
    by_line: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for line_id, batch_id, rivals in candidates:
        by_line[line_id].append((batch_id, rivals))
    decisions = []
    taken_lines, taken_payments, proposed = set(), set(), set()
    for line_id in sorted(by_line):
        line, options = lines[line_id], by_line[line_id]
        for batch_id, rivals in options:
            batch_payments = sorted((payments[p] for p in payment_ids[batch_id]), key=_payment_order)
            reason, named = _batch_total_reason(line, batch_payments, window)
            # A batch two lines claim (both naming it) is left to a person, never matched twice.
            free = not taken_payments.intersection(p.id for p in batch_payments)
            if len(options) == 1 and (named or not rivals) and free:
                decisions.append(_Decision(MatchRule.BATCH_TOTAL, MatchStatus.ACTIVE, [line], batch_payments, reason))
                taken_lines.add(line.id)
                taken_payments.update(p.id for p in batch_payments)
            else:
                decisions.append(_Decision(MatchRule.BATCH_TOTAL, MatchStatus.PROPOSED, [line], batch_payments,
                                           {**reason, "ambiguous": "several batches or lines have this total"}))
                proposed.add(line.id)
    sets.mark(cursor, taken_lines=taken_lines, proposed_lines=proposed - taken_lines, taken_payments=taken_payments)
    return decisions


def _set_split_debit(cursor, params: dict, window: int) -> list[_Decision]:
    cursor.execute(sets.RULE_FOUR_CANDIDATES, {**params, "group": MAX_SPLIT_GROUP})
    candidates = cursor.fetchall()
    if not candidates:
        return []
    lines = _lines_by_id(line_id for ids, _ in candidates for line_id in ids)
    payments = _payments_by_id(c[1] for c in candidates)
    combinations_of: dict[int, list[tuple[_Line, ...]]] = defaultdict(list)
    for ids, payment_id in candidates:
        combinations_of[payment_id].append(tuple(sorted((lines[i] for i in ids), key=lambda x: (x.day, x.id))))
    decisions = []
    taken: set[int] = set()
    for payment in sorted((payments[p] for p in combinations_of), key=_payment_order):
        options = sorted((c for c in combinations_of[payment.id]
                          if all(_counterparty_score(line, payment) >= 1 for line in c)),
                         key=lambda c: (len(c), [line.id for line in c]))
        options = [o for o in options if not taken.intersection(line.id for line in o)]
        decisions.extend(_split_debit_decisions(payment, options, window, taken))
    return decisions



def _batch_total_reason(line, batch_payments: list, window: int) -> tuple[dict, bool]:
    """Rule 3's reason for matching `line` to a whole batch, and whether the line names the batch. Shared by both
    engines so their reasons are identical."""
    first = batch_payments[0]
    named = bool(first.batch_reference) and first.batch_reference in line.text
    reason = {"rule": MatchRule.BATCH_TOTAL, "line": line.id, "batch": first.batch_id,
              "batch_reference": first.batch_reference, "payments": [p.id for p in batch_payments],
              "amount": money_text(line.amount, line.currency), "currency": line.currency,
              "booking_date": str(line.day),
              "compared": ["bank_account", "currency", "sum of the batch's open payments = line amount",
                           f"booking date within -1/+{window} days of the requested dates"]
              + (["batch reference in the line's references"] if named else [])}
    return reason, named


def _split_debit_decisions(payment, options: list, window: int, taken: set[int]) -> list[_Decision]:
    """Rule 4's decisions for one payment: its one combination of lines matched (and `taken`), or every
    combination proposed when several add up. Shared by both engines so their reasons are identical."""
    decisions = []
    for combination in options:
        reason = {"rule": MatchRule.SPLIT_DEBIT, "lines": [line.id for line in combination],
                  "payment": payment.id, "end_to_end_id": payment.end_to_end_id,
                  "amount": money_text(payment.amount, payment.currency),
                  "line_amounts": [money_text(line.amount, line.currency) for line in combination],
                  "currency": payment.currency,
                  "creditor": payment.name, "requested_date": str(payment.day),
                  "compared": ["bank_account", "currency", "counterparty", "sum of the lines = payment amount",
                               f"booking dates within -1/+{window} days of the requested date"]}
        if len(options) == 1:
            decisions.append(_Decision(MatchRule.SPLIT_DEBIT, MatchStatus.ACTIVE, list(combination), [payment], reason))
            taken.update(line.id for line in combination)
        else:
            decisions.append(_Decision(MatchRule.SPLIT_DEBIT, MatchStatus.PROPOSED, list(combination), [payment],
                                       {**reason, "ambiguous": "several combinations of lines add up"}))
    return decisions

def _store_set_based(cursor, decisions: list[_Decision], result: RunResult, actor) -> None:
    """``_store`` by COPY: the decisions of rules 1 (ambiguous) to 4, new candidates only."""
    if not decisions:
        return
    proposed_pairs = sets.proposed_sets(cursor, sorted({line.id for d in decisions for line in d.lines}))
    fresh = [d for d in decisions if d.status == MatchStatus.ACTIVE or not all(
        (line.id, frozenset(p.id for p in d.payments)) in proposed_pairs for line in d.lines)]
    now = timezone.now()
    created_by = actor.pk if getattr(actor, "pk", None) else None
    ids = sets.new_match_ids(cursor, len(fresh))
    rows, items = [], []
    for match_id, d in zip(ids, fresh, strict=True):
        active = d.status == MatchStatus.ACTIVE
        rows.append((match_id, d.lines[0].legal_entity_id, d.lines[0].bank_account_id, d.rule, d.status, d.reason,
                     d.lines[0].currency, sum(line.amount for line in d.lines), sum(p.amount for p in d.payments),
                     now, created_by))
        items += [(match_id, line.id, None, line.amount, active) for line in d.lines]
        items += [(match_id, None, p.id, p.amount, active) for p in d.payments]
    sets.copy_decisions(cursor, rows, items)
    matched_lines = {line.id for d in decisions if d.status == MatchStatus.ACTIVE for line in d.lines}
    ambiguous_lines = {line.id for d in decisions if d.status == MatchStatus.PROPOSED
                       for line in d.lines} - matched_lines
    sets.set_line_status(cursor, matched_lines, ReconciliationStatus.MATCHED)
    sets.set_line_status(cursor, ambiguous_lines, ReconciliationStatus.AMBIGUOUS)
    for d in decisions:
        if d.status == MatchStatus.ACTIVE:
            result.matched[d.rule] += len(d.lines)
            result.payments_matched += len(d.payments)
    result.ambiguous += len(ambiguous_lines)
    if fresh:
        audit_record(action="reconciliation.run", actor=actor, actor_label="" if actor else "finsync",
                     after={"at": now, "matched_lines": len(matched_lines), "ambiguous_lines": len(ambiguous_lines),
                            "matches": [i for i, d in zip(ids, fresh, strict=True)
                                        if d.status == MatchStatus.ACTIVE][:1000],
                            "proposed": sum(d.status == MatchStatus.PROPOSED for d in fresh)})


def _run_chunk(chunk: list[_Line], result: RunResult, window: int, actor) -> None:
    result.lines_examined += len(chunk)
    debits = [line for line in chunk if line.credit_debit == CreditDebit.DEBIT]
    credits = [line for line in chunk if line.credit_debit == CreditDebit.CREDIT]
    result.credits_without_source += len(credits) - len(_expected_receipts(credits))
    if not debits:
        return
    blocked = _blocked_pairs([line.id for line in debits])
    decisions: list[_Decision] = []
    used_lines: set[int] = set()
    used_payments: set[int] = set()

    def take(decision: _Decision) -> None:
        decisions.append(decision)
        if decision.status == MatchStatus.ACTIVE:
            used_lines.update(line.id for line in decision.lines)
            used_payments.update(p.id for p in decision.payments)

    e2e_candidates: set[int] = set()  # still open to the other rules, but not "without any candidate"
    for decision in _by_end_to_end_id(debits, blocked):
        if decision.status == MatchStatus.PROPOSED:
            e2e_candidates.update(line.id for line in decision.lines)
        take(decision)
    rest = [line for line in debits if line.id not in used_lines]
    proposed_lines: set[int] = set()
    for decision in _by_amount_date_counterparty(rest, blocked, used_payments, window, used_lines):
        if decision.status == MatchStatus.PROPOSED:
            proposed_lines.update(line.id for line in decision.lines)
        take(decision)
    rest = [line for line in rest if line.id not in used_lines and line.id not in proposed_lines]
    for decision in _by_batch_total(rest, blocked, used_payments, window, used_lines):
        if decision.status == MatchStatus.PROPOSED:
            proposed_lines.update(line.id for line in decision.lines)
        take(decision)
    rest = [line for line in rest if line.id not in used_lines and line.id not in proposed_lines]
    for decision in _by_split_debit(rest, blocked, used_payments, window):
        if decision.status == MatchStatus.PROPOSED:
            proposed_lines.update(line.id for line in decision.lines)
        take(decision)
    _store(decisions, result, actor)
    result.unmatched += sum(1 for line in debits if line.id not in used_lines | proposed_lines | e2e_candidates)


def _expected_receipts(credits: list[_Line]) -> dict[int, list]:
    """Where expected receipts (customer invoices, forecasts) would be matched to credits. None exist yet."""
    return {}


def _blocked_pairs(line_ids: list[int]) -> set[tuple[int, int]]:
    """(line, payment) pairs a person undid or dismissed: never proposed again automatically."""
    undone = ReconciliationMatchItem.objects.filter(
        statement_line_id__in=line_ids, match__status__in=(MatchStatus.UNDONE, MatchStatus.DISMISSED))
    lines_by_match: dict[int, list[int]] = defaultdict(list)
    for match_id, line_id in undone.order_by().values_list("match_id", "statement_line_id"):
        lines_by_match[match_id].append(line_id)
    if not lines_by_match:
        return set()
    pairs = set()
    for match_id, payment_id in ReconciliationMatchItem.objects.filter(
            match_id__in=list(lines_by_match), payment__isnull=False).order_by().values_list("match_id", "payment_id"):
        pairs.update((line_id, payment_id) for line_id in lines_by_match[match_id])
    return pairs


def _by_end_to_end_id(lines: list[_Line], blocked: set[tuple[int, int]]) -> list[_Decision]:
    by_id: dict[str, list[_Line]] = defaultdict(list)
    for line in lines:
        if line.end_to_end_id:
            by_id[line.end_to_end_id].append(line)
    if not by_id:
        return []
    # Lines outside this chunk carrying the same id (the bank booked it twice?) make it ambiguous.
    counts = dict(_open_lines().filter(credit_debit=CreditDebit.DEBIT, end_to_end_id__in=list(by_id))
                  .values_list("end_to_end_id").annotate(n=Count("id")).values_list("end_to_end_id", "n"))
    payments = _unheld(_open_payments().filter(end_to_end_id__in=list(by_id)).values(*_PAYMENT_FIELDS))
    decisions = []
    for payment in payments:
        candidates = [line for line in by_id[payment.end_to_end_id]
                      if line.bank_account_id == payment.bank_account_id and line.currency == payment.currency
                      and line.amount == payment.amount and (line.id, payment.id) not in blocked]
        if not candidates:
            continue
        reason = {"rule": MatchRule.END_TO_END_ID, "compared": ["end_to_end_id", "bank_account", "currency", "amount"],
                  **_reason_fields(candidates[0], payment)}
        if len(candidates) == 1 and counts.get(payment.end_to_end_id, 0) <= 1:
            decisions.append(_Decision(MatchRule.END_TO_END_ID, MatchStatus.ACTIVE, candidates, [payment], reason))
        else:
            for line in candidates:
                decisions.append(_Decision(MatchRule.END_TO_END_ID, MatchStatus.PROPOSED, [line], [payment],
                                           {**reason, **_reason_fields(line, payment),
                                            "ambiguous": "several lines carry this end-to-end id"}))
    return decisions


def _date_range(days: Iterable[date | None], before: int, after: int) -> tuple[date, date] | None:
    known = [d for d in days if d is not None]
    if not known:
        return None
    return min(known) - timedelta(days=before), max(known) + timedelta(days=after)


def _competing_lines(amounts: set[Decimal], accounts: set[int], days: tuple[date, date]) -> list[_Line]:
    if not amounts:
        return []
    rows = _open_lines().filter(credit_debit=CreditDebit.DEBIT, amount__in=list(amounts),
                                statement__bank_account_id__in=accounts).filter(
        Q(booking_date__range=days) | Q(booking_date__isnull=True, value_date__range=days)).values(*_LINE_FIELDS)
    return [_line(r) for r in rows]


def _by_amount_date_counterparty(lines: list[_Line], blocked, used_payments: set[int], window: int,
                                 used_lines: set[int]) -> list[_Decision]:
    span = _date_range((line.day for line in lines), window, 1)
    if span is None:
        return []
    accounts = {line.bank_account_id for line in lines}
    payments = _unheld(_open_payments().filter(
        batch_id__in=_batch_ids(accounts, span), amount__in=list({line.amount for line in lines}),
        batch__debtor_account_id__in=accounts, requested_date__range=span).exclude(pk__in=used_payments).values(
        *_PAYMENT_FIELDS))
    if not payments:
        return []
    by_key: dict[tuple, list[_Payment]] = defaultdict(list)
    for payment in payments:
        by_key[(payment.bank_account_id, payment.currency, payment.amount)].append(payment)

    def scored(line: _Line, candidates: Iterable[_Payment]) -> list[tuple[int, _Payment]]:
        return [(score, p) for p in candidates
                if _in_window(line.day, p.day, window) and (line.id, p.id) not in blocked
                and (score := _counterparty_score(line, p)) >= 0]

    # The other side: every open line that could take each candidate payment, this chunk or not.
    competing = _competing_lines({p.amount for p in payments}, accounts,
                                 _date_range((p.day for p in payments), 1, window))
    best_lines_of: dict[int, set[int]] = {}
    competing_by_key: dict[tuple, list[_Line]] = defaultdict(list)
    for line in competing:
        if line.id in used_lines:
            continue
        competing_by_key[(line.bank_account_id, line.currency, line.amount)].append(line)
    for key, group in by_key.items():
        for payment in group:
            scores = [(s, line.id) for line in competing_by_key.get(key, [])
                      for s, p in scored(line, [payment])]
            top = max((s for s, _ in scores), default=None)
            best_lines_of[payment.id] = {line_id for s, line_id in scores if s == top}

    decisions = []
    for line in lines:
        candidates = scored(line, by_key.get((line.bank_account_id, line.currency, line.amount), []))
        if not candidates:
            continue
        top = max(s for s, _ in candidates)
        best = [p for s, p in candidates if s == top]
        compared = ["bank_account", "currency", "amount", f"booking date within -1/+{window} days of requested date",
                    {2: "counterparty account", 1: "counterparty name", 0: "no counterparty on the line"}[top]]
        if len(best) == 1 and top >= 1 and best_lines_of.get(best[0].id) == {line.id}:
            decisions.append(_Decision(MatchRule.AMOUNT_DATE_COUNTERPARTY, MatchStatus.ACTIVE, [line], best,
                                       {"rule": MatchRule.AMOUNT_DATE_COUNTERPARTY, "compared": compared,
                                        "counterparty_score": top, **_reason_fields(line, best[0])}))
            continue
        why = ("no counterparty on the line to confirm it" if top == 0 and len(best) == 1 else
               f"{len(best)} payments fit equally well" if len(best) > 1 else
               "another line fits this payment equally well")
        for payment in best:
            decisions.append(_Decision(MatchRule.AMOUNT_DATE_COUNTERPARTY, MatchStatus.PROPOSED, [line], [payment],
                                       {"rule": MatchRule.AMOUNT_DATE_COUNTERPARTY, "compared": compared,
                                        "counterparty_score": top, "ambiguous": why,
                                        **_reason_fields(line, payment)}))
    return decisions


def _by_batch_total(lines: list[_Line], blocked, used_payments: set[int], window: int,
                    used_lines: set[int]) -> list[_Decision]:
    span = _date_range((line.day for line in lines), window, 1)
    if span is None:
        return []
    accounts = {line.bank_account_id for line in lines}
    open_payments = _unheld(_open_payments().filter(batch_id__in=_batch_ids(accounts, span),
                                                    batch__debtor_account_id__in=accounts,
                                                    requested_date__range=span).values(*_PAYMENT_FIELDS))
    payments_by_batch: dict[int, list[_Payment]] = defaultdict(list)
    for payment in open_payments:
        if payment.id not in used_payments:
            payments_by_batch[payment.batch_id].append(payment)
    line_amounts = {line.amount for line in lines}
    totals = []
    for batch_id, batch_payments in payments_by_batch.items():
        total = sum(p.amount for p in batch_payments)
        if len(batch_payments) >= 2 and total in line_amounts and len({p.currency for p in batch_payments}) == 1:
            totals.append({"batch_id": batch_id, "batch__debtor_account_id": batch_payments[0].bank_account_id,
                           "currency": batch_payments[0].currency, "total": total})
    if not totals:
        return []
    competing = _competing_lines({t["total"] for t in totals}, accounts, span)
    decisions = []
    for line in lines:
        candidates = []
        for total in totals:
            batch_payments = payments_by_batch.get(total["batch_id"], [])
            if (total["batch__debtor_account_id"] != line.bank_account_id or total["currency"] != line.currency
                    or total["total"] != line.amount or not batch_payments):
                continue
            if not all(_in_window(line.day, p.day, window) for p in batch_payments):
                continue
            if any((line.id, p.id) in blocked for p in batch_payments):
                continue
            candidates.append(batch_payments)
        if not candidates:
            continue
        rivals = [other for other in competing if other.id != line.id and other.id not in used_lines
                  and other.amount == line.amount
                  and other.bank_account_id == line.bank_account_id and other.currency == line.currency]
        for batch_payments in candidates:
            reason, named = _batch_total_reason(line, batch_payments, window)
            unique = len(candidates) == 1 and (named or not rivals)
            if unique:
                decisions.append(_Decision(MatchRule.BATCH_TOTAL, MatchStatus.ACTIVE, [line], batch_payments, reason))
            else:
                decisions.append(_Decision(MatchRule.BATCH_TOTAL, MatchStatus.PROPOSED, [line], batch_payments,
                                           {**reason, "ambiguous": "several batches or lines have this total"}))
    return decisions


def _by_split_debit(lines: list[_Line], blocked, used_payments: set[int], window: int) -> list[_Decision]:
    groups: dict[tuple, list[_Line]] = defaultdict(list)
    for line in lines:
        who = line.account or line.name
        if who and line.day is not None:
            groups[(line.bank_account_id, line.currency, who)].append(line)
    sums: dict[tuple, list[tuple[_Line, ...]]] = defaultdict(list)
    for key, group in groups.items():
        if len(group) < 2:
            continue
        group = sorted(group, key=lambda item: (item.day, item.id))[:MAX_SPLIT_GROUP]
        for size in (2, 3):
            for combination in itertools.combinations(group, size):
                if (combination[-1].day - combination[0].day).days <= window:
                    sums[(*key, sum(line.amount for line in combination))].append(combination)
    if not sums:
        return []
    span = _date_range((line.day for line in lines), window, 1)
    accounts = {key[0] for key in sums}
    payments = _unheld(_open_payments().filter(
        batch_id__in=_batch_ids(accounts, span), amount__in=list({key[3] for key in sums}),
        batch__debtor_account_id__in=accounts, requested_date__range=span).exclude(pk__in=used_payments).values(
        *_PAYMENT_FIELDS))
    decisions = []
    taken: set[int] = set()
    for payment in payments:
        options = []
        for (account_id, currency, _who, total), combinations in sums.items():
            if (account_id, currency, total) != (payment.bank_account_id, payment.currency, payment.amount):
                continue
            for combination in combinations:
                if all(_in_window(line.day, payment.day, window) and (line.id, payment.id) not in blocked
                       and _counterparty_score(line, payment) >= 1 for line in combination):
                    options.append(combination)
        options = [o for o in options if not taken.intersection(line.id for line in o)]
        if not options:
            continue
        decisions.extend(_split_debit_decisions(payment, options, window, taken))
    return decisions


def _store(decisions: list[_Decision], result: RunResult, actor) -> None:
    """Write the chunk's decisions: bulk inserts, then set-based status updates."""
    if not decisions:
        return
    line_ids = {line.id for d in decisions for line in d.lines}
    # A candidate already proposed earlier is not proposed again.
    existing = set()
    for match_id, line_id in ReconciliationMatchItem.objects.filter(
            statement_line_id__in=line_ids, match__status=MatchStatus.PROPOSED).order_by().values_list("match_id",
                                                                                          "statement_line_id"):
        existing.add((match_id, line_id))
    proposed_pairs = set()
    if existing:
        payments_of = defaultdict(set)
        for match_id, payment_id in ReconciliationMatchItem.objects.filter(
                match_id__in={m for m, _ in existing}, payment__isnull=False).order_by().values_list("match_id",
                                                                                                   "payment_id"):
            payments_of[match_id].add(payment_id)
        proposed_pairs = {(line_id, frozenset(payments_of[m])) for m, line_id in existing}
    fresh = [d for d in decisions if d.status == MatchStatus.ACTIVE or not all(
        (line.id, frozenset(p.id for p in d.payments)) in proposed_pairs for line in d.lines)]
    now = timezone.now()
    matches = [ReconciliationMatch(
        legal_entity_id=d.lines[0].legal_entity_id, bank_account_id=d.lines[0].bank_account_id, rule=d.rule,
        status=d.status, reason=d.reason, currency=d.lines[0].currency,
        line_total=sum(line.amount for line in d.lines), payment_total=sum(p.amount for p in d.payments),
        created_by=actor if getattr(actor, "pk", None) else None) for d in fresh]
    ReconciliationMatch.objects.bulk_create(matches, batch_size=1000)
    items = []
    for match, decision in zip(matches, fresh, strict=True):
        active = decision.status == MatchStatus.ACTIVE
        if _one_item(decision):
            line, payment = decision.lines[0], decision.payments[0]
            items.append(ReconciliationMatchItem(match=match, statement_line_id=line.id, payment_id=payment.id,
                                                 amount=line.amount, is_active=True))
            continue
        items += [ReconciliationMatchItem(match=match, statement_line_id=line.id, amount=line.amount, is_active=active)
                  for line in decision.lines]
        items += [ReconciliationMatchItem(match=match, payment_id=p.id, amount=p.amount, is_active=active)
                  for p in decision.payments]
    ReconciliationMatchItem.objects.bulk_create(items, batch_size=2000)
    matched_lines = {line.id for d in decisions if d.status == MatchStatus.ACTIVE for line in d.lines}
    ambiguous_lines = {line.id for d in decisions if d.status == MatchStatus.PROPOSED
                       for line in d.lines} - matched_lines
    _update_lines(matched_lines, ReconciliationStatus.MATCHED)
    _update_lines(ambiguous_lines, ReconciliationStatus.AMBIGUOUS)
    for d in decisions:
        if d.status == MatchStatus.ACTIVE:
            result.matched[d.rule] += len(d.lines)
            result.payments_matched += len(d.payments)
    result.ambiguous += len(ambiguous_lines)
    if matches:
        audit_record(action="reconciliation.run", actor=actor, actor_label="" if actor else "finsync",
                     after={"at": now, "matched_lines": len(matched_lines), "ambiguous_lines": len(ambiguous_lines),
                            "matches": [m.pk for m in matches if m.status == MatchStatus.ACTIVE][:1000],
                            "proposed": sum(m.status == MatchStatus.PROPOSED for m in matches)})


def _one_item(decision: _Decision) -> bool:
    """A match by end-to-end id holds its line and its payment on one item (``ReconciliationMatchItem``), as the
    set-based engine writes it."""
    return (decision.rule == MatchRule.END_TO_END_ID and decision.status == MatchStatus.ACTIVE
            and len(decision.lines) == 1 and len(decision.payments) == 1)


def _update_lines(ids: set[int], status: str) -> None:
    ordered = sorted(ids)
    for start in range(0, len(ordered), 5000):
        StatementLine.objects.filter(id__in=ordered[start:start + 5000]).update(reconciliation_status=status)


# --- A person's decisions ------------------------------------------------------------------------------------

def _may_reconcile(actor, legal_entity_id: int) -> None:
    """Only roles that reconcile, and only in their own legal entities (another entity's match is "not found")."""
    if not can(actor, Capability.RECONCILE):
        raise PermissionDenied("Your role does not allow reconciling bank statements.")
    if legal_entity_id not in entity_ids(actor):
        raise DomainError("No such match.", code="not_found")


def reconciliation_undo(*, match: ReconciliationMatch, actor, reason: str,
                        ip_address: str | None = None) -> ReconciliationMatch:
    """Take a match apart: its lines are open again, its pairs are never matched automatically again."""
    _may_reconcile(actor, match.legal_entity_id)
    if not reason.strip():
        raise DomainError("Say why the match is undone.", code="reason_required")
    with transaction.atomic():
        match = ReconciliationMatch.objects.select_for_update().get(pk=match.pk)
        if match.status != MatchStatus.ACTIVE:
            raise DomainError(f"Match #{match.pk} is {match.get_status_display().lower()}, not an active match.",
                              code="not_active")
        line_ids = list(match.items.filter(statement_line__isnull=False).values_list("statement_line_id", flat=True))
        match.status, match.decided_at, match.decided_by, match.note = (MatchStatus.UNDONE, timezone.now(),
                                                                        actor, reason)
        match.save(update_fields=["status", "decided_at", "decided_by", "note"])
        match.items.update(is_active=False)
        StatementLine.objects.filter(id__in=line_ids).update(reconciliation_status=ReconciliationStatus.UNMATCHED)
        audit_record(action="reconciliation.undone", actor=actor, obj=match, legal_entity=match.legal_entity,
                     before={"status": MatchStatus.ACTIVE}, after={"status": MatchStatus.UNDONE, "lines": line_ids},
                     reason=reason, ip_address=ip_address)
    return match


def reconciliation_confirm(*, match: ReconciliationMatch, actor, note: str = "",
                           ip_address: str | None = None) -> ReconciliationMatch:
    """Accept a proposed candidate: it becomes the match; the other candidates of its lines are dismissed."""
    _may_reconcile(actor, match.legal_entity_id)
    with transaction.atomic():
        match = ReconciliationMatch.objects.select_for_update().get(pk=match.pk)
        if match.status != MatchStatus.PROPOSED:
            raise DomainError(f"Match #{match.pk} is {match.get_status_display().lower()}, not a candidate.",
                              code="not_proposed")
        line_ids = list(match.items.filter(statement_line__isnull=False).values_list("statement_line_id", flat=True))
        try:
            with transaction.atomic():
                match.items.update(is_active=True)
        except IntegrityError as error:
            raise DomainError("A line or payment of this candidate is already matched elsewhere; undo that match "
                              "first.", code="already_matched") from error
        now = timezone.now()
        match.status, match.decided_at, match.decided_by, match.note = MatchStatus.ACTIVE, now, actor, note
        match.save(update_fields=["status", "decided_at", "decided_by", "note"])
        others = ReconciliationMatch.objects.filter(status=MatchStatus.PROPOSED,
                                                    items__statement_line_id__in=line_ids).exclude(pk=match.pk)
        ReconciliationMatch.objects.filter(pk__in=list(others.values_list("pk", flat=True))).update(
            status=MatchStatus.DISMISSED, decided_at=now, decided_by=actor)
        StatementLine.objects.filter(id__in=line_ids).update(reconciliation_status=ReconciliationStatus.MATCHED)
        audit_record(action="reconciliation.confirmed", actor=actor, obj=match, legal_entity=match.legal_entity,
                     before={"status": MatchStatus.PROPOSED}, after={"status": MatchStatus.ACTIVE, "lines": line_ids},
                     reason=note, ip_address=ip_address)
    return match


def reconciliation_match_manual(*, line_ids: list[int], payment_ids: list[int], actor,
                                note: str = "", ip_address: str | None = None) -> ReconciliationMatch:
    """A person matches open statement lines of one account to open payments sent from it.

    The totals must be equal and in one currency; lines and payments already matched elsewhere are refused
    (the partial unique constraints decide, not a prior read). Other candidates of the lines are dismissed.
    """
    if not line_ids or not payment_ids:
        raise DomainError("Choose at least one statement line and one payment.", code="nothing_chosen")
    with transaction.atomic():
        lines = list(StatementLine.objects.select_for_update().filter(id__in=line_ids)
                     .select_related("statement").order_by("id"))
        if len(lines) != len(set(line_ids)):
            raise DomainError("No such statement line.", code="not_found")
        account_id, entity_id = lines[0].statement.bank_account_id, lines[0].statement.legal_entity_id
        _may_reconcile(actor, entity_id)
        payments = list(PaymentInstruction.objects.filter(
            id__in=payment_ids, legal_entity_id=entity_id).select_related("batch").order_by("id"))
        if len(payments) != len(set(payment_ids)):
            raise DomainError("No such payment.", code="not_found")
        problems = _manual_problems(lines, payments, account_id)
        if problems:
            raise DomainError("These cannot be matched: " + "; ".join(problems) + ".", code="not_matchable")
        currency = lines[0].currency
        line_total, payment_total = sum(line.amount for line in lines), sum(p.amount for p in payments)
        now = timezone.now()
        match = ReconciliationMatch.objects.create(
            legal_entity_id=entity_id, bank_account_id=account_id, rule=MatchRule.MANUAL, status=MatchStatus.ACTIVE,
            currency=currency, line_total=line_total, payment_total=payment_total, created_by=actor,
            decided_at=now, decided_by=actor, note=note,
            reason={"rule": MatchRule.MANUAL, "lines": [line.id for line in lines],
                    "payments": [p.id for p in payments],
                    "end_to_end_ids": [p.end_to_end_id for p in payments],
                    "amount": money_text(line_total, currency), "currency": currency,
                    "compared": ["bank_account", "currency", "total of the lines = total of the payments"],
                    "chosen_by": actor.get_username()})
        try:
            with transaction.atomic():
                ReconciliationMatchItem.objects.bulk_create(
                    [ReconciliationMatchItem(match=match, statement_line=line, amount=line.amount) for line in lines]
                    + [ReconciliationMatchItem(match=match, payment=p, amount=p.amount) for p in payments])
        except IntegrityError as error:
            raise DomainError("A line or payment is already matched elsewhere; undo that match first.",
                              code="already_matched") from error
        ReconciliationMatch.objects.filter(status=MatchStatus.PROPOSED, items__statement_line_id__in=line_ids).update(
            status=MatchStatus.DISMISSED, decided_at=now, decided_by=actor)
        StatementLine.objects.filter(id__in=line_ids).update(reconciliation_status=ReconciliationStatus.MATCHED)
        audit_record(action="reconciliation.matched_manually", actor=actor, obj=match, legal_entity=match.legal_entity,
                     after={"lines": [line.id for line in lines], "payments": [p.end_to_end_id for p in payments],
                            "total": line_total, "currency": currency}, reason=note, ip_address=ip_address)
    return match


def _manual_problems(lines: list[StatementLine], payments: list[PaymentInstruction], account_id: int) -> list[str]:
    problems = []
    if any(line.statement.bank_account_id != account_id for line in lines):
        problems.append("the lines are on different bank accounts")
    if any(line.reconciliation_status not in OPEN_LINE_STATUSES for line in lines):
        problems.append("a line is already matched or excluded")
    if any(p.status not in MATCHABLE_PAYMENT_STATUSES for p in payments):
        problems.append("a payment was not sent to the bank (or was rejected or cancelled)")
    if any(p.batch is None or p.batch.debtor_account_id != account_id for p in payments):
        problems.append("a payment was sent from another bank account")
    currencies = {line.currency for line in lines} | {p.currency for p in payments}
    if len(currencies) > 1:
        problems.append(f"they are in different currencies ({', '.join(sorted(currencies))})")
    elif not problems:
        line_total, payment_total = sum(line.amount for line in lines), sum(p.amount for p in payments)
        if line_total != payment_total:
            currency = currencies.pop()
            problems.append(f"the lines add up to {money_text(line_total, currency)} {currency} and the payments to "
                            f"{money_text(payment_total, currency)} {currency}")
    return problems


# --- Ageing -------------------------------------------------------------------------------------------------

def reconciliation_unmatched_check(*, now: datetime | None = None, older_than_days: int | None = None,
                                   limit: int = 1000) -> list[ExceptionCase]:
    """Open ``reconciliation.unmatched`` for each open line booked more than FINSYNC_RECON_UNMATCHED_DAYS
    (default 5) days ago, oldest first, at most ``limit`` per run; a line with an open case is skipped.

    The lines are read in pages by keyset (booking date, id); each page's cases are opened together with
    ``exceptions_open_many`` (one insert, one audit event per entity), not one by one.
    """
    now = now or timezone.now()
    days = unmatched_age_days() if older_than_days is None else older_than_days
    cutoff = now.date() - timedelta(days=days)
    rows = (_open_lines().filter(booking_date__lt=cutoff)
            .select_related("statement__bank_account__legal_entity").order_by("booking_date", "id"))
    cases: list[ExceptionCase] = []
    periods: dict[tuple, object] = {}
    after: tuple[date, int] | None = None
    while len(cases) < limit:
        page = rows if after is None else rows.filter(Q(booking_date__gt=after[0]) | Q(booking_date=after[0],
                                                                                        id__gt=after[1]))
        batch = list(page[:500])
        if not batch:
            break
        after = (batch[-1].booking_date, batch[-1].id)
        references = {f"statement_line:{line.pk}" for line in batch}
        open_refs = set(ExceptionCase.objects.filter(kind="reconciliation.unmatched", status__in=OPEN_STATUSES,
                                                     reference__in=references).values_list("reference", flat=True))
        wanted = []
        for line in batch:
            reference = f"statement_line:{line.pk}"
            if reference in open_refs:
                continue
            account = line.statement.bank_account
            key = (account.legal_entity_id, line.booking_date.year, line.booking_date.month)
            if key not in periods:
                periods[key] = period_for(account.legal_entity, line.booking_date)
            side = "incoming" if line.credit_debit == CreditDebit.CREDIT else "outgoing"
            wanted.append({
                "subject": reference, "reference": reference,
                "message": f"The {side} {money_text(line.amount, line.currency)} {line.currency} booked on "
                           f"{line.booking_date} on {account} "
                           f"({line.counterparty_name or line.counterparty_account or 'no counterparty'}) has "
                           f"matched nothing for more than {days} days.",
                "details": jsonable({"statement_line": line.pk, "statement": line.statement_id,
                                     "amount": line.amount, "currency": line.currency,
                                     "booking_date": line.booking_date, "credit_debit": line.credit_debit,
                                     "status": line.reconciliation_status, "end_to_end_id": line.end_to_end_id}),
                "legal_entity_id": account.legal_entity_id, "bank_account_id": account.pk,
                "period_id": getattr(periods[key], "pk", None)})
            if len(cases) + len(wanted) >= limit:
                break
        cases += exceptions_open_many(kind="reconciliation.unmatched", cause="statement line unmatched",
                                      cases=wanted)
    return cases
