"""Canonical schemas: served by the API per object and version; errors with path and reason in words."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from apps.mappings import schemas

pytestmark = pytest.mark.django_db

INVOICE = {"source_id": "1", "legal_entity": "DE01", "invoice_number": "INV-1", "invoice_date": "2026-11-02",
           "status": "approved", "currency": "EUR", "supplier_name": "Lyreco", "net_amount": "100.00",
           "tax_amount": "19.00", "gross_amount": "119.00",
           "lines": [{"description": "Paper", "account": "6200", "amount": "100.00"}]}


@pytest.mark.parametrize(("canonical_type", "version"), schemas.available())
def test_every_schema_is_valid_json_schema(canonical_type, version):
    Draft202012Validator.check_schema(schemas.schema(canonical_type, version))


def test_reasons_are_in_words_with_the_path():
    obj = {**INVOICE, "currency": "euro", "invoice_date": "02.11.2026", "lines": [
        {**INVOICE["lines"][0]}, {**INVOICE["lines"][0], "amount": "12.345678"}, {"account": 6200, "amount": "1"}]}
    del obj["supplier_name"]

    errors = {e["path"]: e["reason"] for e in schemas.validate("supplier_invoice", obj)}

    assert errors["(the object)"] == "supplier name is missing"
    assert errors["currency"] == "must be a three-letter ISO currency code such as EUR, not 'euro'"
    assert errors["invoice_date"] == "must be a real date written YYYY-MM-DD, not '02.11.2026'"
    assert errors["lines[1].amount"] == ("must be an amount of zero or more with at most 4 decimals, written "
                                         "1234.56, not '12.345678'")
    assert errors["lines[2].account"] == "must be text, not 6200"


def test_a_valid_object_has_no_errors():
    assert schemas.validate("supplier_invoice", INVOICE) == []


def test_api_lists_serves_and_validates_schemas(client_for, auditor):
    api = client_for(auditor)
    listed = api.get("/api/v1/canonical-schemas/").json()
    assert {(s["canonical_type"], s["version"]) for s in listed} == set(schemas.available())
    journal = next(s for s in listed if s["canonical_type"] == "journal_entry")
    assert journal["id"] == "finsync:canonical/journal_entry/v1"

    body = api.get(journal["url"]).json()
    assert body == schemas.schema("journal_entry", "v1")
    assert api.get("/api/v1/canonical-schemas/journal_entry/").json()[0]["version"] == "v1"
    assert api.get("/api/v1/canonical-schemas/journal_entry/v9/").status_code == 404
    assert api.get("/api/v1/canonical-schemas/nothing/").status_code == 404

    errors = api.post("/api/v1/canonical-schemas/supplier_invoice/v1/validate/", {**INVOICE, "currency": "eur"},
                      content_type="application/json").json()
    assert errors == [{"path": "currency", "reason": "must be a three-letter ISO currency code such as EUR, not 'eur'"}]


def test_schemas_need_a_signed_in_user(client):
    assert client.get("/api/v1/canonical-schemas/").status_code in (401, 403)
