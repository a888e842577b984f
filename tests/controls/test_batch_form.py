"""The payment batch create form: payment instructions picked and payments typed in (IBAN/BIC checked with
schwifty, amounts as Decimal in the account's currency), one batch per form however often it is sent, and
release only by someone other than its creator."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.access.roles import Role
from apps.access.services import user_create
from apps.audit.models import AuditEvent
from apps.common.errors import DomainError
from apps.controls.payments import (
    payment_batch_create,
    payment_batch_release,
)
from apps.masterdata.models import SupplierBankAccount
from apps.treasury.models import PaymentBatch, PaymentInstruction
from tests.conftest import PASSWORD
from tests.treasury.factories import DEBTOR_IBAN, creditor_iban, supplier

from .batch_world import DAY

pytestmark = pytest.mark.django_db


def _post(debtor, *, key="form-key-1", picked=(), rows=(), **over) -> dict:
    data = {"debtor_account": debtor.pk, "requested_execution_date": DAY, "reference": "PAYRUN-TEST",
            "idempotency_key": key, "payments": [p.pk for p in picked], "entered-TOTAL_FORMS": str(max(3, len(rows))),
            "entered-INITIAL_FORMS": "0", "entered-MIN_NUM_FORMS": "0", "entered-MAX_NUM_FORMS": "50", **over}
    for n, row in enumerate(rows):
        data.update({f"entered-{n}-{name}": value for name, value in row.items()})
    return data


def test_a_treasurer_picks_and_types_payments_into_one_batch(client_for, treasury_operator, debtor, lyreco, waiting):
    page = client_for(treasury_operator).get("/controls/payments/batches/new/").content.decode()
    assert waiting.end_to_end_id in page
    assert DEBTOR_IBAN in page

    response = client_for(treasury_operator).post("/controls/payments/batches/new/", _post(
        debtor, picked=[waiting], rows=[{"iban": creditor_iban(1).lower()[:8] + " " + creditor_iban(1)[8:],
                                         "bic": "pbnkdeff", "amount": "1250.50", "remittance_info": "INV 4711"}]))

    batch = PaymentBatch.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/controls/payments/batches/{batch.pk}/")
    assert (batch.status, batch.created_by, batch.currency, batch.reference) == (
        "pending_release", treasury_operator, "EUR", "PAYRUN-TEST")
    typed = batch.payments.exclude(pk=waiting.pk).get()
    assert (typed.creditor_iban, typed.amount, typed.remittance_info, typed.supplier_bank_account) == (
        creditor_iban(1), Decimal("1250.50"), "INV 4711", lyreco)
    assert set(batch.payments.values_list("pk", flat=True)) == {waiting.pk, typed.pk}
    assert list(AuditEvent.objects.filter(action__in=["payment.created", "payment_batch.created"])
                .order_by("id").values_list("action", flat=True)) == [
        "payment.created", "payment.created", "payment_batch.created"]


def test_the_same_form_sent_twice_makes_one_batch(client_for, treasury_operator, debtor, lyreco):
    data = _post(debtor, rows=[{"iban": creditor_iban(1), "amount": "99.90"}])
    client = client_for(treasury_operator)

    first = client.post("/controls/payments/batches/new/", data)
    again = client.post("/controls/payments/batches/new/", data, follow=True)

    batch = PaymentBatch.objects.get()
    assert first["Location"] == again.redirect_chain[-1][0] == f"/controls/payments/batches/{batch.pk}/"
    assert "was already created from this form" in again.content.decode()
    assert PaymentInstruction.objects.count() == 1


@pytest.mark.parametrize(("row", "error"), [
    ({"iban": "DE00 1001 0010 0000 0000 00", "amount": "10.00"}, "Invalid IBAN"),
    ({"iban": creditor_iban(1), "bic": "NOTABIC", "amount": "10.00"}, "Invalid BIC"),
    ({"iban": creditor_iban(1), "bic": "COBADEFFXXX", "amount": "10.00"}, "is not the bank of IBAN"),
    ({"iban": creditor_iban(1), "amount": "10.005"}, "more decimals than EUR has"),
    ({"iban": creditor_iban(2), "amount": "10.00"}, "is not the approved account of any supplier"),
    ({"iban": creditor_iban(3), "amount": "10.00"}, "is pending approval or not in EUR"),
])
def test_bad_payments_are_refused_and_nothing_is_created(client_for, treasury_operator, entity_de, debtor, lyreco,
                                                         waiting, row, error):
    pending = supplier(entity_de, "V300", "Neue Bank Lieferant GmbH", creditor_iban(3)).bank_accounts.get()
    SupplierBankAccount.objects.filter(pk=pending.pk).update(status="pending_approval")
    before = PaymentInstruction.objects.count()

    response = client_for(treasury_operator).post("/controls/payments/batches/new/", _post(
        debtor, picked=[waiting], rows=[row]))

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not PaymentBatch.objects.exists()
    assert PaymentInstruction.objects.count() == before
    assert PaymentInstruction.objects.get(pk=waiting.pk).batch_id is None  # all or nothing


def test_an_empty_form_or_a_past_date_is_refused(client_for, treasury_operator, debtor):
    client = client_for(treasury_operator)

    empty = client.post("/controls/payments/batches/new/", _post(debtor)).content.decode()
    past = client.post("/controls/payments/batches/new/", _post(
        debtor, requested_execution_date="2020-01-01", rows=[{"iban": creditor_iban(1), "amount": "1"}]))

    assert "Pick at least one payment or enter one." in empty
    assert "The execution date cannot be in the past." in past.content.decode()
    assert not PaymentBatch.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("auditor", 403), ("controller", 403), ("treasury_operator", 200)])
def test_only_who_may_release_payments_sees_the_form(request, client_for, debtor, persona, status):
    assert client_for(request.getfixturevalue(persona)).get("/controls/payments/batches/new/").status_code == status


def test_another_entitys_account_and_payments_cannot_be_chosen(client_for, entity_us, debtor, waiting):
    us_treasurer = user_create(username="tom", password=PASSWORD, roles=[Role.TREASURY_OPS], entities=[entity_us])

    page = client_for(us_treasurer).get("/controls/payments/batches/new/").content.decode()
    response = client_for(us_treasurer).post("/controls/payments/batches/new/", _post(debtor, picked=[waiting]))

    assert DEBTOR_IBAN not in page
    assert waiting.end_to_end_id not in page
    assert "Select a valid choice" in response.content.decode()
    assert not PaymentBatch.objects.exists()


def test_a_batch_key_belongs_to_its_creator(entity_de, debtor, waiting, treasury_operator):
    tess = user_create(username="tess", password=PASSWORD, roles=[Role.TREASURY_OPS], entities=[entity_de])
    batch = payment_batch_create(legal_entity=entity_de, debtor_account=debtor, payments=[waiting],
                                 requested_execution_date=date(2026, 12, 4), actor=treasury_operator,
                                 idempotency_key="K-1")

    assert payment_batch_create(legal_entity=entity_de, debtor_account=debtor, payments=[waiting],
                                requested_execution_date=date(2026, 12, 4), actor=treasury_operator,
                                idempotency_key="K-1") == batch
    with pytest.raises(DomainError) as refused:
        payment_batch_create(legal_entity=entity_de, debtor_account=debtor, payments=[],
                             requested_execution_date=date(2026, 12, 4), actor=tess, idempotency_key="K-1")
    assert refused.value.code == "idempotency_conflict"
    assert payment_batch_release(batch=batch, actor=tess).status == "released"
