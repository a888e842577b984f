"""Bulk creation of canonical records (payment instructions) through the ORM, against the database's
own raw insert rate for the same rows and columns (executemany on a cursor) in the same run."""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal

from bench.common import setup_django, timer

ROWS = 50_000
BATCH = 2_000


def main() -> None:
    setup_django()
    from django.db import connection, transaction

    from apps.masterdata.models import LegalEntity
    from apps.treasury.models import PaymentInstruction

    entity, _ = LegalEntity.objects.get_or_create(code="BENCH", defaults={
        "name": "Bench", "country": "DE", "functional_currency": "EUR"})
    PaymentInstruction.objects.all().delete()
    today = date(2026, 11, 26)

    def orm_rows(prefix: str):
        return [PaymentInstruction(legal_entity=entity, end_to_end_id=f"{prefix}{i:09d}",
                                   idempotency_key=f"{prefix}k{i}",
                                   amount=Decimal(i % 10_000 + 1) / 100, currency="EUR", creditor_name=f"Creditor {i}",
                                   creditor_iban="DE89370400440532013000", remittance_info=f"Invoice {i}",
                                   requested_date=today) for i in range(ROWS)]

    rows = orm_rows("O")
    with timer() as orm, transaction.atomic():
        for start in range(0, ROWS, BATCH):
            PaymentInstruction.objects.bulk_create(rows[start:start + BATCH])

    table = PaymentInstruction._meta.db_table
    columns = ["legal_entity_id", "end_to_end_id", "idempotency_key", "amount", "currency", "creditor_name",
               "creditor_iban", "creditor_bic", "creditor_account_number", "remittance_info", "requested_date",
               "status", "status_reason_code", "status_reason_text", "instruction_id", "created_at", "updated_at"]
    now = "2026-11-26T00:00:00+00:00"
    raw_rows = [(entity.id, f"R{i:09d}", f"Rk{i}", str(Decimal(i % 10_000 + 1) / 100), "EUR", f"Creditor {i}",
                 "DE89370400440532013000", "", "", f"Invoice {i}", "2026-11-26", "created", "", "", "", now, now)
                for i in range(ROWS)]
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    with timer() as raw, transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, ROWS, BATCH):
            cursor.executemany(sql, raw_rows[start:start + BATCH])

    assert PaymentInstruction.objects.count() == 2 * ROWS
    result = {
        "vendor": connection.vendor,
        "rows": ROWS,
        "batch": BATCH,
        "orm_rows_per_s": ROWS / orm["seconds"],
        "raw_rows_per_s": ROWS / raw["seconds"],
    }
    result["ratio"] = result["orm_rows_per_s"] / result["raw_rows_per_s"]
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
