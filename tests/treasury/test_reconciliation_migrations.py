"""Migration treasury 0007 (an item may hold both sides) keeps every existing match and item as it was."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("treasury", "0006_reconciliation_match_no_user_indexes")]
AFTER = [("treasury", "0007_reconciliation_item_one_to_one")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_items_of_one_side_stay_and_one_item_may_hold_both_sides(entity_de, account):
    from apps.banking.models import BankStatement, StatementFile, StatementLine
    from apps.treasury.models import PaymentBatch, PaymentInstruction

    source = StatementFile.objects.create(sha256="7" * 64, filename="m", size=0, format="camt.053", channel="command")
    statement = BankStatement.objects.create(bank_account=account, legal_entity=entity_de, source_file=source,
                                             kind="booked", format="camt.053", statement_id="M1", currency="EUR")
    lines = StatementLine.objects.bulk_create([StatementLine(
        statement=statement, line_no=no, amount=Decimal("10.00"), currency="EUR", credit_debit="DBIT", status="BOOK",
        end_to_end_id=f"M-{no}") for no in (1, 2)])
    batch = PaymentBatch.objects.create(legal_entity=entity_de, reference="M-B", debtor_account=account,
                                        requested_execution_date="2026-11-02", currency="EUR", status="sent")
    payments = [PaymentInstruction.objects.create(
        legal_entity=entity_de, batch=batch, end_to_end_id=f"M-{no}", idempotency_key=f"M-{no}",
        amount=Decimal("10.00"), currency="EUR", creditor_name="Acme", requested_date="2026-11-02", status="sent")
        for no in (1, 2)]
    try:
        old = _migrate(BEFORE)
        match_model, item_model = old.get_model("treasury", "ReconciliationMatch"), old.get_model(
            "treasury", "ReconciliationMatchItem")
        match = match_model.objects.create(legal_entity_id=entity_de.pk, bank_account_id=account.pk,
                                           rule="end_to_end_id", status="active", reason={"rule": "end_to_end_id"},
                                           currency="EUR", line_total=Decimal("10.00"), payment_total=Decimal("10.00"))
        item_model.objects.create(match=match, statement_line_id=lines[0].pk, amount=Decimal("10.00"))
        item_model.objects.create(match=match, payment_id=payments[0].pk, amount=Decimal("10.00"))
        with pytest.raises(IntegrityError), transaction.atomic():  # before: one side only
            item_model.objects.create(match=match, statement_line_id=lines[1].pk, payment_id=payments[1].pk,
                                      amount=Decimal("10.00"))
        before = list(item_model.objects.order_by("id").values_list("match_id", "statement_line_id", "payment_id",
                                                                    "amount", "is_active"))

        new = _migrate(AFTER)
        item_model = new.get_model("treasury", "ReconciliationMatchItem")
        assert list(item_model.objects.order_by("id").values_list("match_id", "statement_line_id", "payment_id",
                                                                  "amount", "is_active")) == before
        item_model.objects.create(match_id=match.pk, statement_line_id=lines[1].pk, payment_id=payments[1].pk,
                                  amount=Decimal("10.00"))
        with pytest.raises(IntegrityError), transaction.atomic():  # still: at least one side
            item_model.objects.create(match_id=match.pk, amount=Decimal("10.00"))
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
