"""The mapping engine, canonical schema validation and journal controls on realistic data."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.ledger.controls import journal_controls
from apps.mappings import schemas
from apps.mappings.engine import apply_spec

from .conftest import JOURNAL_SPEC, journal_event


def test_mapping_turns_an_sap_shaped_event_into_a_canonical_journal():
    result = apply_spec(JOURNAL_SPEC, journal_event(amount="1,5".replace(",", ".")))

    assert result.errors == []
    assert result.canonical == {
        "legal_entity": "DE01", "document_number": "JE-1", "posting_date": "2026-11-20", "description": "Accrual",
        "lines": [{"account": "6100", "cost_center": "CC100", "currency": "EUR", "amount": "1.5", "side": "debit"},
                  {"account": "2000", "currency": "EUR", "amount": "1.5", "side": "credit"}]}
    assert schemas.validate("journal_entry", result.canonical) == []


def test_mapping_collects_every_error_with_its_path():
    event = journal_event()
    del event["number"]
    event["lines"][0]["account"] = "123456"
    event["lines"][1]["amount"] = "12,00 EUR"

    result = apply_spec(JOURNAL_SPEC, event)

    assert result.errors == [
        {"path": "document_number", "reason": "missing in the source (expected at 'number')"},
        {"path": "lines[0].account", "reason": "'123456' has no entry in the 'gl_account' crosswalk"},
        {"path": "lines[1].amount", "reason": "'12,00 EUR' is not a number"},
    ]


def test_schema_errors_speak_finance():
    errors = schemas.validate("journal_entry", {"legal_entity": "DE01", "document_number": "1",
                                                "posting_date": "2026-13-45", "lines": [
                                                    {"account": "6100", "currency": "eur", "amount": "-5",
                                                     "side": "debit"}]})

    reasons = {e["path"]: e["reason"] for e in errors}
    assert reasons["lines"] == "needs at least 2 journal lines"
    assert reasons["lines[0].currency"] == "must be a three-letter ISO currency code such as EUR, not 'eur'"
    assert reasons["lines[0].amount"] == ("must be an amount of zero or more with at most 4 decimals, written "
                                          "1234.56, not '-5'")
    assert reasons["posting_date"] == "must be a real date written YYYY-MM-DD, not '2026-13-45'"


@pytest.mark.django_db
def test_balanced_journal_in_open_period_with_known_accounts_passes(ledger_de):
    canonical = apply_spec(JOURNAL_SPEC, journal_event()).canonical
    assert journal_controls(canonical) == []


@pytest.mark.django_db
def test_each_journal_control_fails_with_its_kind_and_dimensions(ledger_de):
    canonical = apply_spec(JOURNAL_SPEC, journal_event(posting_date="2026-10-15")).canonical
    canonical["lines"][0]["amount"] = "100.01"
    canonical["lines"].append({"account": "9999", "currency": "EUR", "amount": "0", "side": "debit",
                               "cost_center": "CC999"})

    failures = journal_controls(canonical)

    assert [f.kind for f in failures] == ["journal.unbalanced", "journal.closed_period", "journal.unknown_account",
                                          "journal.unknown_account"]
    assert failures[0].message == "Debits 100.01 EUR and credits 100.00 EUR differ by 0.01 EUR."
    assert failures[1].message.startswith("Posting to closed period 2026-10 of DE01")
    assert failures[1].dimensions["period"].label == "2026-10"


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2)


@pytest.mark.django_db
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60, deadline=None)
@given(st.lists(amounts, min_size=1, max_size=8))  # the ledger fixture is read-only here, so sharing it is safe
def test_property_a_journal_balances_exactly_when_debits_equal_credits(ledger_de, values):
    lines = [{"account": "6100", "currency": "EUR", "amount": str(v), "side": "debit"} for v in values]
    total = sum(values, Decimal(0))
    lines.append({"account": "2000", "currency": "EUR", "amount": str(total), "side": "credit"})
    canonical = {"legal_entity": "DE01", "document_number": "P", "posting_date": "2026-11-02", "lines": lines}
    assert [f.kind for f in journal_controls(canonical)] == []
    lines[-1]["amount"] = str(total + Decimal("0.01"))
    assert [f.kind for f in journal_controls(canonical)] == ["journal.unbalanced"]
