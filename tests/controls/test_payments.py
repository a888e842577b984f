"""Payment controls: idempotent instructions, the hold after a supplier bank-account change, and batch release
by someone other than its creator — through the service, the page and the API."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.access.roles import Role
from apps.access.services import user_create
from apps.audit.models import AuditEvent
from apps.common.errors import DomainError, PermissionDenied
from apps.controls.defaults import DEFAULTS
from apps.controls.payments import (
    PaymentOrder,
    payment_batch_create,
    payment_batch_release,
    payment_hold_release,
    payment_instruction_create,
)
from apps.controls.services import control_settings_approve, control_settings_propose, terms_with
from apps.exceptions.models import ExceptionCase
from apps.masterdata.models import SupplierBankAccount
from apps.treasury.models import PaymentBatch, PaymentInstruction
from tests.conftest import PASSWORD
from tests.treasury.factories import DEBTOR_IBAN, company_account, creditor_iban, supplier

pytestmark = pytest.mark.django_db
LONG_AGO = timezone.now() - timedelta(days=400)


@pytest.fixture
def second_treasurer(entity_de):
    return user_create(username="tess", password=PASSWORD, roles=[Role.TREASURY_OPS], entities=[entity_de])


@pytest.fixture
def debtor(entity_de):
    return company_account(entity_de, iban=DEBTOR_IBAN)


@pytest.fixture
def vendor_account(entity_de):
    """A supplier paid to the same account for over a year."""
    row = supplier(entity_de, "V100", "Lyreco Deutschland GmbH", creditor_iban(1))
    account = row.bank_accounts.get()
    SupplierBankAccount.objects.filter(pk=account.pk).update(created_at=LONG_AGO, approved_at=LONG_AGO)
    account.refresh_from_db()
    return account


def _order(entity, account, amount="1250.00", **over) -> PaymentOrder:
    return PaymentOrder(**{"legal_entity": entity, "supplier_bank_account": account, "amount": Decimal(amount),
                           "currency": "EUR", "requested_date": date(2026, 12, 4), **over})


def test_the_same_payment_instruction_twice_is_one_payment(entity_de, vendor_account, treasury_operator):
    first, created = payment_instruction_create(idempotency_key="AP-RUN-42:INV-1001",
                                                order=_order(entity_de, vendor_account), actor=treasury_operator)
    again, created_again = payment_instruction_create(idempotency_key="AP-RUN-42:INV-1001",
                                                      order=_order(entity_de, vendor_account, amount="1250"),
                                                      actor=treasury_operator)

    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert PaymentInstruction.objects.count() == 1
    assert (first.status, first.amount, first.creditor_iban) == ("created", Decimal("1250.00"), creditor_iban(1))
    assert AuditEvent.objects.filter(action="payment.created").count() == 1


def test_the_same_key_for_a_different_payment_is_refused(entity_de, vendor_account, treasury_operator):
    payment_instruction_create(idempotency_key="K1", order=_order(entity_de, vendor_account), actor=treasury_operator)

    with pytest.raises(DomainError) as refused:
        payment_instruction_create(idempotency_key="K1", order=_order(entity_de, vendor_account, amount="1250.01"),
                                   actor=treasury_operator)

    assert refused.value.code == "idempotency_conflict"
    assert PaymentInstruction.objects.get().amount == Decimal("1250.00")


def test_the_database_backs_the_idempotency_key(entity_de, vendor_account, treasury_operator):
    payment, _ = payment_instruction_create(idempotency_key="K1", order=_order(entity_de, vendor_account),
                                            actor=treasury_operator)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentInstruction.objects.create(legal_entity=entity_de, end_to_end_id="OTHER", idempotency_key="K1",
                                          amount=1, currency="EUR", creditor_name="x", requested_date=date(2026, 12, 4))
    assert PaymentInstruction.objects.get().pk == payment.pk


@pytest.mark.parametrize(("over", "code"), [
    ({"amount": "0"}, "invalid_amount"),
    ({"currency": "USD"}, "currency_mismatch"),
    ({"currency": "EURO"}, "invalid_currency"),
])
def test_bad_payment_orders_are_refused(entity_de, vendor_account, treasury_operator, over, code):
    with pytest.raises(DomainError) as refused:
        payment_instruction_create(idempotency_key="K", order=_order(entity_de, vendor_account, **over),
                                   actor=treasury_operator)
    assert refused.value.code == code
    assert not PaymentInstruction.objects.exists()


def test_an_unapproved_bank_account_cannot_be_paid(entity_de, vendor_account, treasury_operator):
    pending = SupplierBankAccount.objects.create(supplier=vendor_account.supplier, iban=creditor_iban(2),
                                                 country="DE", currency="EUR")
    with pytest.raises(DomainError) as refused:
        payment_instruction_create(idempotency_key="K", order=_order(entity_de, pending), actor=treasury_operator)
    assert refused.value.code == "account_not_approved"


def test_a_payment_to_a_recently_changed_account_is_held_for_review(entity_de, vendor_account, treasury_operator):
    SupplierBankAccount.objects.filter(pk=vendor_account.pk).update(approved_at=timezone.now() - timedelta(days=3))
    vendor_account.refresh_from_db()

    payment, _ = payment_instruction_create(idempotency_key="K", order=_order(entity_de, vendor_account),
                                            actor=treasury_operator)

    assert payment.status == "held"
    case = ExceptionCase.objects.get(kind="payment.held")
    assert (case.supplier_id, case.reference, case.legal_entity_id) == (vendor_account.supplier_id,
                                                                        payment.end_to_end_id, entity_de.pk)
    assert "less than 14 days ago" in case.message

    payment_hold_release(payment=payment, actor=treasury_operator, note="Confirmed new IBAN with Lyreco AP by phone")

    payment.refresh_from_db()
    case.refresh_from_db()
    assert (payment.status, case.status) == ("created", "resolved")


def test_the_hold_period_is_the_entitys_control_setting(entity_de, vendor_account, treasury_operator, maker,
                                                        checker):
    SupplierBankAccount.objects.filter(pk=vendor_account.pk).update(approved_at=timezone.now() - timedelta(days=3))
    vendor_account.refresh_from_db()
    version = control_settings_propose(legal_entity=entity_de, terms=terms_with(DEFAULTS, bank_change_hold_days=2),
                                       change_note="Two days is what our bank's callback process needs", actor=maker)
    control_settings_approve(version=version, actor=checker)

    payment, _ = payment_instruction_create(idempotency_key="K", order=_order(entity_de, vendor_account),
                                            actor=treasury_operator)

    assert payment.status == "created"


# --- batches: segregation of duties ------------------------------------------------------------------------

@pytest.fixture
def batch(entity_de, debtor, vendor_account, treasury_operator):
    payments = [payment_instruction_create(idempotency_key=f"K{n}", order=_order(entity_de, vendor_account,
                                                                                  amount=str(100 * n)),
                                           actor=treasury_operator)[0] for n in (1, 2)]
    return payment_batch_create(legal_entity=entity_de, debtor_account=debtor, payments=payments,
                                requested_execution_date=date(2026, 12, 4), actor=treasury_operator,
                                reference="PAYRUN-2026-12-04")


def test_the_creator_of_a_batch_cannot_release_it(batch, treasury_operator):
    with pytest.raises(PermissionDenied) as refused:
        payment_batch_release(batch=batch, actor=treasury_operator)

    assert refused.value.code == "four_eyes"
    batch.refresh_from_db()
    assert (batch.status, batch.released_by) == ("pending_release", None)
    assert set(batch.payments.values_list("status", flat=True)) == {"created"}


def test_someone_else_releases_it_and_the_payments_are_approved(batch, second_treasurer):
    payment_batch_release(batch=batch, actor=second_treasurer)

    batch.refresh_from_db()
    assert (batch.status, batch.released_by) == ("released", second_treasurer)
    assert set(batch.payments.values_list("status", flat=True)) == {"approved"}
    assert AuditEvent.objects.filter(action="payment_batch.released", actor_label="tess").count() == 1


def test_the_database_refuses_creator_as_releaser(batch, treasury_operator):
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentBatch.objects.filter(pk=batch.pk).update(released_by=treasury_operator)


def test_roles_without_release_cannot_release(batch, controller, auditor):
    for person in (controller, auditor):
        with pytest.raises(PermissionDenied):
            payment_batch_release(batch=batch, actor=person)
    batch.refresh_from_db()
    assert batch.status == "pending_release"


def test_a_batch_is_not_released_while_an_account_changed_since_holds_it(batch, vendor_account, second_treasurer):
    # The supplier's account was changed after the payments were created: the release checks the hold again.
    SupplierBankAccount.objects.filter(pk=vendor_account.pk).update(approved_at=timezone.now() - timedelta(hours=1))

    with pytest.raises(DomainError) as refused:
        payment_batch_release(batch=batch, actor=second_treasurer)

    assert refused.value.code == "held_payments"
    batch.refresh_from_db()
    assert batch.status == "pending_release"
    assert set(batch.payments.values_list("status", flat=True)) == {"held"}  # the holds stay
    assert ExceptionCase.objects.filter(kind="payment.held", payment_batch=batch).count() == 2


def test_batch_page_shows_release_only_to_someone_else(batch, treasury_operator, second_treasurer, outsider,
                                                       client_for):
    url = f"/controls/payments/batches/{batch.pk}/"
    own = client_for(treasury_operator).get(url).content.decode()
    assert "someone else must release it" in own
    assert 'value="release"' not in own
    client_for(treasury_operator).post(url, {"action": "release"})
    batch.refresh_from_db()
    assert batch.status == "pending_release"
    assert client_for(outsider).get(url).status_code == 404

    other = client_for(second_treasurer).get(url).content.decode()
    assert 'value="release"' in other
    client_for(second_treasurer).post(url, {"action": "release"})

    batch.refresh_from_db()
    assert (batch.status, batch.released_by) == ("released", second_treasurer)
    listing = client_for(second_treasurer).get("/controls/payments/batches/").content.decode()
    assert "PAYRUN-2026-12-04" in listing


def test_api_release_refuses_the_creator_and_accepts_another(batch, treasury_operator, second_treasurer, outsider,
                                                             auditor, client_for):
    url = f"/api/v1/payment-batches/{batch.pk}/release/"

    own = client_for(treasury_operator).post(url)
    assert (own.status_code, own.json()["code"]) == (403, "four_eyes")
    assert client_for(auditor).post(url).status_code == 403
    assert client_for(outsider).post(url).status_code in (403, 404)
    batch.refresh_from_db()
    assert batch.status == "pending_release"

    released = client_for(second_treasurer).post(url)

    assert released.status_code == 200
    assert (released.json()["status"], released.json()["released_by"]) == ("released", "tess")
    listed = client_for(outsider).get("/api/v1/payment-batches/").json()
    assert listed["count"] == 0
