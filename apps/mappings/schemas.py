"""Versioned canonical schemas (JSON Schema) and validation errors in words a finance user understands."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


def available() -> list[tuple[str, str]]:
    """(canonical type, version) pairs, e.g. ("journal_entry", "v1")."""
    return sorted(tuple(p.name.removesuffix(".json").split(".", 1)) for p in SCHEMA_DIR.glob("*.json"))


@cache
def exists(canonical_type: str, version: str = "v1") -> bool:
    """Whether a schema file ships with FinSync (files do not come and go while a process runs: asked once
    per type and version, not once per record, where the file system's stat was 5 % of a worker's CPU)."""
    return (SCHEMA_DIR / f"{canonical_type}.{version}.json").is_file()


@cache
def schema(canonical_type: str, version: str = "v1") -> dict:
    path = SCHEMA_DIR / f"{canonical_type}.{version}.json"
    if not path.is_file():
        raise LookupError(f"no canonical schema {canonical_type} {version}")
    return json.loads(path.read_text())


def _where(error) -> str:
    parts = []
    for part in error.absolute_path:
        parts.append(f"[{part}]" if isinstance(part, int) else (f".{part}" if parts else str(part)))
    return "".join(parts) or "(the object)"


# What a pattern or format means, in a finance user's words (schemas may override with "x-reason").
PATTERN_REASONS = {
    r"^[0-9]+(\.[0-9]{1,4})?$": "must be an amount of zero or more with at most 4 decimals, written 1234.56",
    r"^[A-Z]{3}$": "must be a three-letter ISO currency code such as EUR",
    r"^[A-Z]{2}$": "must be a two-letter ISO country code such as DE",
}
FORMAT_REASONS = {
    "date": "must be a real date written YYYY-MM-DD",
    "date-time": "must be a date and time with its time zone, e.g. 2026-11-30T17:00:00+01:00",
    "email": "must be an e-mail address",
}
TYPE_WORDS = {"string": "text", "number": "a number", "integer": "a whole number", "array": "a list",
              "object": "a group of fields", "boolean": "yes or no", "null": "empty"}


def _type_words(expected) -> str:
    names = expected if isinstance(expected, list) else [expected]
    return " or ".join(TYPE_WORDS.get(n, n) for n in names)


def _reason(error) -> str:
    """The reason for one jsonschema error, without the validator's jargon."""
    title = error.schema.get("title")
    if isinstance(error.schema, dict) and error.schema.get("x-reason") and error.validator != "required":
        return f"{error.schema['x-reason']}, not {error.instance!r}"
    match error.validator:
        case "required":
            missing = error.message.split("'")[1] if "'" in error.message else error.message
            return f"{missing.replace('_', ' ')} is missing"
        case "minItems":
            return f"needs at least {error.validator_value} {title or 'items'}"
        case "maxItems":
            return f"has more than {error.validator_value} {title or 'items'}"
        case "pattern" | "format":
            table = PATTERN_REASONS if error.validator == "pattern" else FORMAT_REASONS
            reason = table.get(error.validator_value)
            if reason:
                return f"{reason}, not {error.instance!r}"
            return f"{error.instance!r} is not a valid {title or 'value'}"
        case "enum":
            return f"must be one of {', '.join(map(str, error.validator_value))}, not {error.instance!r}"
        case "const":
            return f"must be {error.validator_value!r}"
        case "type":
            return f"must be {_type_words(error.validator_value)}, not {error.instance!r}"
        case "maxLength":
            return f"is longer than {error.validator_value} characters"
        case "minLength":
            return f"{title or 'value'} must not be empty"
        case "minimum":
            return f"must be at least {error.validator_value}"
        case "exclusiveMinimum":
            return f"must be more than {error.validator_value}"
        case "maximum":
            return f"must be at most {error.validator_value}"
        case "additionalProperties":
            return "has fields the schema does not know: " + ", ".join(
                sorted(set(error.instance) - set(error.schema.get("properties", {}))))
    return f"is not valid here ({error.validator})"


@cache
def _validator(canonical_type: str, version: str) -> Draft202012Validator:
    """Compiled once per schema and process: building a validator costs far more than using one."""
    return Draft202012Validator(schema(canonical_type, version), format_checker=FormatChecker())


@cache
def _fast_validator(canonical_type: str, version: str) -> jsonschema_rs.Validator:
    """The same schema compiled by jsonschema-rs (Rust), which answers "valid?" about 30 times faster than
    jsonschema (14 µs against 465 µs for a journal entry): the pipeline validates every record."""
    return jsonschema_rs.validator_for(schema(canonical_type, version), validate_formats=True)


def validate(canonical_type: str, obj: dict, version: str = "v1") -> list[dict[str, str]]:
    if _fast_validator(canonical_type, version).is_valid(obj):
        return []
    # Only an invalid object is walked again, by jsonschema, for reasons a finance user can read.
    validator = _validator(canonical_type, version)
    return [{"path": _where(e), "reason": _reason(e)} for e in sorted(validator.iter_errors(obj), key=str)]


def available_versions(canonical_type: str) -> list[str]:
    return [v for t, v in available() if t == canonical_type]
