"""Lighter indexes on reconciliation matches and their items, for bulk reconciliation (docs/PERFORMANCE.md).

A run writes a match and two items per matched pair. The match's own bank-account index did no work of its own
(recmatch_account_status_idx starts with the account); an item holds either a line or a payment, so the plain
foreign-key indexes held one NULL entry per item: they become partial (IS NOT NULL), which still serves the
lookups by line or payment and the PROTECT checks on delete.

Built concurrently on PostgreSQL (the tables grow by a million rows a run), new indexes before the old ones go;
SQLite gets the same indexes the plain way.
"""

import django.db.models.deletion
from django.db import migrations, models

NEW = {
    "recmatchitem_line_idx": ("treasury_reconciliationmatchitem",
                              "(statement_line_id) WHERE statement_line_id IS NOT NULL"),
    "recmatchitem_payment_idx": ("treasury_reconciliationmatchitem", "(payment_id) WHERE payment_id IS NOT NULL"),
}
OLD = {
    "treasury_reconciliationmatch_bank_account_id_d7652b4b": ("treasury_reconciliationmatch", "(bank_account_id)"),
    "treasury_reconciliationmatchitem_statement_line_id_dbd931c8": ("treasury_reconciliationmatchitem",
                                                                    "(statement_line_id)"),
    "treasury_reconciliationmatchitem_payment_id_60f40761": ("treasury_reconciliationmatchitem", "(payment_id)"),
}


def _swap(schema_editor, create: dict, drop: dict) -> None:
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    for name, (table, definition) in create.items():
        schema_editor.execute(f"CREATE INDEX{concurrently} IF NOT EXISTS {name} ON {table} {definition}")
    for name in drop:
        schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {name}")


def forwards(apps, schema_editor):
    _swap(schema_editor, NEW, OLD)


def backwards(apps, schema_editor):
    _swap(schema_editor, OLD, NEW)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("banking", "0004_statementline_write_light_indexes"),
        ("treasury", "0004_payment_batch_idempotency_key"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards, elidable=False)],
            state_operations=[
                migrations.AlterField(model_name="reconciliationmatch", name="bank_account", field=models.ForeignKey(
                    db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="matches",
                    to="banking.companybankaccount")),
                migrations.AlterField(model_name="reconciliationmatchitem", name="payment", field=models.ForeignKey(
                    blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                    related_name="match_items", to="treasury.paymentinstruction")),
                migrations.AlterField(model_name="reconciliationmatchitem", name="statement_line",
                                      field=models.ForeignKey(
                                          blank=True, db_index=False, null=True,
                                          on_delete=django.db.models.deletion.PROTECT, related_name="match_items",
                                          to="banking.statementline")),
                migrations.AddIndex(model_name="reconciliationmatchitem", index=models.Index(
                    condition=models.Q(("statement_line__isnull", False)), fields=["statement_line"],
                    name="recmatchitem_line_idx")),
                migrations.AddIndex(model_name="reconciliationmatchitem", index=models.Index(
                    condition=models.Q(("payment__isnull", False)), fields=["payment"],
                    name="recmatchitem_payment_idx")),
            ],
        ),
    ]
