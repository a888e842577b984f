"""BAI2 (Cash Management Balance Reporting Specification v2), read with the ``bai2`` library.

One ParsedStatement per account record (03). Rules:

* opening = ledger balance type 010, closing = ledger balance 015 (None when absent); available =
  045 (closing available), else 060 (current available), else 040 (opening available); every
  status-level code (010-099) is kept in ``balances``, signed as written;
* detail records (16) are entries: type codes 100-399 are credits, 400-699 debits; other codes
  (loan detail, non-monetary) carry no money movement and are reported in ``warnings``;
* amounts are in the currency's minor unit (cents) with implied decimals: two, except for
  currencies with none (JPY...) or three (BHD...); the currency is the account's, else the group's,
  else USD as the specification says;
* the summary totals 100 (credits) and 400 (debits) become ``stated_totals``; control totals in
  49/98/99 are not enforced, because real files (including the samples) disagree with themselves.

The library is strict about layout, so records are first normalised: several records on one
physical line ("49,00,2/  03,...") are split, a record wrapped onto the next physical line without
an 88 is joined back, and an account record's 88 continuations are merged into it (the library
otherwise glues the last field of one line to the first of the next).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from bai2 import bai2 as bai2_library
from bai2.constants import TypeCodeLevel

from .errors import FormatError
from .model import CREDIT, DEBIT, Balance, ParsedEntry, ParsedFile, ParsedStatement, StatedTotals
from .swift import decode_text
from .xmlsafe import DEFAULT_MAX_BYTES, Source, check_size

RECORD_CODES = frozenset({"01", "02", "03", "16", "49", "88", "98", "99"})
_RECORD_START = re.compile(r"^(\d{2}),")
_NEXT_RECORD_ON_LINE = re.compile(r"(?<=/)\s+(?=\d{2},)")
_MINOR_UNITS = {
    **dict.fromkeys(
        (
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
_AVAILABLE_CODES = ("045", "060", "040")


def parse_bai2(source: Source, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedFile:
    """Parse a BAI2 file (path or bytes)."""
    check_size(source, max_bytes)
    if isinstance(source, bytes | bytearray | memoryview):
        text = decode_text(bytes(source))
    else:
        try:
            with open(source, "rb") as handle:
                text = decode_text(handle.read())
        except OSError as error:
            raise FormatError("the file could not be opened") from error
    records = normalise_records(text)
    try:
        library_file = bai2_library.parse_from_lines(iter(records), check_integrity=False)
    except FormatError:
        raise
    except Exception as error:  # noqa: BLE001 - the library raises ValueError, KeyError, its own errors...
        raise FormatError(f"the BAI2 file could not be read: {_library_message(error)}") from error
    return _file(library_file)


def normalise_records(text: str) -> list[str]:
    """Logical BAI2 records, one per string, with account (03) continuations merged in."""
    physical: list[str] = []
    for line in text.splitlines():
        for piece in _NEXT_RECORD_ON_LINE.split(line.strip()):
            piece = piece.strip()
            if not piece:
                continue
            start = _RECORD_START.match(piece)
            if start is None:
                if not physical:
                    raise FormatError("a BAI2 file must begin with a 01 file header record")
                physical[-1] = f"{physical[-1]} {piece}"
                continue
            if start[1] not in RECORD_CODES:
                raise FormatError(f"record type {start[1]!r} is not a BAI2 record type (record {len(physical) + 1})")
            physical.append(piece)
    if not physical or not physical[0].startswith("01,"):
        raise FormatError("a BAI2 file must begin with a 01 file header record")
    records: list[str] = []
    for record in physical:
        if record.startswith("88,") and records and records[-1].startswith("03,"):
            records[-1] = f"{records[-1].rstrip().removesuffix('/')},{record[3:].strip()}"
        elif record.startswith("88,") and not records:
            raise FormatError("a BAI2 continuation record (88) has nothing to continue")
        else:
            records.append(record)
    _check_nesting(records)
    return [_default_distributed_availability(r) if r.startswith("16,") else r for r in records]


# Which record may follow which: file 01 > group 02 > account 03 > details 16, closed by 49/98/99.
_MAY_FOLLOW = {
    "01": {"02"},
    "02": {"03", "98"},
    "03": {"16", "49"},
    "16": {"16", "49"},
    "49": {"03", "98"},
    "98": {"02", "99"},
    "99": set(),
}
_EXPECTED = {
    "01": "a group header (02)",
    "02": "an account (03) or group trailer (98)",
    "03": "a detail (16) or account trailer (49)",
    "16": "a detail (16) or account trailer (49)",
    "49": "an account (03) or group trailer (98)",
    "98": "a group header (02) or file trailer (99)",
    "99": "nothing",
}


def _check_nesting(records: list[str]) -> None:
    """Refuse records out of order or a file cut short before its trailers.

    The library loops forever (and exhausts memory) on a file without its closing trailers, which
    is exactly what an interrupted transfer produces, so the structure is checked first.
    """
    previous = "01"
    for position, record in enumerate(records[1:], start=2):
        code = record[:2]
        if code == "88":  # a continuation belongs to the record before it
            continue
        if code not in _MAY_FOLLOW[previous]:
            raise FormatError(f"BAI2 record {position} is a {code} record where {_EXPECTED[previous]} was expected")
        previous = code
    if previous != "99":
        raise FormatError("the BAI2 file is incomplete: it does not end with a file trailer (99)")


def _default_distributed_availability(record: str) -> str:
    """Funds type S lists immediate/one-day/two-plus-day amounts; an empty one means zero."""
    fields = record.split(",")
    if len(fields) > 6 and fields[3].strip().upper() == "S":
        fields[4:7] = [f.strip() or "0" for f in fields[4:7]]
    return ",".join(fields)


def _library_message(error: Exception) -> str:
    message = str(error).strip() or type(error).__name__
    return message.splitlines()[0][:160]


def _file(library_file: Any) -> ParsedFile:
    header = library_file.header
    warnings: list[str] = []
    statements: list[ParsedStatement] = []
    for group in library_file.children:
        for account in group.children:
            statements.append(_statement(header, group.header, account, len(statements) + 1, warnings))
    if not statements:
        raise FormatError("the BAI2 file contains no account records (03)")
    return ParsedFile(
        format="bai2",
        message_id=_clean(header.file_id),
        created_at=_aware(header.creation_date, header.creation_time),
        statements=statements,
        warnings=tuple(warnings),
    )


def _statement(file_header: Any, group: Any, account: Any, ordinal: int, warnings: list[str]) -> ParsedStatement:
    identifier = account.header
    number = _clean(identifier.customer_account_number)
    if not number:
        raise FormatError(f"account record {ordinal} (03) has no account number")
    currency = (_clean(identifier.currency) or _clean(group.currency) or "USD").upper()
    as_of = group.as_of_date
    what = f"account {number}"
    balances: list[Balance] = []
    totals: dict[str, Any] = {}
    for summary in identifier.summary_items:
        if summary.type_code is None:
            continue
        code = summary.type_code.code
        if summary.type_code.level == TypeCodeLevel.status:
            if summary.amount is not None:
                balances.append(Balance(code, _money(summary.amount, currency), currency, as_of))
        elif code in ("100", "400"):
            totals[code] = summary
    by_code = {b.type_code: b for b in balances}
    entries = []
    for position, detail in enumerate(account.children, start=1):
        entry = _entry(detail, currency, as_of, f"{what} detail {position}", warnings)
        if entry is not None:
            entries.append(entry)
    return ParsedStatement(
        statement_id=f"{_clean(file_header.file_id) or 'BAI2'}/{ordinal}",
        account=number,
        account_currency=currency,
        from_dt=_aware(as_of, group.as_of_time),
        to_dt=_aware(as_of, group.as_of_time),
        created_at=_aware(file_header.creation_date, file_header.creation_time),
        opening_balance=by_code.get("010"),
        closing_balance=by_code.get("015"),
        available_balance=next((by_code[c] for c in _AVAILABLE_CODES if c in by_code), None),
        balances=tuple(balances),
        entries=tuple(entries),
        stated_totals=_stated_totals(totals, currency),
    )


def _entry(detail: Any, currency: str, as_of: date | None, what: str, warnings: list[str]) -> ParsedEntry | None:
    if detail.type_code is None:
        raise FormatError(f"{what} (16) has no type code")
    code = detail.type_code.code
    if detail.amount is None:
        raise FormatError(f"{what} (16, type {code}) has no amount")
    numeric = int(code) if code.isdigit() else 0
    if not 100 <= numeric <= 699:
        warnings.append(f"{what}: type {code} is not a credit or debit and was not counted as an entry")
        return None
    availability = detail.availability if isinstance(detail.availability, dict) else {}
    value_date = availability.get("date") if isinstance(availability.get("date"), date) else None
    return ParsedEntry(
        amount=abs(_money(detail.amount, currency)),
        currency=currency,
        credit_debit=CREDIT if numeric < 400 else DEBIT,
        status="BOOK",
        booking_date=as_of,
        value_date=value_date or as_of,
        bank_reference=_clean(detail.bank_reference),
        instruction_id=_clean(detail.customer_reference),
        remittance_info=_clean(detail.text),
        bank_transaction_code=code,
    )


def _stated_totals(totals: dict[str, Any], currency: str) -> StatedTotals | None:
    if not totals:
        return None
    credit, debit = totals.get("100"), totals.get("400")
    return StatedTotals(
        credit_count=credit.item_count if credit is not None else None,
        credit_sum=_money(credit.amount, currency) if credit is not None and credit.amount is not None else None,
        debit_count=debit.item_count if debit is not None else None,
        debit_sum=_money(debit.amount, currency) if debit is not None and debit.amount is not None else None,
    )


def _money(minor_units: int, currency: str) -> Decimal:
    """BAI2 amounts carry no decimal point: 123456 USD is 1234.56."""
    return Decimal(int(minor_units)).scaleb(-_MINOR_UNITS.get(currency, 2))


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _aware(day: date | None, moment: time | None) -> datetime | None:
    """BAI2 dates and times carry no zone; they are read as UTC, the only safe assumption."""
    if not isinstance(day, date):
        return None
    clock = moment if isinstance(moment, time) else time(0)
    return datetime.combine(day, clock.replace(tzinfo=None), tzinfo=UTC)
