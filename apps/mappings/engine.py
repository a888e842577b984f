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


def _transform(value: Any, name: str) -> Any:
    if value is None:
        return None
    match name:
        case "decimal":
            try:
                result = Decimal(str(value).strip())
            except InvalidOperation as exc:
                raise ValueError(f"{value!r} is not a number") from exc
            if not result.is_finite():
                raise ValueError(f"{value!r} is not a finite number")
            return str(result)
        case "date":
            return date.fromisoformat(str(value)[:10]).isoformat()
        case "datetime":
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                raise ValueError(f"{value!r} has no time zone")
            return parsed.isoformat()
        case "upper":
            return str(value).upper()
        case "lower":
            return str(value).lower()
        case "strip" | "string":
            return str(value).strip()
        case "int":
            return int(value)
        case "bool":
            return str(value).lower() in {"1", "true", "yes", "y"}
    raise ValueError(f"unknown transform {name!r}")


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


def apply_spec(spec: dict, payload: Any) -> MappingResult:
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
