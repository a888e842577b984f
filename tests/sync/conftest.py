"""Fixtures for the pipeline: an entity with a chart of accounts and open periods, connectors, a mapping."""

from __future__ import annotations

from datetime import date

import pytest

from apps.connectors.models import Connector
from apps.connectors.services import connector_set_webhook_secret
from apps.ledger.models import AccountingPeriod, CostCenter, GLAccount
from apps.mappings.models import Mapping, MappingVersion
from apps.masterdata.models import SourceSystem

WEBHOOK_SECRET = "whsec-test-0123456789"

JOURNAL_SPEC = {
    "fields": {
        "legal_entity": {"from": "company", "required": True, "transform": "upper"},
        "document_number": {"from": "number", "required": True, "transform": "string"},
        "posting_date": {"from": "posting_date", "required": True, "transform": "date"},
        "document_date": {"from": "document_date", "transform": "date"},
        "description": {"from": "text", "default": ""},
    },
    "lists": {
        "lines": {"from": "lines", "fields": {
            "account": {"from": "account", "required": True, "crosswalk": "gl_account"},
            "cost_center": {"from": "cost_center"},
            "currency": {"from": "currency", "required": True, "transform": "upper"},
            "amount": {"from": "amount", "required": True, "transform": "decimal"},
            "side": {"from": "dc", "required": True, "crosswalk": "side"},
        }},
    },
    "crosswalks": {
        "gl_account": {"400100": "6100", "160000": "2000", "113100": "1200", "999999": "9999"},
        "side": {"S": "debit", "H": "credit"},
    },
}


@pytest.fixture
def ledger_de(entity_de):
    for code, kind in [("6100", "expense"), ("2000", "liability"), ("1200", "asset")]:
        GLAccount.objects.create(legal_entity=entity_de, code=code, name=code, account_type=kind)
    CostCenter.objects.create(legal_entity=entity_de, code="CC100", name="Finance")
    AccountingPeriod.objects.create(legal_entity=entity_de, fiscal_year=2026, number=10, start_date=date(2026, 10, 1),
                                    end_date=date(2026, 10, 31), status="closed")
    AccountingPeriod.objects.create(legal_entity=entity_de, fiscal_year=2026, number=11, start_date=date(2026, 11, 1),
                                    end_date=date(2026, 11, 30), status="open")
    return entity_de


@pytest.fixture
def events_system(db):
    return SourceSystem.objects.create(code="ops-events", name="Ops events", kind="other")


@pytest.fixture
def event_connector(events_system, entity_de):
    connector = Connector.objects.create(code="ops-events", name="Ops event hook", system=events_system,
                                         kind="webhook", adapter="webhook", default_legal_entity=entity_de)
    connector_set_webhook_secret(connector=connector, secret=WEBHOOK_SECRET)
    return connector


@pytest.fixture
def journal_mapping(events_system, controller, treasury_operator):
    mapping = Mapping.objects.create(source_system=events_system, object_type="journal_entry",
                                     canonical_type="journal_entry")
    return MappingVersion.objects.create(mapping=mapping, number=1, spec=JOURNAL_SPEC, status="approved",
                                         proposed_by=controller, reviewed_by=treasury_operator)


def journal_event(number: str = "JE-1", *, amount: str = "100.00", posting_date: str = "2026-11-20", **over) -> dict:
    data = {"company": "de01", "number": number, "posting_date": posting_date, "text": "Accrual",
            "lines": [{"account": "400100", "cost_center": "CC100", "currency": "EUR", "amount": amount, "dc": "S"},
                      {"account": "160000", "currency": "EUR", "amount": amount, "dc": "H"}]}
    data.update(over)
    return data


from tests.sandbox.support import make_connector, sandbox  # noqa: E402, F401 - fixtures for the e2e tests
