"""The reconciliation rules as set operations on PostgreSQL (the chunked engine in ``reconciliation.py`` is the
SQLite fallback and the reference for what each rule means; both give the same decisions and reasons).

One run, in order:

1. ``end_to_end_id``: one join of the open debit lines to the payments by end-to-end id. The unambiguous pairs
   (the id on one open line only) are written with INSERT … SELECT — matches with their ``reason`` built in SQL,
   their items, and the lines' new status — in one transaction, with no row passing through Python. Lines whose
   id is on several open lines become proposals. A large run splits the ids by hash into parts (one per core),
   each written by its own connection and transaction at the same time (``run_rule_one``).
2. What is left is copied into two small temporary tables: open debit lines (``recon_lines``) and open,
   unheld payments of their accounts (``recon_payments``). Every later rule works on those.
3. ``amount_date_counterparty``: candidate pairs by one join (account, currency, amount, date window; undone
   pairs excluded). The counterparty score needs the fuzzy name ratio (rapidfuzz, as the chunked engine), so the
   pairs stream through Python once and their scores are COPYed back; "the best candidate of the line is the
   line's only best, and the line is the payment's only best" is then two window functions.
4. ``batch_total``: open payments grouped by batch (sum, count, date span) joined to the lines by total.
5. ``split_debit``: the lines of one counterparty ranked by date (at most ``MAX_SPLIT_GROUP``), their pairs and
   triples within the window summed by self-joins and joined to the payments by amount; each candidate's lines
   are then checked for the counterparty, and payments take their combinations in the fixed payment order.

Rules 2–5 only decide in the database; their decisions (bounded by the lines left after rule 1) are written at
the end with COPY. Work grows with the lines, not with lines × payments: every join is on an equality key.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.banking.choices import CreditDebit, EntryStatus, ReconciliationStatus, StatementKind
from apps.banking.models import BankStatement, StatementLine
from apps.common.money import _MINOR_UNITS_EXCEPTIONS

from .choices import PaymentStatus
from .models import (
    MatchRule,
    MatchStatus,
    PaymentBatch,
    PaymentInstruction,
    ReconciliationMatch,
    ReconciliationMatchItem,
)

OPEN_LINE_STATUSES = (ReconciliationStatus.UNMATCHED, ReconciliationStatus.AMBIGUOUS)
MATCHABLE_PAYMENT_STATUSES = (PaymentStatus.SENT, PaymentStatus.ACCEPTED, PaymentStatus.SETTLED)
# Two runs at once (the beat schedule and a person's "run now") take turns, transaction by transaction: the
# second then sees what the first matched instead of failing on the "held once" unique indexes.
RUN_LOCK_KEY = 727_101  # arbitrary, constant advisory-lock id

TABLES = {"line": StatementLine._meta.db_table, "statement": BankStatement._meta.db_table,
          "payment": PaymentInstruction._meta.db_table, "batch": PaymentBatch._meta.db_table,
          "item": ReconciliationMatchItem._meta.db_table, "match": ReconciliationMatch._meta.db_table}


def _money_sql(amount: str, currency: str) -> str:
    """``money_text`` in SQL: the currency's decimals, more only when the amount has more."""
    places = " ".join(f"WHEN '{code}' THEN {n}" for code, n in sorted(_MINOR_UNITS_EXCEPTIONS.items()))
    digits = f"(CASE {currency} {places} ELSE 2 END)"
    return (f"(CASE WHEN {amount} = round({amount}, {digits}) THEN round({amount}, {digits})::text "
            f"ELSE trim_scale({amount})::text END)")


def _normal_sql(value: str) -> str:
    """``_normal`` in SQL: lower case, every run of other characters than a-z and 0-9 one space, trimmed.

    Most names are words of a-z and 0-9 with single spaces once in lower case: they are their own normal form, and
    an anchored match tells so at a third of the cost of the replacement (a million names per run)."""
    words = f"btrim(regexp_replace(lower({value}), '[^0-9a-z]+', ' ', 'g'), ' ')"
    return (f"(CASE WHEN {value} = '' THEN '' WHEN lower({value}) ~ '^[0-9a-z]+( [0-9a-z]+)*$' THEN lower({value}) "
            f"ELSE {words} END)")


# What Python's str.split() splits on, so that ``_compact_sql`` removes exactly what ``_compact`` does
# (translate is a character map: several times cheaper than a regular expression on a million rows).
WHITE_SPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


def _compact_sql(value: str) -> str:
    """``_compact`` in SQL: no white space, upper case (an account already written so is returned as it is)."""
    return f"(CASE WHEN {value} ~ '^[0-9A-Z]*$' THEN {value} ELSE upper(translate({value}, %(spaces)s, '')) END)"


def rule_params(window: int) -> dict:
    return {"booked": str(StatementKind.BOOKED), "book": str(EntryStatus.BOOKED), "debit": str(CreditDebit.DEBIT),
            "credit": str(CreditDebit.CREDIT), "open": [str(v) for v in OPEN_LINE_STATUSES],
            "matchable": [str(v) for v in MATCHABLE_PAYMENT_STATUSES],
            "closed": [str(MatchStatus.UNDONE), str(MatchStatus.DISMISSED)], "window": window,
            "rule1": str(MatchRule.END_TO_END_ID), "active": str(MatchStatus.ACTIVE),
            "matched": str(ReconciliationStatus.MATCHED), "spaces": WHITE_SPACE}


def scope(params: dict, bank_account, legal_entity) -> tuple[str, str]:
    """(the condition on ``s`` that picks the lines to decide on, the one that picks the accounts they compete
    on). Lines of other entities on the same account still compete, as in the chunked engine."""
    lines, accounts = "TRUE", "TRUE"
    if bank_account is not None:
        params["account"] = bank_account.pk
        lines = accounts = "s.bank_account_id = %(account)s"
    if legal_entity is not None:
        params["entity"] = legal_entity.pk
        lines += " AND s.legal_entity_id = %(entity)s"
        accounts += (f" AND s.bank_account_id IN (SELECT bank_account_id FROM {TABLES['statement']} "
                     "WHERE legal_entity_id = %(entity)s)")
    return lines, accounts


_OPEN_LINE_WHERE = """s.kind = %(booked)s AND l.status = %(book)s AND NOT l.reversal
    AND l.reconciliation_status = ANY(%(open)s)"""

# Rule 1's pairs; those whose id is on one open line only draw their match id now (the others become proposals).
_E2E_PAIRS = """
CREATE TEMP TABLE recon_e2e AS
WITH open_lines AS MATERIALIZED (
    SELECT l.id, l.end_to_end_id, l.amount, l.currency, COALESCE(l.booking_date, l.value_date, s.to_date) AS day,
           l.counterparty_name, l.counterparty_account, s.bank_account_id, s.legal_entity_id, ({lines}) AS in_scope,
           count(*) OVER (PARTITION BY l.end_to_end_id) AS same_id
    FROM {line} l JOIN {statement} s ON s.id = l.statement_id
    WHERE {open_where} AND l.credit_debit = %(debit)s AND l.end_to_end_id <> '' AND ({accounts})
      AND {part_of_line}
), blocked AS MATERIALIZED (
    SELECT li.statement_line_id AS line_id, pi.payment_id
    FROM {match} m JOIN {item} li ON li.match_id = m.id AND li.statement_line_id IS NOT NULL
    JOIN {item} pi ON pi.match_id = m.id AND pi.payment_id IS NOT NULL
    WHERE m.status = ANY(%(closed)s)
)
SELECT CASE WHEN l.same_id = 1 THEN nextval(pg_get_serial_sequence('{match}', 'id')) END AS match_id,
       l.id AS line_id, p.id AS payment_id, l.amount, p.amount AS payment_amount, l.currency, l.bank_account_id,
       l.legal_entity_id, l.day, l.counterparty_name, l.counterparty_account, p.end_to_end_id, p.requested_date,
       p.creditor_name, p.creditor_iban, p.creditor_account_number
FROM open_lines l
JOIN {payment} p ON p.end_to_end_id = l.end_to_end_id
JOIN {batch} b ON b.id = p.batch_id
WHERE l.in_scope AND p.status = ANY(%(matchable)s) AND b.debtor_account_id = l.bank_account_id
  AND p.currency = l.currency AND p.amount = l.amount AND {part_of_payment}
  AND NOT EXISTS (SELECT 1 FROM {item} h WHERE h.payment_id = p.id AND h.is_active)
  AND NOT EXISTS (SELECT 1 FROM blocked x WHERE x.line_id = l.id AND x.payment_id = p.id)
"""

_E2E_REASON = """jsonb_build_object(
    'rule', %(rule1)s::text, 'compared', jsonb_build_array('end_to_end_id', 'bank_account', 'currency', 'amount'),
    'line', line_id, 'payment', payment_id, 'end_to_end_id', end_to_end_id, 'amount', {money},
    'currency', currency, 'booking_date', COALESCE(day::text, 'None'), 'requested_date', requested_date::text,
    'line_counterparty', COALESCE(NULLIF({line_name}, ''), NULLIF({line_account}, '')), 'creditor', {creditor},
    'creditor_account', COALESCE(NULLIF({iban}, ''), NULLIF({number}, '')))"""

# The unambiguous pairs (those with a match id) written: matches, their one item each, the lines' status.
_E2E_WRITE = [
    ("matches", """INSERT INTO {match} (id, legal_entity_id, bank_account_id, rule, status, reason, currency,
                                        line_total, payment_total, created_at, created_by_id, note)
       SELECT match_id, legal_entity_id, bank_account_id, %(rule1)s, %(active)s, {reason}, currency, amount,
              payment_amount, %(now)s, %(actor)s, '' FROM recon_e2e WHERE match_id IS NOT NULL"""),
    # One item holds both sides (same amount): one row, four index entries and one foreign-key check less per pair.
    ("items", """INSERT INTO {item} (match_id, statement_line_id, payment_id, amount, is_active)
       SELECT match_id, line_id, payment_id, amount, TRUE FROM recon_e2e WHERE match_id IS NOT NULL"""),
    ("lines", """UPDATE {line} l SET reconciliation_status = %(matched)s FROM recon_e2e e
                 WHERE l.id = e.line_id AND e.match_id IS NOT NULL"""),
]


def lock_run(cursor) -> None:
    """Wait for another run's transaction to end (see RUN_LOCK_KEY); released at commit or rollback."""
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RUN_LOCK_KEY])


def sql(template: str) -> str:
    return template.format(**TABLES)


def _part_of(column: str, part: int, parts: int) -> str:
    """The condition that puts an end-to-end id in one of ``parts`` disjoint parts (every line and payment of one
    id falls in the same part: hashtext is deterministic)."""
    if parts <= 1:
        return "TRUE"
    return f"(hashtext({column}) & 2147483647) %% {int(parts)} = {int(part)}"


def run_rule_one(result, *, params: dict, lines: str, accounts: str, actor, parts: int = 1) -> list[tuple[int, int]]:
    """Rule 1. Returns the (line, payment) pairs whose id is on several open lines.

    With ``parts`` > 1 the end-to-end ids are split by hash into disjoint parts, each written by its own database
    connection and transaction at the same time (one core each; ``reconciliation_parts``). Parts cannot meet: a
    line and its payment share their id, so the same part; an id on several open lines is ambiguous in that part
    and written by nobody. The run's lock is held, in this connection, until every part has committed, so another
    run still waits for all of them. Each part is atomic on its own; if one fails, those that committed stay (the
    run is idempotent: running it again matches what is left) and the error is raised."""
    now = timezone.now()
    if parts <= 1:
        with timed(result, "end_to_end_id.commit_and_all"):
            matched, ambiguous = _rule_one_part(result, params=params, lines=lines, accounts=accounts, actor=actor,
                                                now=now, lock=True)
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            lock_run(cursor)
            with ThreadPoolExecutor(max_workers=parts, thread_name_prefix="recon-e2e") as pool:
                futures = [pool.submit(_rule_one_in_thread, result, params=params, lines=lines, accounts=accounts,
                                       actor=actor, now=now, part=part, parts=parts) for part in range(parts)]
                outcomes = [future.result() for future in futures]
        matched = sum(n for n, _ in outcomes)
        ambiguous = sorted((pair for _, pairs in outcomes for pair in pairs), key=lambda pair: (pair[1], pair[0]))
    if matched:
        result.matched[MatchRule.END_TO_END_ID] += matched
        result.payments_matched += matched
    return ambiguous


def _rule_one_in_thread(result, *, part: int, parts: int, **kwargs) -> tuple[int, list[tuple[int, int]]]:
    """One part of rule 1 on this thread's own database connection (closed at the end)."""
    try:
        with timed(result, f"end_to_end_id[{part}].commit_and_all"):
            return _rule_one_part(result, part=part, parts=parts, lock=False, **kwargs)
    finally:
        connection.close()


def _rule_one_part(result, *, params: dict, lines: str, accounts: str, actor, now, lock: bool, part: int = 0,
                   parts: int = 1) -> tuple[int, list[tuple[int, int]]]:
    """Rule 1 for one part of the end-to-end ids in one transaction: (pairs matched, ambiguous pairs)."""
    query = _E2E_PAIRS.format(open_where=_OPEN_LINE_WHERE, lines=lines, accounts=accounts,
                              part_of_line=_part_of("l.end_to_end_id", part, parts),
                              part_of_payment=_part_of("p.end_to_end_id", part, parts), **TABLES)
    reason = _E2E_REASON.format(
        money=_money_sql("amount", "currency"), line_name=_normal_sql("counterparty_name"),
        line_account=_compact_sql("counterparty_account"), creditor=_normal_sql("creditor_name"),
        iban=_compact_sql("creditor_iban"), number=_compact_sql("creditor_account_number"))
    phase = "end_to_end_id" if parts <= 1 else f"end_to_end_id[{part}]"
    with transaction.atomic(), connection.cursor() as cursor:
        # Large sets joined on equality keys: hash joins; the run is idempotent, so its commit need not wait for
        # the WAL flush (after a crash, running it again redoes what was lost).
        if lock:
            lock_run(cursor)
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("DROP TABLE IF EXISTS recon_e2e")
        with timed(result, f"{phase}.pairs"):
            cursor.execute(query, params)
        for name, statement in _E2E_WRITE:
            with timed(result, f"{phase}.{name}"):
                cursor.execute(statement.format(reason=reason, **TABLES),
                               {**params, "now": now, "actor": getattr(actor, "pk", None)})
        cursor.execute("SELECT count(*), (array_agg(line_id ORDER BY line_id))[1:1000] FROM recon_e2e "
                       "WHERE match_id IS NOT NULL")
        matched, first_lines = cursor.fetchone()
        cursor.execute("SELECT line_id, payment_id FROM recon_e2e WHERE match_id IS NULL ORDER BY payment_id, line_id")
        ambiguous = cursor.fetchall()
        cursor.execute("DROP TABLE recon_e2e")
        # The foreign-key checks of every row written (deferred: they would run at COMMIT) run now, so that the
        # audit record below, which takes the audit chain's lock until commit, holds it for a moment only: the
        # parts of a run do not wait for each other's checks.
        with timed(result, f"{phase}.checks"):
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if matched:
            after = {"at": now, "matched_lines": matched, "rule": MatchRule.END_TO_END_ID, "bulk": True,
                     "lines": first_lines}
            if parts > 1:
                after["part"] = f"{part + 1} of {parts}"
            audit_record(action="reconciliation.run", actor=actor, actor_label="" if actor else "finsync", after=after)
    return matched, ambiguous


# --- What is left after rule 1 ----------------------------------------------------------------------------------

_REST = [
    """CREATE TEMP TABLE recon_lines AS
       SELECT l.id, l.amount, l.currency, COALESCE(l.booking_date, l.value_date, s.to_date) AS day,
              s.bank_account_id, ({lines}) AS in_scope,
              COALESCE(NULLIF({account}, ''), {name}) AS who, FALSE AS taken, FALSE AS proposed
       FROM {line} l JOIN {statement} s ON s.id = l.statement_id
       WHERE {open_where} AND l.credit_debit = %(debit)s AND ({accounts})""",
    """CREATE TEMP TABLE recon_payments AS
       SELECT p.id, p.amount, p.currency, p.requested_date AS day, p.end_to_end_id, p.batch_id,
              b.debtor_account_id AS bank_account_id, FALSE AS taken
       FROM {payment} p JOIN {batch} b ON b.id = p.batch_id
       WHERE p.status = ANY(%(matchable)s)
         AND b.debtor_account_id IN (SELECT DISTINCT bank_account_id FROM recon_lines)
         AND NOT EXISTS (SELECT 1 FROM {item} h WHERE h.payment_id = p.id AND h.is_active)""",
    """CREATE TEMP TABLE recon_blocked AS
       SELECT DISTINCT li.statement_line_id AS line_id, pi.payment_id
       FROM {match} m JOIN {item} li ON li.match_id = m.id AND li.statement_line_id IS NOT NULL
       JOIN {item} pi ON pi.match_id = m.id AND pi.payment_id IS NOT NULL
       WHERE m.status = ANY(%(closed)s) AND li.statement_line_id IN (SELECT id FROM recon_lines)""",
    "CREATE INDEX ON recon_lines (id)",
    "CREATE INDEX ON recon_payments (id)",
    "CREATE INDEX ON recon_payments (batch_id)",
    "ANALYZE recon_lines",
    "ANALYZE recon_payments",
    "ANALYZE recon_blocked",
]


def create_rest(cursor, *, params: dict, lines: str, accounts: str) -> None:
    cursor.execute("DROP TABLE IF EXISTS recon_lines, recon_payments, recon_blocked, recon_scores")
    for statement in _REST:
        cursor.execute(statement.format(open_where=_OPEN_LINE_WHERE, lines=lines, accounts=accounts,
                                        account=_compact_sql("l.counterparty_account"),
                                        name=_normal_sql("l.counterparty_name"), **TABLES), params)


def drop_rest(cursor) -> None:
    cursor.execute("DROP TABLE IF EXISTS recon_lines, recon_payments, recon_blocked, recon_scores")


def mark(cursor, *, taken_lines=(), proposed_lines=(), taken_payments=()) -> None:
    """Record a rule's decisions in the working tables, so the next rule sees only what is left."""
    if taken_lines:
        cursor.execute("UPDATE recon_lines SET taken = TRUE WHERE id = ANY(%s)", [sorted(taken_lines)])
    if proposed_lines:
        cursor.execute("UPDATE recon_lines SET proposed = TRUE WHERE id = ANY(%s)", [sorted(proposed_lines)])
    if taken_payments:
        cursor.execute("UPDATE recon_payments SET taken = TRUE WHERE id = ANY(%s)", [sorted(taken_payments)])


# Rule 2: every (line, payment) pair that fits on account, currency, amount and date window. Every open debit line
# competes for the payments (the payment's best line must be this one), decisions are made for in-scope lines.
RULE_TWO_PAIRS = """
SELECT l.id, p.id FROM recon_lines l
JOIN recon_payments p ON p.bank_account_id = l.bank_account_id AND p.currency = l.currency AND p.amount = l.amount
WHERE NOT l.taken AND NOT p.taken AND l.day BETWEEN p.day - 1 AND p.day + %(window)s
  AND NOT EXISTS (SELECT 1 FROM recon_blocked x WHERE x.line_id = l.id AND x.payment_id = p.id)
"""

# With the scores back: the line's best payments, the payment's best lines, and the verdict, in window functions.
RULE_TWO_DECISIONS = """
WITH scored AS (
    SELECT s.line_id, s.payment_id, s.score, l.in_scope,
           max(s.score) OVER (PARTITION BY s.line_id) AS line_top,
           max(s.score) OVER (PARTITION BY s.payment_id) AS payment_top
    FROM recon_scores s JOIN recon_lines l ON l.id = s.line_id
), counted AS (
    SELECT *, count(*) FILTER (WHERE score = line_top) OVER (PARTITION BY line_id) AS line_best,
              count(*) FILTER (WHERE score = payment_top) OVER (PARTITION BY payment_id) AS payment_best
    FROM scored
)
SELECT line_id, payment_id, score, line_best,
       line_best = 1 AND score >= 1 AND score = payment_top AND payment_best = 1 AS unique_pair
FROM counted
WHERE in_scope AND score = line_top
ORDER BY line_id, payment_id
"""

# Rule 3: the open payments of a batch summed, joined to the lines by total; every payment within the window.
RULE_THREE_CANDIDATES = """
WITH totals AS (
    SELECT batch_id, min(bank_account_id) AS bank_account_id, min(currency) AS currency, sum(amount) AS total,
           min(day) AS first_day, max(day) AS last_day
    FROM recon_payments WHERE NOT taken
    GROUP BY batch_id HAVING count(*) >= 2 AND count(DISTINCT currency) = 1
)
SELECT l.id, t.batch_id,
       EXISTS (SELECT 1 FROM recon_lines o WHERE o.id <> l.id AND NOT o.taken AND o.amount = l.amount
               AND o.bank_account_id = l.bank_account_id AND o.currency = l.currency
               AND o.day BETWEEN t.last_day - 1 AND t.first_day + %(window)s) AS rivals
FROM recon_lines l
JOIN totals t ON t.bank_account_id = l.bank_account_id AND t.currency = l.currency AND t.total = l.amount
WHERE l.in_scope AND NOT l.taken AND NOT l.proposed AND l.day BETWEEN t.last_day - 1 AND t.first_day + %(window)s
  AND NOT EXISTS (SELECT 1 FROM recon_blocked x JOIN recon_payments p ON p.id = x.payment_id
                  WHERE x.line_id = l.id AND p.batch_id = t.batch_id AND NOT p.taken)
ORDER BY l.id, t.batch_id
"""

# Rule 4: lines of one counterparty (at most %(group)s per account, currency and counterparty, by date), their
# pairs and triples within the window, joined to the payments by sum.
RULE_FOUR_CANDIDATES = """
WITH ranked AS (
    SELECT id, amount, currency, day, bank_account_id, who,
           row_number() OVER (PARTITION BY bank_account_id, currency, who ORDER BY day, id) AS rn
    FROM recon_lines
    WHERE in_scope AND NOT taken AND NOT proposed AND who <> '' AND day IS NOT NULL
), kept AS (SELECT * FROM ranked WHERE rn <= %(group)s),
combinations AS (
    SELECT ARRAY[a.id, b.id] AS ids, a.amount + b.amount AS total, a.bank_account_id, a.currency,
           a.day AS first_day, b.day AS last_day
    FROM kept a JOIN kept b ON b.bank_account_id = a.bank_account_id AND b.currency = a.currency AND b.who = a.who
                            AND b.rn > a.rn
    WHERE b.day - a.day <= %(window)s
    UNION ALL
    SELECT ARRAY[a.id, b.id, c.id], a.amount + b.amount + c.amount, a.bank_account_id, a.currency, a.day, c.day
    FROM kept a JOIN kept b ON b.bank_account_id = a.bank_account_id AND b.currency = a.currency AND b.who = a.who
                            AND b.rn > a.rn
                JOIN kept c ON c.bank_account_id = a.bank_account_id AND c.currency = a.currency AND c.who = a.who
                            AND c.rn > b.rn
    WHERE c.day - a.day <= %(window)s
)
SELECT c.ids, p.id
FROM combinations c
JOIN recon_payments p ON p.bank_account_id = c.bank_account_id AND p.currency = c.currency AND p.amount = c.total
WHERE NOT p.taken AND c.first_day >= p.day - 1 AND c.last_day <= p.day + %(window)s
  AND NOT EXISTS (SELECT 1 FROM recon_blocked x WHERE x.payment_id = p.id AND x.line_id = ANY(c.ids))
"""

# Debit lines of the scope that no rule matched or proposed (%s: the lines of every decision after rule 1).
UNMATCHED = "SELECT count(*) FROM recon_lines WHERE in_scope AND NOT taken AND NOT (id = ANY(%s))"

COUNT_OPEN = """SELECT count(*), count(*) FILTER (WHERE l.credit_debit = %(credit)s)
FROM {{line}} l JOIN {{statement}} s ON s.id = l.statement_id
WHERE """ + _OPEN_LINE_WHERE + " AND {lines}"


def copy_scores(cursor, scores: list[tuple[int, int, int]]) -> None:
    cursor.execute("CREATE TEMP TABLE recon_scores (line_id bigint, payment_id bigint, score int)")
    with cursor.connection.cursor() as raw, raw.copy("COPY recon_scores (line_id, payment_id, score) "
                                                       "FROM STDIN") as copy:
        for row in scores:
            copy.write_row(row)
    cursor.execute("ANALYZE recon_scores")


def copy_decisions(cursor, rows: list[tuple], items: list[tuple]) -> None:
    """``rows``: (id, entity, account, rule, status, reason, currency, line total, payment total, at, by);
    ``items``: (match, line, payment, amount, active)."""
    raw = cursor.connection
    with raw.cursor() as writer:
        with writer.copy(f"COPY {TABLES['match']} (id, legal_entity_id, bank_account_id, rule, status, reason, "
                         "currency, line_total, payment_total, created_at, created_by_id, note) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row[:5], json.dumps(row[5]), *row[6:], ""))
        with writer.copy(f"COPY {TABLES['item']} (match_id, statement_line_id, payment_id, amount, is_active) "
                         "FROM STDIN") as copy:
            for item in items:
                copy.write_row(item)


def new_match_ids(cursor, n: int) -> list[int]:
    if not n:
        return []
    cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{TABLES['match']}', 'id')) FROM generate_series(1, %s)",
                   [n])
    return [row[0] for row in cursor.fetchall()]


def proposed_sets(cursor, line_ids: list[int]) -> set[tuple[int, frozenset]]:
    """(line, its payments) of every candidate already proposed for these lines."""
    if not line_ids:
        return set()
    cursor.execute(f"""
        SELECT li.statement_line_id, array_agg(pi.payment_id)
        FROM {TABLES['match']} m JOIN {TABLES['item']} li ON li.match_id = m.id AND li.statement_line_id = ANY(%s)
        JOIN {TABLES['item']} pi ON pi.match_id = m.id AND pi.payment_id IS NOT NULL
        WHERE m.status = %s GROUP BY m.id, li.statement_line_id""", [line_ids, str(MatchStatus.PROPOSED)])
    return {(line_id, frozenset(payments)) for line_id, payments in cursor.fetchall()}


def set_line_status(cursor, ids, status: str) -> None:
    if ids:
        cursor.execute(f"UPDATE {TABLES['line']} SET reconciliation_status = %s WHERE id = ANY(%s)",
                       [status, sorted(ids)])


def timed(result, phase: str):
    """Adds the seconds of a ``with`` block to ``result.phase_seconds[phase]``."""
    return _Timer(result, phase)


class _Timer:
    def __init__(self, result, phase: str):
        self.result, self.phase = result, phase

    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.result.phase_seconds[self.phase] = (self.result.phase_seconds.get(self.phase, 0.0)
                                                 + time.perf_counter() - self.started)
        return False


def group_pairs(rows) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = defaultdict(list)
    for key, value in rows:
        grouped[key].append(value)
    return grouped
