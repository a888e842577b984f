"""Fixtures for treasury: an entity with periods, its EUR account, suppliers, and ERP/treasury connectors."""

from __future__ import annotations

import pytest

from apps.connectors.models import Connector
from apps.masterdata.models import SourceSystem

from .factories import DEBTOR_IBAN, company_account, creditor_iban, month_periods, supplier


@pytest.fixture
def account(entity_de):
    month_periods(entity_de, 2026)
    return company_account(entity_de, iban=DEBTOR_IBAN)


@pytest.fixture
def suppliers(entity_de):
    names = ["Acme Industrial GmbH", "Brandt Logistik AG", "Cordes Software GmbH", "Dietz Bürobedarf KG"]
    return [supplier(entity_de, f"V{n:05d}", name, creditor_iban(n)) for n, name in enumerate(names, start=1)]


@pytest.fixture
def connectors(db):
    """The ERP and the treasury system the write-backs go to (sandbox adapters)."""
    erp = SourceSystem.objects.create(code="sap-s4", name="SAP S/4HANA", kind="gl")
    tms = SourceSystem.objects.create(code="kyriba", name="Kyriba", kind="treasury")
    return {
        "gl": Connector.objects.create(code="sap-s4", name="SAP S/4HANA", system=erp, kind="gl", adapter="sap_s4"),
        "treasury": Connector.objects.create(code="kyriba", name="Kyriba", system=tms, kind="treasury",
                                             adapter="kyriba"),
    }
