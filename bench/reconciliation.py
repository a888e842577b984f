"""Reconciliation at scale: N statement lines against N open payment instructions (PostgreSQL).

    DATABASE_URL=postgres://…/finsync_bench_recon python -m bench.reconciliation --lines 1000000

Generates, by COPY, one legal entity with 4 EUR accounts, N payments sent in batches of 1,000 (requested dates
over 250 days, amounts 1.00–99,999.99, 5,000 creditors) and the end-of-day statements booking them (1,000
lines per statement, booked 0–2 days after the requested date). A share of the lines (``--without-e2e``,
default 5 %) carries no end-to-end id, only the creditor's name, as many banks write returns and batch
bookings; they go through the amount / date / counterparty rules. Then times ``reconciliation_run()`` once,
with nothing matched yet, and prints one JSON object with the counts by rule, the seconds per phase and the load.

``--reuse`` keeps a database generated before (same ``--lines``): every match is deleted and every line set back
to unmatched, so the engine can be timed again without generating anew. Before timing: VACUUM ANALYZE.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

ACCOUNTS = 4
BATCH_SIZE = 1000
LINES_PER_STATEMENT = 1000


def _generate(n: int, without_e2e: float, seed: int) -> dict:
    from django.db import connection

    from apps.banking.models import BankStatement, CompanyBankAccount, StatementFile, StatementLine
    from apps.masterdata.models import Bank, LegalEntity
    from apps.treasury.models import PaymentBatch, PaymentInstruction

    rng = random.Random(seed)
    entity = LegalEntity.objects.create(code="BENCH", name="Bench GmbH", country="DE", functional_currency="EUR",
                                        time_zone="Europe/Berlin")
    bank = Bank.objects.create(name="Bench bank", bic="COBADEFFXXX", country="DE")
    accounts = [CompanyBankAccount.objects.create(legal_entity=entity, bank=bank, name=f"EUR {i}", currency="EUR",
                                                  iban=f"DE{10 + i}370400440532013{i:03d}") for i in range(ACCOUNTS)]
    start_day = date(2026, 1, 1)
    now = datetime.now(UTC)
    batches = PaymentBatch.objects.bulk_create([PaymentBatch(
        legal_entity=entity, reference=f"BENCH-B{b:06d}", debtor_account=accounts[b % ACCOUNTS],
        requested_execution_date=start_day + timedelta(days=(b * BATCH_SIZE * 250) // n), currency="EUR",
        status="sent", sent_at=now) for b in range((n + BATCH_SIZE - 1) // BATCH_SIZE)], batch_size=2000)
    lines_by_account: dict[int, list] = {a.pk: [] for a in accounts}
    file_row = StatementFile.objects.create(sha256="0" * 64, filename="bench", size=0, format="camt.053",
                                            channel="command")
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as cur, cur.copy(
                f"COPY {PaymentInstruction._meta.db_table} (legal_entity_id, batch_id, end_to_end_id, instruction_id, "
                "idempotency_key, amount, currency, creditor_name, creditor_iban, creditor_bic, "
                "creditor_account_number, remittance_info, requested_date, status, status_reason_code, "
                "status_reason_text, created_at, updated_at) FROM STDIN") as copy:
            for i in range(n):
                batch = batches[i // BATCH_SIZE]
                amount = Decimal(rng.randint(100, 9_999_999)) / 100
                creditor = f"Creditor {rng.randint(1, 5000):04d} GmbH"
                e2e = f"E2E{i:012d}"
                copy.write_row((entity.pk, batch.pk, e2e, f"I{i}", f"bench:{e2e}", amount, "EUR", creditor,
                                f"DE02100100100{i % 5000:09d}", "", "", f"Invoice {i}",
                                batch.requested_execution_date, "sent", "", "", now, now))
                booked = batch.requested_execution_date + timedelta(days=rng.randint(0, 2))
                has_e2e = rng.random() >= without_e2e
                lines_by_account[batch.debtor_account_id].append((amount, booked, e2e if has_e2e else "", creditor))
        statements = 0
        for account_id, rows in lines_by_account.items():
            rows.sort(key=lambda r: r[1])
            for start in range(0, len(rows), LINES_PER_STATEMENT):
                chunk = rows[start:start + LINES_PER_STATEMENT]
                statements += 1
                statement = BankStatement.objects.create(
                    bank_account_id=account_id, legal_entity=entity, source_file=file_row, kind="booked",
                    format="camt.053", statement_id=f"BENCH-S{statements:06d}", currency="EUR",
                    from_date=chunk[0][1], to_date=chunk[-1][1])
                with raw.cursor() as cur, cur.copy(
                        f"COPY {StatementLine._meta.db_table} (statement_id, line_no, amount, currency, credit_debit, "
                        "reversal, status, booking_date, value_date, bank_reference, end_to_end_id, counterparty_name, "
                        "counterparty_account, remittance_info, bank_transaction_code, reconciliation_status) "
                        "FROM STDIN") as copy:
                    for no, (amount, booked, e2e, creditor) in enumerate(chunk, start=1):
                        copy.write_row((statement.pk, no, amount, "EUR", "DBIT", False, "BOOK", booked, booked,
                                        f"R{statement.pk}-{no}", e2e, creditor, "", "", "PMNT-ICDT-ESCT",
                                        "unmatched"))
    return {"statements": statements}


def _reset() -> dict:
    """Undo every match of a database generated before: the next run starts from nothing matched."""
    from django.db import connection

    from apps.banking.models import BankStatement, StatementLine
    from apps.treasury.models import ReconciliationMatch, ReconciliationMatchItem

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {ReconciliationMatchItem._meta.db_table}, {ReconciliationMatch._meta.db_table}")
        cursor.execute(f"UPDATE {StatementLine._meta.db_table} SET reconciliation_status = 'unmatched' "
                       "WHERE reconciliation_status <> 'unmatched'")
        cursor.execute("DELETE FROM exceptions_exceptioncase WHERE kind = 'reconciliation.unmatched'")
    return {"statements": BankStatement.objects.count()}


def _vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:  # autocommit outside any transaction: VACUUM may run
        cursor.execute("VACUUM ANALYZE")


def _backend_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) the database server process of our connection has used so far: on a shared
    machine the figure that does not depend on what the others run (wall time does)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _count_cpu_by_phase() -> dict[str, float]:
    """Wrap the engine's phase timer so that each phase also records the CPU seconds of the database server process
    of the connection that runs it (rule 1 may run in several threads, each with its own connection)."""
    from django.db import connection

    from apps.treasury import reconciliation_sets

    spent: dict[str, float] = {}
    timed = reconciliation_sets.timed

    @contextmanager
    def timed_with_cpu(result, phase: str):
        pid = getattr(connection, "bench_backend_pid", None)
        if pid is None or connection.connection is None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = connection.bench_backend_pid = cursor.fetchone()[0]
        before = _backend_cpu_seconds(pid)
        with timed(result, phase):
            yield
        spent[phase] = spent.get(phase, 0.0) + _backend_cpu_seconds(pid) - before

    reconciliation_sets.timed = timed_with_cpu
    return spent


def _load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--without-e2e", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="time again on a database generated before")
    parser.add_argument("--generate-only", action="store_true", help="generate (or reset) and stop before timing")
    args = parser.parse_args()
    from bench.common import setup_django

    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("the reconciliation benchmark needs PostgreSQL (DATABASE_URL)")
    from apps.masterdata.models import LegalEntity
    from apps.treasury.reconciliation import reconciliation_run

    started = time.perf_counter()
    reused = args.reuse and LegalEntity.objects.filter(code="BENCH").exists()
    made = _reset() if reused else _generate(args.lines, args.without_e2e, args.seed)
    generated_s = time.perf_counter() - started
    _vacuum_analyze()
    if args.generate_only:
        sys.stdout.write(json.dumps({"lines": args.lines, **made, "generate_seconds": round(generated_s, 1)}) + "\n")
        return 0
    load_before = _load()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    phase_cpu = _count_cpu_by_phase()
    backend_cpu, python_cpu = _backend_cpu_seconds(backend), time.process_time()
    started = time.perf_counter()
    result = reconciliation_run()
    seconds = time.perf_counter() - started
    backend_cpu, python_cpu = _backend_cpu_seconds(backend) - backend_cpu, time.process_time() - python_cpu
    # Rule 1's parts ran on connections of their own: their CPU is in their phases, not in this backend's.
    backend_cpu += sum(s for name, s in phase_cpu.items()
                       if re.fullmatch(r"end_to_end_id\[\d+\]\.commit_and_all", name))
    sys.stdout.write(json.dumps({
        "lines": args.lines, "payments": args.lines, "without_e2e": args.without_e2e, **made,
        "reused": reused, "generate_seconds": round(generated_s, 1), "seconds": round(seconds, 1),
        "phase_seconds": {name: round(s, 1) for name, s in result.phase_seconds.items()},
        "load_before": load_before, "load_after": _load(),
        "database_cpu_seconds": round(backend_cpu, 1), "python_cpu_seconds": round(python_cpu, 1),
        "phase_database_cpu_seconds": {name: round(s, 1) for name, s in phase_cpu.items()},
        "lines_matched": result.lines_matched, "matched_by_rule": {str(k): v for k, v in result.matched.items()},
        "ambiguous": result.ambiguous, "unmatched": result.unmatched,
    }) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
