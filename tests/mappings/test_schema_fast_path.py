"""schemas.validate answers "valid" through jsonschema-rs and explains through jsonschema: both must agree
on what is valid, or the pipeline would pass an object the reasons call invalid (or the reverse)."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from apps.mappings import schemas

from .test_schemas import INVOICE

JOURNAL = {"legal_entity": "DE01", "document_number": "JE-1", "posting_date": "2026-11-20",
           "lines": [{"account": "6100", "currency": "EUR", "amount": "100.00", "side": "debit"},
                     {"account": "2000", "currency": "EUR", "amount": "100.00", "side": "credit"}]}
ODD_VALUES = [None, "", "x", 12, 1.5, -1, True, [], {}, "2026-13-45", "02.11.2026", "12.345678", "-5.00", "euro",
              "EUR", "2026-11-20", "0.00", "a" * 300]


def _variants(example: dict, properties: dict):
    yield example
    for name in sorted(properties):
        without = dict(example)
        without.pop(name, None)
        yield without
        for value in ODD_VALUES:
            yield {**example, name: value}
    yield {**example, "unexpected_field": "x"}


@pytest.mark.parametrize(("canonical_type", "version"), schemas.available())
def test_fast_and_explaining_validators_agree(canonical_type, version):
    schema = schemas.schema(canonical_type, version)
    explaining = Draft202012Validator(schema, format_checker=FormatChecker())
    examples = [{}, {"journal_entry": JOURNAL, "supplier_invoice": INVOICE}.get(canonical_type, {})]
    checked = 0
    for example in examples:
        for obj in _variants(example, schema.get("properties", {})):
            expected_valid = not list(explaining.iter_errors(obj))
            assert (schemas.validate(canonical_type, obj, version) == []) == expected_valid, obj
            checked += 1
    assert checked > 20


def test_an_invalid_object_still_gets_every_reason():
    bad = {**JOURNAL, "posting_date": "2026-13-45", "lines": [{**JOURNAL["lines"][0], "amount": "1.234567"}]}
    paths = {e["path"] for e in schemas.validate("journal_entry", bad)}
    assert {"posting_date", "lines[0].amount"} <= paths
