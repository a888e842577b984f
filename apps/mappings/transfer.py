"""Mapping versions as files: JSON (the whole version) and CSV (the crosswalks, for finance to edit in a
spreadsheet). Parsing errors name the line or key, so a person can fix the file."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from django.utils import timezone

from apps.common.errors import DomainError

from .models import MappingVersion

CSV_HEADER = ["crosswalk", "source_value", "target_value"]
FORMAT = "finsync.mapping-version/1"


def version_to_json(version: MappingVersion) -> dict:
    mapping = version.mapping
    return {
        "format": FORMAT,
        "source_system": mapping.source_system.code, "object_type": mapping.object_type,
        "canonical_type": mapping.canonical_type, "number": version.number, "status": version.status,
        "schema_version": version.schema_version,
        "effective_from": version.effective_from.isoformat() if version.effective_from else None,
        "change_note": version.change_note, "spec": version.spec,
    }


def crosswalks_to_csv(spec: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for table, entries in sorted((spec.get("crosswalks") or {}).items()):
        for source, target in sorted(entries.items()):
            writer.writerow([table, source, target])
    return out.getvalue()


def crosswalks_from_csv(text: str) -> dict[str, dict[str, str]]:
    """Crosswalks from CSV rows crosswalk,source_value,target_value (a header row is optional)."""
    tables: dict[str, dict[str, str]] = {}
    problems = []
    for line_no, row in enumerate(csv.reader(io.StringIO(text.strip())), start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if line_no == 1 and [c.strip().lower() for c in row] == CSV_HEADER:
            continue
        if len(row) != 3 or not all(cell.strip() for cell in row):
            problems.append(f"line {line_no}: expected crosswalk, source value, target value")
            continue
        table, source, target = (cell.strip() for cell in row)
        if source in tables.get(table, {}) and tables[table][source] != target:
            problems.append(f"line {line_no}: {table} {source!r} is mapped twice")
            continue
        tables.setdefault(table, {})[source] = target
    if problems:
        raise DomainError("The crosswalk file has errors: " + "; ".join(problems[:10]), code="invalid_csv",
                          extra={"problems": problems})
    return tables


def parse_effective_from(value) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise DomainError(f"effective_from {value!r} is not a date and time.", code="invalid_date") from exc
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


def version_from_json(text: str | bytes | dict) -> dict:
    """The importable content of an exported version: spec, schema version, effective date, note, and the
    source system / object type it belongs to."""
    try:
        data = text if isinstance(text, dict) else json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError(f"The file is not valid JSON ({exc}).", code="invalid_json") from exc
    if not isinstance(data, dict) or not isinstance(data.get("spec"), dict):
        raise DomainError("The file is not a FinSync mapping version: it has no 'spec'.", code="invalid_json")
    return {"source_system": data.get("source_system"), "object_type": data.get("object_type"),
            "spec": data["spec"], "schema_version": data.get("schema_version") or "v1",
            "effective_from": parse_effective_from(data.get("effective_from")),
            "change_note": str(data.get("change_note") or "")}
