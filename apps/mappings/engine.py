"""The mapping engine: turn a source payload into a canonical object with a version's spec.

A spec is JSON, editable and diffable:

    {"fields": {"<canonical key>": RULE, ...},
     "lists": {"<canonical key>": {"from": "<path to a list>", "fields": {...}}},
     "crosswalks": {"gl_account": {"400100": "6100"}, ...}}

    RULE = {"from": "a.b.0.c"} | {"value": constant}
           + optional "transform": decimal | date | datetime | upper | lower | strip | string | int | bool
           + optional "crosswalk": "<name>" (value looked up in crosswalks; unknown values are errors)
           + optional "default": value used when the path is missing; "required": true (default false)

Errors are collected (not raised one by one) so a person sees everything wrong at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

_MISSING = object()


@dataclass
class MappingResult:
    canonical: dict[str, Any]
    errors: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def get_path(payload: Any, path: str) -> Any:
    current = payload
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def _decimal(value: Any) -> str:
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not a number") from exc
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return str(result)


def _datetime(value: Any) -> str:
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return parsed.isoformat()


_TRANSFORM_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "decimal": _decimal,
    "date": lambda value: date.fromisoformat(str(value)[:10]).isoformat(),
    "datetime": _datetime,
    "upper": lambda value: str(value).upper(),
    "lower": lambda value: str(value).lower(),
    "strip": lambda value: str(value).strip(),
    "string": lambda value: str(value).strip(),
    "int": int,
    "bool": lambda value: str(value).lower() in {"1", "true", "yes", "y"},
}


def _transform(value: Any, name: str) -> Any:
    if value is None:
        return None
    function = _TRANSFORM_FUNCTIONS.get(name)
    if function is None:
        raise ValueError(f"unknown transform {name!r}")
    return function(value)


def _apply_fields(rules: dict, payload: Any, crosswalks: dict, errors: list, prefix: str) -> dict:
    out: dict[str, Any] = {}
    for key, rule in rules.items():
        where = f"{prefix}{key}"
        value = rule["value"] if "value" in rule else get_path(payload, rule.get("from", key))
        if value is _MISSING or value is None or value == "":
            if "default" in rule:
                value = rule["default"]
            elif rule.get("required"):
                errors.append({"path": where, "reason": f"missing in the source (expected at '{rule.get('from')}')"})
                continue
            else:
                continue
        try:
            if rule.get("crosswalk"):
                table = crosswalks.get(rule["crosswalk"], {})
                if str(value) not in table:
                    raise ValueError(f"{value!r} has no entry in the '{rule['crosswalk']}' crosswalk")
                value = table[str(value)]
            if rule.get("transform"):
                value = _transform(value, rule["transform"])
        except (ValueError, TypeError) as exc:
            errors.append({"path": where, "reason": str(exc)})
            continue
        out[key] = value
    return out


def _walk_spec(spec: dict, payload: Any) -> MappingResult:
    """The spec interpreted rule by rule: what a compiled spec does, for specs that do not compile."""
    errors: list[dict[str, str]] = []
    crosswalks = spec.get("crosswalks", {})
    canonical = _apply_fields(spec.get("fields", {}), payload, crosswalks, errors, "")
    for key, list_rule in spec.get("lists", {}).items():
        items = get_path(payload, list_rule["from"])
        if items is _MISSING or not isinstance(items, list):
            errors.append({"path": key, "reason": f"expected a list at '{list_rule['from']}'"})
            continue
        canonical[key] = [_apply_fields(list_rule["fields"], item, crosswalks, errors, f"{key}[{i}].")
                          for i, item in enumerate(items)]
    return MappingResult(canonical=canonical, errors=errors)


# --- Compiled specs ------------------------------------------------------------------------------------------
# A spec is compiled once into closures (paths split, crosswalk tables and transforms looked up, constants
# bound) and then run per record; the result — canonical object, errors, their order and wording — is exactly
# what walking the spec gives (tests/mappings/test_engine.py runs both on the same cases).

Getter = Callable[[Any], Any]


def _getter(path: str) -> Getter:
    steps = tuple((part, int(part) if part.isdigit() else None) for part in path.split("."))
    if len(steps) == 1:
        (part, index), = steps

        def get_one(payload: Any) -> Any:
            if isinstance(payload, dict) and part in payload:
                return payload[part]
            if index is not None and isinstance(payload, list) and index < len(payload):
                return payload[index]
            return _MISSING
        return get_one

    def get(payload: Any) -> Any:
        current = payload
        for part, index in steps:
            if isinstance(current, dict) and part in current:
                current = current[part]
            elif index is not None and isinstance(current, list) and index < len(current):
                current = current[index]
            else:
                return _MISSING
        return current
    return get


FieldRule = tuple[str, Getter | None, Any, bool, Any, str | None, dict | None, Callable[[Any], Any] | None]


def _compile_rule(key: str, rule: dict, crosswalks: dict) -> FieldRule:
    """(key, getter or None for a constant, the constant, has default, default, missing-reason or None when
    optional, crosswalk table or None, transform or None)."""
    getter = None if "value" in rule else _getter(rule.get("from", key))
    missing = f"missing in the source (expected at '{rule.get('from')}')" if rule.get("required") else None
    table = crosswalks.get(rule["crosswalk"], {}) if rule.get("crosswalk") else None
    transform = None
    if rule.get("transform"):
        name = rule["transform"]
        transform = _TRANSFORM_FUNCTIONS.get(name) or (lambda _value, name=name: _transform(_value, name))
    return (key, getter, rule.get("value"), "default" in rule, rule.get("default"), missing, table, transform)


def _crosswalked(value: Any, table: dict, name: str) -> Any:
    if str(value) not in table:
        raise ValueError(f"{value!r} has no entry in the '{name}' crosswalk")
    return table[str(value)]


def _fields_runner(rules: dict, crosswalks: dict) -> Callable[[Any, list, str], dict]:
    compiled = [(_compile_rule(key, rule, crosswalks), rule.get("crosswalk")) for key, rule in rules.items()]

    def run(payload: Any, errors: list, prefix: str) -> dict:
        out: dict[str, Any] = {}
        for (key, getter, constant, has_default, default, missing, table, transform), crosswalk in compiled:
            value = constant if getter is None else getter(payload)
            if value is _MISSING or value is None or value == "":
                if has_default:
                    value = default
                elif missing is not None:
                    errors.append({"path": f"{prefix}{key}", "reason": missing})
                    continue
                else:
                    continue
            if table is not None or transform is not None:
                try:
                    if table is not None:
                        value = _crosswalked(value, table, crosswalk)
                    if transform is not None and value is not None:
                        value = transform(value)
                except (ValueError, TypeError) as exc:
                    errors.append({"path": f"{prefix}{key}", "reason": str(exc)})
                    continue
            out[key] = value
        return out
    return run


def compile_spec(spec: dict) -> Callable[[Any], MappingResult]:
    """The spec as a function of a payload. A spec the compiler cannot read (the editor refuses those, see
    spec_problems) runs interpreted, so it fails per record exactly as it always did."""
    try:
        crosswalks = spec.get("crosswalks", {})
        top = _fields_runner(spec.get("fields", {}), crosswalks)
        lists = [(key, _getter(rule["from"]), rule["from"], _fields_runner(rule["fields"], crosswalks))
                 for key, rule in spec.get("lists", {}).items()]
    except Exception:  # noqa: BLE001 - malformed spec: the interpreter reports it per record
        return lambda payload: _walk_spec(spec, payload)

    def run(payload: Any) -> MappingResult:
        errors: list[dict[str, str]] = []
        canonical = top(payload, errors, "")
        for key, get_items, source, fields in lists:
            items = get_items(payload)
            if items is _MISSING or not isinstance(items, list):
                errors.append({"path": key, "reason": f"expected a list at '{source}'"})
                continue
            canonical[key] = [fields(item, errors, f"{key}[{i}].") for i, item in enumerate(items)]
        return MappingResult(canonical=canonical, errors=errors)
    return run


def apply_spec(spec: dict, payload: Any) -> MappingResult:
    return compile_spec(spec)(payload)


TRANSFORMS = ("decimal", "date", "datetime", "upper", "lower", "strip", "string", "int", "bool")
RULE_KEYS = {"from", "value", "transform", "crosswalk", "default", "required"}


def _rule_problems(rules: Any, crosswalks: dict, where: str) -> list[str]:
    if not isinstance(rules, dict):
        return [f"{where}: must be an object of canonical field → rule"]
    problems = []
    for key, rule in rules.items():
        at = f"{where}.{key}"
        if not isinstance(rule, dict):
            problems.append(f"{at}: a rule is an object such as {{\"from\": \"a.b\"}}")
            continue
        if unknown := set(rule) - RULE_KEYS:
            problems.append(f"{at}: unknown setting {', '.join(sorted(unknown))}")
        if "from" in rule and not (isinstance(rule["from"], str) and rule["from"].strip()):
            problems.append(f"{at}: 'from' must be a path such as 'supplier.number'")
        if rule.get("transform") is not None and rule["transform"] not in TRANSFORMS:
            problems.append(f"{at}: unknown transform {rule['transform']!r} (one of {', '.join(TRANSFORMS)})")
        if rule.get("crosswalk") is not None and rule["crosswalk"] not in crosswalks:
            problems.append(f"{at}: the crosswalk {rule['crosswalk']!r} does not exist in this version")
    return problems


def spec_problems(spec: Any) -> list[str]:
    """What is wrong with a spec's structure, in words (empty: the engine can run it)."""
    if not isinstance(spec, dict):
        return ["The mapping must be a JSON object with 'fields', optional 'lists' and 'crosswalks'."]
    problems = [f"unknown section {k!r}" for k in sorted(set(spec) - {"fields", "lists", "crosswalks"})]
    crosswalks = spec.get("crosswalks", {})
    if not isinstance(crosswalks, dict) or not all(
            isinstance(t, dict) and all(isinstance(v, str) for v in t.values()) for t in crosswalks.values()):
        problems.append("crosswalks: each crosswalk maps source values to target values (text)")
        crosswalks = {}
    if not spec.get("fields") and not spec.get("lists"):
        problems.append("fields: the mapping produces nothing; map at least one field")
    problems += _rule_problems(spec.get("fields", {}), crosswalks, "fields")
    lists = spec.get("lists", {})
    if not isinstance(lists, dict):
        return [*problems, "lists: must be an object of canonical list → {from, fields}"]
    for key, rule in lists.items():
        if not isinstance(rule, dict) or not isinstance(rule.get("from"), str):
            problems.append(f"lists.{key}: needs 'from' (the path of the source list) and 'fields'")
            continue
        problems += _rule_problems(rule.get("fields", {}), crosswalks, f"lists.{key}.fields")
    return problems
