"""SWIFT MT940 (customer statement) and MT942 (interim transaction report), read with the
``mt-940`` library (import name ``mt940``) and mapped onto the format-independent model.

Rules:

* the file is decoded as UTF-8, then Windows-1252, then Latin-1 (which cannot fail), so files
  with stray binary characters are read instead of crashing;
* every ``:20:`` starts a statement (``mt940.parse_statements``); a file without one is refused;
* a statement must name its account (``:25:``): without it there is nothing to reconcile against;
* opening = ``:60F:`` or ``:60M:``, closing = ``:62F:`` or ``:62M:``, available = ``:64:``; a
  ``:65:`` forward available balance is kept in ``balances``;
* a balance whose currency is not three letters (some exports drop it) is left out and reported in
  ``ParsedFile.warnings``: guessing a currency would be worse than showing none;
* ``:61:`` marks RC (reversal of credit) and RD (reversal of debit) become a debit and a credit
  with ``reversal=True``, which is their effect on the balance;
* MT942 is recognised by its message type in block 2, or by ``:34F:`` floor limits / ``:13D:``
  date-time; its ``:90D:``/``:90C:`` totals become ``stated_totals``.

When the library's standard ``:61:`` pattern cannot read a line, the library's own bank variants
(ASN Bank, GLS) are tried before giving up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timezone
from decimal import Decimal
from typing import Any

import mt940
import mt940.tags

from .errors import FormatError
from .model import CREDIT, DEBIT, Balance, ParsedEntry, ParsedFile, ParsedStatement, StatedTotals
from .xmlsafe import DEFAULT_MAX_BYTES, Source, check_size

_MT942_TYPE = re.compile(r"\{2:[IO]942")
_MT942_TAGS = re.compile(r"^:(34F|13D?):", re.MULTILINE)
_STATEMENT_START = re.compile(r"^:20:", re.MULTILINE)
_STATEMENT_BLOCK = re.compile(r"^(?=:20:)", re.MULTILINE)
_ACCOUNT_TAG = re.compile(r"^:25:", re.MULTILINE)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_NO_REFERENCE = {"NONREF", "NOTPROVIDED", ""}

# (mt940 data key, balance type code), in the order they appear in a statement.
_BALANCE_KEYS = (
    ("final_opening_balance", "60F"),
    ("intermediate_opening_balance", "60M"),
    ("opening_balance", "60"),
    ("final_closing_balance", "62F"),
    ("intermediate_closing_balance", "62M"),
    ("closing_balance", "62"),
    ("available_balance", "64"),
    ("forward_available_balance", "65"),
)
_STATEMENT_LINE_VARIANTS: tuple[dict[int | str, mt940.tags.Tag] | None, ...] = (
    None,
    {mt940.tags.StatementASNB.id: mt940.tags.StatementASNB()},
    {mt940.tags.StatementGLS.id: mt940.tags.StatementGLS()},
)


def decode_text(data: bytes) -> str:
    """Decode a text bank file: UTF-8 (BOM dropped), else Windows-1252, else Latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _read(source: Source, max_bytes: int) -> str:
    check_size(source, max_bytes)
    if isinstance(source, bytes | bytearray | memoryview):
        return decode_text(bytes(source))
    try:
        with open(source, "rb") as handle:
            return decode_text(handle.read())
    except OSError as error:
        raise FormatError("the file could not be opened") from error


def is_mt942(text: str) -> bool:
    """Whether SWIFT text is an MT942 interim report rather than an MT940 statement."""
    return bool(_MT942_TYPE.search(text) or _MT942_TAGS.search(text))


def parse_swift(source: Source, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedFile:
    """Parse an MT940 or MT942 file (path or bytes)."""
    text = _read(source, max_bytes)
    if not _STATEMENT_START.search(text):
        raise FormatError(
            "no MT940/MT942 statement found: a statement starts with a :20: transaction reference "
            "line, and this file has none"
        )
    _refuse_repeated_account(text)
    kind = "mt942" if is_mt942(text) else "mt940"
    warnings: list[str] = []
    statements = [_statement(raw, position, warnings) for position, raw in enumerate(_library_parse(text), start=1)]
    if not statements:
        raise FormatError("no MT940/MT942 statement could be read from the file")
    created = next((s.created_at for s in statements if s.created_at), None)
    return ParsedFile(
        format=kind,
        message_id=statements[0].statement_id,
        created_at=created,
        statements=statements,
        warnings=tuple(warnings),
    )


def _refuse_repeated_account(text: str) -> None:
    """A second :25: in one statement is a mistyped tag; the library would silently keep the last."""
    for block in _STATEMENT_BLOCK.split(text):
        if len(_ACCOUNT_TAG.findall(block)) > 1:
            reference = block[4:].split("\n", 1)[0].strip() if block.startswith(":20:") else "?"
            raise FormatError(
                f"statement {reference} names its account (:25:) more than once, so it is not clear "
                "which account it belongs to"
            )


def _library_parse(text: str) -> list[mt940.models.Transactions]:
    failure: Exception | None = None
    for tags in _STATEMENT_LINE_VARIANTS:
        try:
            return mt940.parse_statements(text, tags=tags, options=mt940.Options.all())
        except Exception as error:  # noqa: BLE001 - the library raises RuntimeError, ValueError, KeyError...
            failure = failure or error
    raise FormatError(f"the statement could not be read: {_library_message(failure)}") from failure


def _library_message(error: Exception | None) -> str:
    if isinstance(error, RuntimeError) and len(error.args) >= 3 and isinstance(error.args[2], str):
        # mt940 reports RuntimeError(message, tag, value): show the offending tag content.
        tag = error.args[1]
        tag_id = getattr(tag, "id", "?")
        return f"the :{tag_id}: line {error.args[2][:80]!r} does not follow the MT940 layout"
    return "its layout does not follow MT940/MT942"


def _statement(raw: mt940.models.Transactions, position: int, warnings: list[str]) -> ParsedStatement:
    data = raw.data
    reference = _clean(data.get("transaction_reference"))
    what = f"statement {reference or position}"
    account = _clean(data.get("account_identification"))
    if not account:
        raise FormatError(f"{what} has no account identification (:25:)")
    balances: list[Balance] = []
    for key, code in _BALANCE_KEYS:
        balance = _balance(data.get(key), code, what, warnings)
        if balance is not None:
            balances.append(balance)
    by_code = {b.type_code: b for b in balances}
    entries = tuple(_entry(t.data, what, n) for n, t in enumerate(raw.transactions, start=1))
    return ParsedStatement(
        statement_id=reference,
        sequence_number=_sequence(data),
        account=account,
        account_currency=_currency(raw.currency),
        created_at=_aware(data.get("date")),
        opening_balance=by_code.get("60F") or by_code.get("60M") or by_code.get("60"),
        closing_balance=by_code.get("62F") or by_code.get("62M") or by_code.get("62"),
        available_balance=by_code.get("64"),
        balances=tuple(balances),
        entries=entries,
        stated_totals=_stated_totals(data),
    )


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _sequence(data: dict[str, Any]) -> str | None:
    """The :28C: statement number and sequence as written ("00004/00001")."""
    number = _clean(data.get("statement_number"))
    sequence = _clean(data.get("sequence_number"))
    if number and sequence:
        return f"{number}/{sequence}"
    return number


def _currency(value: Any) -> str | None:
    text = _clean(value)
    return text if text and _CURRENCY.match(text) else None


def _balance(value: Any, code: str, what: str, warnings: list[str]) -> Balance | None:
    if value is None:
        return None
    amount = value.amount
    currency = _currency(getattr(amount, "currency", None))
    if currency is None:
        warnings.append(f"{what}: the :{code}: balance was left out because it has no valid currency")
        return None
    return Balance(type_code=code, amount=Decimal(amount.amount), currency=currency, date=_date(value.date))


def _stated_totals(data: dict[str, Any]) -> StatedTotals | None:
    debit, credit = data.get("sum_debit_entries"), data.get("sum_credit_entries")
    if debit is None and credit is None:
        return None

    def count(total: Any) -> int | None:
        number = getattr(total, "number", None)
        return int(number) if number not in (None, "") else None

    return StatedTotals(
        credit_count=count(credit) if credit is not None else None,
        credit_sum=abs(Decimal(credit.amount)) if credit is not None else None,
        debit_count=count(debit) if debit is not None else None,
        debit_sum=abs(Decimal(debit.amount)) if debit is not None else None,
    )


def _entry(data: dict[str, Any], what: str, position: int) -> ParsedEntry:
    amount = data.get("amount")
    mark = (_clean(data.get("status")) or "").upper()
    if amount is None or mark not in ("C", "D", "RC", "RD"):
        raise FormatError(f"{what}: statement line {position} (:61:) has no amount or debit/credit mark")
    reversal = mark.startswith("R")
    credit = mark in ("C", "RD")  # a reversed debit gives money back: it is a credit, and vice versa
    return ParsedEntry(
        amount=abs(Decimal(amount.amount)),
        currency=_currency(getattr(amount, "currency", None)),
        credit_debit=CREDIT if credit else DEBIT,
        reversal=reversal,
        status="BOOK",
        booking_date=_date(data.get("entry_date")),
        value_date=_date(data.get("date")),
        bank_reference=_reference(data.get("bank_reference")),
        end_to_end_id=_reference(data.get("end_to_end_reference")),
        instruction_id=_reference(data.get("customer_reference")),
        counterparty_name=_clean(data.get("applicant_name")),
        counterparty_account=_clean(data.get("applicant_iban")),
        counterparty_bic=_bic(data.get("applicant_bin")),
        remittance_info=_join(data.get("purpose"), data.get("additional_purpose"))
        or _clean(data.get("transaction_details")),
        bank_transaction_code=_clean(data.get("transaction_code")) or _clean(data.get("id")),
        additional_info=_clean(data.get("extra_details")) or _clean(data.get("posting_text")),
    )


def _reference(value: Any) -> str | None:
    text = _clean(value)
    return None if text is None or text.upper() in _NO_REFERENCE else text


def _bic(value: Any) -> str | None:
    text = _clean(value)
    return text if text and _BIC.match(text) else None


def _join(*parts: Any) -> str | None:
    texts: Iterable[str] = (t for t in (_clean(p) for p in parts) if t)
    return " ".join(texts) or None


def _date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    return None


def _aware(value: Any) -> datetime | None:
    """The :13D: date-time as a plain aware datetime (UTC when the file gives no offset)."""
    if not isinstance(value, datetime):
        return None
    offset = value.utcoffset()
    zone = UTC if offset is None else timezone(offset)
    return datetime(value.year, value.month, value.day, value.hour, value.minute, value.second, tzinfo=zone)
