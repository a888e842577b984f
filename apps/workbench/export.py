"""Export of a filtered workbench view to CSV (streamed, any size) and XLSX (built in a temporary file, up to
XLSX_MAX_ROWS). Both read the same scoped, filtered queryset as the page and are audited."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime

from django.db.models import QuerySet

from apps.audit.services import audit_record
from apps.common.errors import DomainError

COLUMNS = [
    ("Id", lambda c: c.pk),
    ("Kind", lambda c: c.kind),
    ("Title", lambda c: c.title),
    ("Severity", lambda c: c.severity),
    ("Status", lambda c: c.status),
    ("Legal entity", lambda c: c.legal_entity.code if c.legal_entity_id else ""),
    ("Source system", lambda c: c.source_system.code if c.source_system_id else ""),
    ("Record type", lambda c: c.record_type),
    ("Reference", lambda c: c.reference),
    ("Correlation id", lambda c: c.correlation_id),
    ("Occurrences", lambda c: c.occurrence_count),
    ("First seen (UTC)", lambda c: c.first_seen),
    ("Last seen (UTC)", lambda c: c.last_seen),
    ("SLA due (UTC)", lambda c: c.sla_due_at),
    ("Owner", lambda c: c.owner.get_username() if c.owner_id else ""),
    ("Resolution", lambda c: c.resolution_code),
    ("Resolution note", lambda c: c.resolution_note),
    ("Message", lambda c: c.message),
]
XLSX_MAX_ROWS = 100_000
CHUNK = 2000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """Text a spreadsheet would run as a formula (=HYPERLINK…, +cmd…) is written as text instead."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)  # spreadsheets have no time zones: UTC
    return value


def _rows(queryset: QuerySet) -> Iterator[list]:
    cases = queryset.select_related("legal_entity", "source_system", "owner").order_by("-last_seen", "-id")
    for case in cases.iterator(chunk_size=CHUNK):
        yield [_cell(get(case)) for _, get in COLUMNS]


def export_audit(*, actor, fmt: str, query: str, ip_address: str | None = None) -> None:
    audit_record(action="workbench.exported", actor=actor, after={"format": fmt, "filters": query},
                 ip_address=ip_address)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(queryset: QuerySet) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM: Excel then reads the file as UTF-8 (umlauts in supplier names)
    yield writer.writerow([name for name, _ in COLUMNS])
    for row in _rows(queryset):
        yield writer.writerow(["" if v is None else v for v in row])


def xlsx_file(queryset: QuerySet):
    """A temporary file holding the workbook (write-only mode: rows are not kept in memory)."""
    from openpyxl import Workbook

    if queryset.order_by()[:XLSX_MAX_ROWS + 1].count() > XLSX_MAX_ROWS:
        raise DomainError(f"More than {XLSX_MAX_ROWS:,} exceptions match: narrow the filter, or export CSV, "
                          "which has no limit.", code="too_many")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Exceptions")
    sheet.append([name for name, _ in COLUMNS])
    for row in _rows(queryset):
        sheet.append(row)
    handle = tempfile.TemporaryFile()
    book.save(handle)
    handle.seek(0)
    return handle
