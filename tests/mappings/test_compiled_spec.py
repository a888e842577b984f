"""A compiled mapping spec gives exactly what walking the spec rule by rule gives: the same canonical object,
the same errors in the same order and words; and the pipeline compiles an approved version once per process."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.mappings import services as mapping_services
from apps.mappings.engine import _walk_spec, compile_spec

SPEC = {
    "fields": {
        "legal_entity": {"from": "company", "required": True, "transform": "upper"},
        "document_number": {"from": "number", "required": True, "transform": "string"},
        "posting_date": {"from": "posting_date", "required": True, "transform": "date"},
        "posted_at": {"from": "meta.posted_at", "transform": "datetime"},
        "first_ref": {"from": "refs.0", "transform": "int"},
        "flag": {"from": "meta.flag", "transform": "bool", "default": "no"},
        "description": {"from": "text", "default": ""},
        "source": {"value": "ops-events"},
        "kind": {"from": "kind", "crosswalk": "kinds", "transform": "lower"},
        "odd": {"from": "odd", "transform": "no-such-transform"},
        "unknown_table": {"from": "code", "crosswalk": "no-such-crosswalk"},
        "required_without_from": {"required": True},
    },
    "lists": {
        "lines": {
            "from": "lines",
            "fields": {
                "account": {"from": "account", "required": True, "crosswalk": "gl_account"},
                "currency": {"from": "currency", "required": True, "transform": "upper"},
                "amount": {"from": "amount", "required": True, "transform": "decimal"},
                "side": {"from": "dc", "required": True, "crosswalk": "side"},
                "note": {"from": "note.0.text", "transform": "strip"},
            },
        },
        "tags": {"from": "meta.tags", "fields": {"name": {"from": "name", "transform": "lower"}}},
    },
    "crosswalks": {
        "gl_account": {"400100": "6100", "160000": "2000"},
        "side": {"S": "debit", "H": "credit"},
        "kinds": {"A": "ACCRUAL"},
    },
}

scalars = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(
        [
            "S",
            "H",
            "x",
            "400100",
            "160000",
            "A",
            "EUR",
            "de01",
            "2026-12-03",
            "2026-12-03T10:00:00Z",
            "2026-12-03T10:00:00",
            "1.50",
            "NaN",
            "abc",
            "12",
            "true",
            " padded ",
        ]
    ),
    st.integers(-5, 5),
    st.decimals(allow_nan=False, places=2, min_value=-1000, max_value=1000),
    st.floats(allow_nan=True, allow_infinity=True),
)
lines = st.lists(
    st.dictionaries(
        st.sampled_from(["account", "currency", "amount", "dc", "note"]),
        st.one_of(scalars, st.lists(st.fixed_dictionaries({"text": scalars}), max_size=2)),
        max_size=5,
    ),
    max_size=3,
)
payloads = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "company": scalars,
            "number": scalars,
            "posting_date": scalars,
            "text": scalars,
            "kind": scalars,
            "odd": scalars,
            "code": scalars,
            "refs": st.lists(scalars, max_size=2),
            "meta": st.fixed_dictionaries(
                {},
                optional={
                    "posted_at": scalars,
                    "flag": scalars,
                    "tags": st.one_of(scalars, st.lists(st.fixed_dictionaries({"name": scalars}), max_size=2)),
                },
            ),
            "lines": st.one_of(lines, scalars),
        },
    ),
    scalars,
    st.lists(scalars, max_size=2),
)


def _both(spec, payload):
    def outcome(run):
        try:
            result = run()
        except Exception as exc:  # noqa: BLE001 - both must fail the same way too
            return ("raised", type(exc), str(exc))
        return (result.canonical, result.errors)

    return outcome(lambda: compile_spec(spec)(payload)), outcome(lambda: _walk_spec(spec, payload))


@settings(max_examples=400, deadline=None)
@given(payload=payloads)
def test_compiled_spec_gives_what_walking_the_spec_gives(payload):
    compiled, walked = _both(SPEC, payload)
    assert compiled == walked


@pytest.mark.parametrize(
    "spec",
    [
        {"fields": {"a": "not a rule"}},
        {"fields": {"a": {"from": "x"}}, "lists": {"l": {"fields": {}}}},  # a list without 'from'
        {"fields": {"a": {"from": "x", "crosswalk": "c"}}, "crosswalks": ["not", "a", "dict"]},
        {"fields": {"a": {"from": "x.²"}}},  # a digit str.isdigit() accepts but int() does not
        {"lists": {"l": {"from": "items"}}},  # a list without 'fields'
    ],
)
@pytest.mark.parametrize("payload", [{"x": "1", "items": [{"y": 1}]}, {"x": ["a"]}, {}, [], "text"])
def test_a_spec_that_does_not_compile_fails_per_record_as_it_always_did(spec, payload):
    compiled, walked = _both(spec, payload)
    assert compiled == walked


def test_an_approved_version_is_compiled_once_and_again_when_saved(journal_mapping, monkeypatch):
    compiles = []
    real = mapping_services.compile_spec
    monkeypatch.setattr(mapping_services, "compile_spec", lambda spec: compiles.append(spec) or real(spec))
    mapping_services._COMPILED.clear()
    payload = {"company": "de01"}
    first = mapping_services.mapping_apply(version=journal_mapping, payload=payload)
    second = mapping_services.mapping_apply(version=journal_mapping, payload=payload)
    assert (first.canonical, first.errors) == (second.canonical, second.errors)
    assert len(compiles) == 1
    journal_mapping.save()  # saved again: updated_at moves, the next call compiles again
    mapping_services.mapping_apply(version=journal_mapping, payload=payload)
    assert len(compiles) == 2


def test_a_draft_is_compiled_per_call(journal_mapping, monkeypatch):
    compiles = []
    real = mapping_services.compile_spec
    monkeypatch.setattr(mapping_services, "compile_spec", lambda spec: compiles.append(spec) or real(spec))
    journal_mapping.status = "draft"
    journal_mapping.spec = {"fields": {"entity": {"from": "company", "transform": "lower"}}}
    assert mapping_services.mapping_apply(version=journal_mapping, payload={"company": "DE01"}).canonical == {
        "entity": "de01"
    }
    journal_mapping.spec = {"fields": {"entity": {"from": "company", "transform": "upper"}}}
    assert mapping_services.mapping_apply(version=journal_mapping, payload={"company": "de01"}).canonical == {
        "entity": "DE01"
    }
    assert len(compiles) == 2
