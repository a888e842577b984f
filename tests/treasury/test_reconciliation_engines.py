"""The set-based engine (PostgreSQL) decides exactly as the chunked engine (the SQLite fallback) does.

Random worlds where every rule has work, ties and misses: end-to-end ids (some on two lines), equal amounts for
several creditors, names written differently, lines outside the date window, a batch booked as one sum, payments
split over two lines. Both engines run on the same rows; their matches (rule, status, lines, payments and the
whole ``reason``), the lines' statuses and the run's counts must be equal.
"""

from __future__ import annotations

import random
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from apps.banking.models import BankStatement, StatementFile, StatementLine
from apps.treasury.models import PaymentBatch, PaymentInstruction, ReconciliationMatch, ReconciliationMatchItem
from apps.treasury.reconciliation import RunResult, _run_chunked, reconciliation_run

from .factories import creditor_iban

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based engine is PostgreSQL's")

CREDITORS = [("Acme Industrial GmbH", "ACME INDUSTRIAL"), ("Brandt Logistik AG", "BRANDT LOGISTIK AG"),
             ("Cordes Software GmbH", "Cordes Software"), ("Dietz Bürobedarf KG", "DIETZ BUROBEDARF")]
AMOUNTS = ["100.00", "150.00", "250.00", "400.00", "600.00", "1000.00", "72.50"]
START = date(2026, 11, 2)


def _spaced(iban: str) -> str:
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4)).lower() + "\u00a0"


def _world(entity, account, seed: int) -> None:
    rng = random.Random(seed)
    source = StatementFile.objects.create(sha256=f"{seed:064d}", filename="w", size=0, format="camt.053",
                                          channel="command")
    lines: list[tuple] = []  # (amount, day, e2e, name, iban, credit_debit, text)
    n = 0
    for b in range(4):
        day = START + timedelta(days=3 * b)
        batch = PaymentBatch.objects.create(legal_entity=entity, reference=f"W{seed}-B{b}", debtor_account=account,
                                            requested_execution_date=day, currency="EUR", status="sent")
        as_one_sum = b == 3
        total = Decimal(0)
        for _ in range(rng.randint(3, 8)):
            n += 1
            who = rng.randrange(len(CREDITORS))
            amount = Decimal(rng.choice(AMOUNTS))
            total += amount
            e2e = f"W{seed}-E{n}"
            PaymentInstruction.objects.create(
                legal_entity=entity, batch=batch, end_to_end_id=e2e, instruction_id=e2e, idempotency_key=e2e,
                amount=amount, currency="EUR", creditor_name=CREDITORS[who][0], creditor_iban=creditor_iban(who),
                requested_date=day, status="sent")
            if as_one_sum:
                continue
            booked = day + timedelta(days=rng.choice([-2, -1, 0, 0, 1, 2, 3, 4]))
            kind = rng.random()
            if kind < 0.35:  # the reason of rule 1 is built in SQL: names and accounts written untidily
                name, iban = rng.choice([("", ""), (f" {CREDITORS[who][1]}\t", ""), ("", _spaced(creditor_iban(who))),
                                         ("Ünïcode & Co. — KG", "")])
                lines.append((amount, booked, e2e, name, iban, "DBIT", ""))
                if rng.random() < 0.15:  # booked twice
                    lines.append((amount, booked, e2e, "", "", "DBIT", ""))
            elif kind < 0.6:
                lines.append((amount, booked, "", CREDITORS[who][1], "", "DBIT", ""))
            elif kind < 0.72:
                lines.append((amount, booked, "", "", _spaced(creditor_iban(who)), "DBIT", ""))
            elif kind < 0.8:
                lines.append((amount, booked, "", "", "", "DBIT", ""))
            elif kind < 0.92:
                part = (amount * Decimal(rng.choice(["0.25", "0.4", "0.5"]))).quantize(Decimal("0.01"))
                for piece in (part, amount - part):
                    lines.append((piece, booked, "", "", creditor_iban(who), "DBIT", ""))
        if as_one_sum:
            text = f"SEPA batch W{seed}-B{b}" if seed % 2 else "batch booking"
            lines.append((total, day + timedelta(days=1), "", "", "", "DBIT", text))
    for _ in range(4):  # noise: money in, and debits nobody sent
        lines.append((Decimal(rng.choice(AMOUNTS)), START + timedelta(days=rng.randint(0, 12)), "", "Customer AG", "",
                      rng.choice(["CRDT", "DBIT"]), ""))
    rng.shuffle(lines)
    statement = BankStatement.objects.create(bank_account=account, legal_entity=entity, source_file=source,
                                             kind="booked", format="camt.053", statement_id=f"W{seed}", currency="EUR",
                                             from_date=START, to_date=START + timedelta(days=14))
    StatementLine.objects.bulk_create([StatementLine(
        statement=statement, line_no=no, amount=amount, currency="EUR", credit_debit=side, status="BOOK",
        booking_date=booked, value_date=booked, end_to_end_id=e2e, counterparty_name=name,
        counterparty_account=iban, remittance_info=text) for no, (amount, booked, e2e, name, iban, side, text)
        in enumerate(lines, start=1)])


def _outcome(result: RunResult) -> tuple:
    matches = []
    for match in ReconciliationMatch.objects.prefetch_related("items"):
        items = list(match.items.all())
        matches.append((match.rule, match.status, sorted(i.statement_line_id for i in items if i.statement_line_id),
                        sorted(i.payment_id for i in items if i.payment_id), match.reason, match.line_total,
                        match.payment_total, sorted(i.is_active for i in items)))
    statuses = dict(StatementLine.objects.values_list("id", "reconciliation_status"))
    counts = (result.lines_examined, dict(result.matched), result.payments_matched, result.ambiguous,
              result.unmatched, result.credits_without_source)
    return sorted(matches, key=repr), statuses, counts


def _forget_matches() -> None:
    ReconciliationMatchItem.objects.all().delete()
    ReconciliationMatch.objects.all().delete()
    StatementLine.objects.update(reconciliation_status="unmatched")


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_set_based_and_chunked_engines_decide_the_same(entity_de, account, seed):
    _world(entity_de, account, seed)

    set_based = _outcome(reconciliation_run())
    _forget_matches()
    chunked = RunResult()
    _run_chunked(chunked, bank_account=None, legal_entity=None, actor=None, window=3, chunk_size=10_000)

    assert set_based[0], "the world gave the rules nothing to match"
    assert set_based == _outcome(chunked)


def test_a_second_run_changes_nothing(entity_de, account):
    _world(entity_de, account, 3)
    reconciliation_run()
    before = _outcome(RunResult())[:2]

    again = reconciliation_run()

    assert _outcome(RunResult())[:2] == before
    assert (dict(again.matched), again.payments_matched) == ({}, 0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("parts", [1, 2], ids=["one transaction", "parallel parts"])
def test_two_runs_at_once_take_turns_and_match_each_line_once(entity_de, account, parts, monkeypatch, settings):
    from apps.treasury import reconciliation

    if parts > 1:  # rule 1 through several connections, as a large run writes it
        monkeypatch.setattr(reconciliation, "PARALLEL_MIN_LINES", 1)
        settings.FINSYNC_RECON_PARTS = parts
    _world(entity_de, account, 5)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            reconciliation_run()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    held = ReconciliationMatchItem.objects.filter(is_active=True, statement_line__isnull=False)
    assert errors == []
    assert held.count() == held.values("statement_line").distinct().count() > 0
    assert StatementLine.objects.filter(reconciliation_status="matched").count() == held.count()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seed", [2, 5])
def test_rule_one_in_parallel_parts_decides_as_one_transaction_and_as_the_chunked_engine(entity_de, account, seed,
                                                                                        monkeypatch, settings):
    """A large run writes rule 1 through several connections at once (ids split by hash): same decisions."""
    from apps.audit.models import AuditEvent
    from apps.treasury import reconciliation

    _world(entity_de, account, seed)
    one = reconciliation_run()
    assert not any("[" in phase for phase in one.phase_seconds), "a small run is one transaction"
    in_one = _outcome(one)
    _forget_matches()

    monkeypatch.setattr(reconciliation, "PARALLEL_MIN_LINES", 1)
    settings.FINSYNC_RECON_PARTS = 3
    parted = reconciliation_run()
    assert {f"end_to_end_id[{k}].commit_and_all" for k in range(3)} <= set(parted.phase_seconds)
    assert parted.matched["end_to_end_id"] > 0
    assert _outcome(parted) == in_one
    parts = [e.after.get("part") for e in AuditEvent.objects.filter(action="reconciliation.run")
             if e.after.get("bulk") and "part" in e.after]
    assert parts
    assert set(parts) <= {"1 of 3", "2 of 3", "3 of 3"}
    _forget_matches()

    chunked = RunResult()
    _run_chunked(chunked, bank_account=None, legal_entity=None, actor=None, window=3, chunk_size=10_000)
    assert _outcome(chunked) == in_one
