"""Versioned canonical schemas (JSON Schema) and validation errors in words a finance user understands."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


def available() -> list[tuple[str, str]]:
    """(canonical type, version) pairs, e.g. ("journal_entry", "v1")."""
    return sorted(tuple(p.name.removesuffix(".json").split(".", 1)) for p in SCHEMA_DIR.glob("*.json"))


def exists(canonical_type: str, version: str = "v1") -> bool:
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


def _reason(error) -> str:
    title = error.schema.get("title")
    match error.validator:
        case "required":
            missing = error.message.split("'")[1] if "'" in error.message else error.message
            return f"{missing.replace('_', ' ')} is missing"
        case "minItems":
            return f"needs at least {error.validator_value} {title or 'items'}"
        case "pattern" | "format":
            return f"{error.instance!r} is not a valid {title or 'value'}"
        case "enum":
            return f"must be one of {', '.join(map(str, error.validator_value))}"
        case "type":
            return f"must be a {error.validator_value}"
        case "maxLength":
            return f"is longer than {error.validator_value} characters"
        case "minLength":
            return f"{title or 'value'} must not be empty"
    return error.message


@cache
def _validator(canonical_type: str, version: str) -> Draft202012Validator:
    """Compiled once per schema and process: building a validator costs far more than using one."""
    return Draft202012Validator(schema(canonical_type, version), format_checker=FormatChecker())


def validate(canonical_type: str, obj: dict, version: str = "v1") -> list[dict[str, str]]:
    validator = _validator(canonical_type, version)
    return [{"path": _where(e), "reason": _reason(e)} for e in sorted(validator.iter_errors(obj), key=str)]


def available_versions(canonical_type: str) -> list[str]:
    return [v for t, v in available() if t == canonical_type]
