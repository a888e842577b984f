"""The Django admin obeys entity scoping and segregation of duties like the pages and the API do."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib import admin

from apps.access.admin_scoping import entity_path
from apps.exceptions.services import exception_raise
from apps.masterdata.choices import BankAccountStatus
from apps.masterdata.models import Supplier, SupplierBankAccount
from apps.treasury.models import PaymentBatch
from tests.treasury.factories import DEBTOR_IBAN, OTHER_IBAN, company_account

pytestmark = pytest.mark.django_db


def test_every_admin_that_reaches_an_entity_is_scoped():
    unscoped = [m._meta.label for m, ma in admin.site._registry.items()
                if entity_path(m) and not getattr(ma.get_queryset, "finsync_entity_scoped", False)]
    assert unscoped == []


def test_admin_hides_and_refuses_another_entitys_rows(client_for, controller, outsider, entity_de):
    case = exception_raise(kind="invoice.duplicate", message="Invoice SECRET-DE-77 already exists",
                           reference="SECRET-DE-77", legal_entity=entity_de, record_type="invoice")
    url = f"/admin/exceptions/exceptioncase/{case.pk}/change/"

    listing = client_for(outsider).get("/admin/exceptions/exceptioncase/")
    opened = client_for(outsider).get(url)

    assert listing.status_code == 200
    assert url.encode() not in listing.content
    assert opened.status_code == 302  # the admin's answer for a row that does not exist
    assert client_for(controller).get(url).status_code == 200
    assert url.encode() in client_for(controller).get("/admin/exceptions/exceptioncase/").content


def _approved_account(entity, requester, approver):
    supplier = Supplier.objects.create(legal_entity=entity, number="S-1", name="Acme GmbH", country="DE")
    return SupplierBankAccount.objects.create(supplier=supplier, iban=DEBTOR_IBAN, currency="EUR",
                                              status=BankAccountStatus.ACTIVE, requested_by=requester,
                                              approved_by=approver)


def test_admin_cannot_change_or_add_supplier_bank_details(client_for, system_admin, controller, treasury_operator,
                                                          entity_de):
    account = _approved_account(entity_de, controller, treasury_operator)
    client = client_for(system_admin)

    changed = client.post(f"/admin/masterdata/supplierbankaccount/{account.pk}/change/",
                          {"iban": OTHER_IBAN, "currency": "EUR", "supplier": account.supplier_id})
    added = client.post("/admin/masterdata/supplierbankaccount/add/",
                        {"iban": OTHER_IBAN, "currency": "EUR", "supplier": account.supplier_id})

    assert changed.status_code == 403
    assert added.status_code == 403
    account.refresh_from_db()
    assert account.iban == DEBTOR_IBAN
    assert SupplierBankAccount.objects.count() == 1


def test_admin_cannot_release_or_edit_a_payment_batch(client_for, system_admin, treasury_operator, entity_de):
    batch = PaymentBatch.objects.create(legal_entity=entity_de, reference="PB-1",
                                        debtor_account=company_account(entity_de, iban=DEBTOR_IBAN),
                                        requested_execution_date=date(2026, 12, 4), currency="EUR",
                                        created_by=treasury_operator)

    response = client_for(system_admin).post(f"/admin/treasury/paymentbatch/{batch.pk}/change/",
                                             {"status": "released", "released_by": system_admin.pk})

    assert response.status_code == 403
    batch.refresh_from_db()
    assert batch.status == "draft"
    assert batch.released_by is None
