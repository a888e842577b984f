"""What changed between two mapping versions, rule by rule and crosswalk entry by crosswalk entry."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    section: str  # "field", "list" or "crosswalk"
    key: str  # canonical field path, list path, or "<crosswalk>: <source value>"
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        return "removed" if self.after is None else "changed"


def rule_text(rule: dict) -> str:
    """A rule in words: "from tax-id · strip · required"."""
    parts = [f"= {rule['value']!r}" if "value" in rule else f"from {rule.get('from', '(same name)')}"]
    if rule.get("crosswalk"):
        parts.append(f"via crosswalk {rule['crosswalk']}")
    if rule.get("transform"):
        parts.append(rule["transform"])
    if rule.get("required"):
        parts.append("required")
    if "default" in rule:
        parts.append(f"default {rule['default']!r}")
    return " · ".join(parts)


def _flatten_rules(spec: dict) -> dict[tuple[str, str], str]:
    rules = {("field", key): rule_text(rule) for key, rule in (spec.get("fields") or {}).items()}
    for name, lst in (spec.get("lists") or {}).items():
        rules[("list", name)] = f"list from {lst.get('from')}"
        for key, rule in (lst.get("fields") or {}).items():
            rules[("field", f"{name}[].{key}")] = rule_text(rule)
    for table, entries in (spec.get("crosswalks") or {}).items():
        for source, target in entries.items():
            rules[("crosswalk", f"{table}: {source}")] = str(target)
    return rules


def spec_diff(before: dict | None, after: dict) -> list[Change]:
    """Every added, removed or changed rule and crosswalk entry (before None: everything is added)."""
    old, new = _flatten_rules(before or {}), _flatten_rules(after)
    keys = sorted(old.keys() | new.keys(), key=lambda k: ({"field": 0, "list": 1, "crosswalk": 2}[k[0]], k[1]))
    return [Change(section, key, old.get((section, key)), new.get((section, key)))
            for section, key in keys if old.get((section, key)) != new.get((section, key))]
