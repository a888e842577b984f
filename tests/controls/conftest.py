"""Personas for the controls: two integration admins (maker and checker) of the German entity, and two
group-wide admins who may change the defaults for every entity."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.access.roles import Role
from apps.access.services import user_create
from apps.controls.payments import PaymentOrder, payment_instruction_create
from apps.masterdata.models import SupplierBankAccount
from tests.conftest import PASSWORD
from tests.treasury.factories import DEBTOR_IBAN, company_account, creditor_iban, supplier

from .batch_world import LONG_AGO


@pytest.fixture
def maker(entity_de):
    return user_create(username="ida", password=PASSWORD, roles=[Role.INTEGRATION_ADMIN], entities=[entity_de])


@pytest.fixture
def checker(entity_de):
    return user_create(username="ivo", password=PASSWORD, roles=[Role.INTEGRATION_ADMIN], entities=[entity_de])


@pytest.fixture
def group_maker(entity_de, entity_us):
    return user_create(username="gina", password=PASSWORD, roles=[Role.INTEGRATION_ADMIN],
                       entities=[entity_de, entity_us])


@pytest.fixture
def group_checker(entity_de, entity_us):
    return user_create(username="gus", password=PASSWORD, roles=[Role.INTEGRATION_ADMIN],
                       entities=[entity_de, entity_us])


@pytest.fixture(autouse=True)
def _fresh_name_index():
    """The screening's in-process name index must not remember suppliers of an earlier test's rollback."""
    from apps.controls.screening import name_index_clear

    name_index_clear()
    yield
    name_index_clear()


# The payment batch form and API tests: a DE01 debtor account, a long-approved supplier account, and one
# payment instruction waiting for a batch.
@pytest.fixture
def debtor(entity_de):
    return company_account(entity_de, iban=DEBTOR_IBAN)


@pytest.fixture
def lyreco(entity_de):
    """A supplier paid to the same account for over a year (bank code 10010010: Postbank, PBNKDEFFXXX)."""
    account = supplier(entity_de, "V100", "Lyreco Deutschland GmbH", creditor_iban(1)).bank_accounts.get()
    SupplierBankAccount.objects.filter(pk=account.pk).update(created_at=LONG_AGO, approved_at=LONG_AGO)
    account.refresh_from_db()
    return account


@pytest.fixture
def waiting(entity_de, lyreco, treasury_operator):
    """A payment instruction (from the API or treasury) awaiting a batch."""
    payment, _ = payment_instruction_create(idempotency_key="AP-RUN-1", actor=treasury_operator, order=PaymentOrder(
        legal_entity=entity_de, supplier_bank_account=lyreco, amount=Decimal("480.00"), currency="EUR",
        requested_date=date(2026, 12, 4)))
    return payment
