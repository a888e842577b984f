"""Files from the bank into the canonical model: statements (with cash positions) and payment status reports.

Both imports store everything a file says in ONE database transaction, so that a file is either imported
completely or not at all, and audit it in that same transaction; a file that cannot be read changes nothing
but the evidence (see below). A payment status report is parsed first and then stored. A statement file is
stored while it is read: the reader streams its entries (``formats.iter_statement_file``) and the import
writes them in batches, so memory stays flat however large the file; a file found unreadable halfway rolls
back all it wrote. The file's bytes are kept in chunks (``filestore``), never whole in memory.

Unreadable files. A file that cannot be read raises ``FormatError`` (its ``reason`` is written for a
treasury user). When the file arrived through a channel where FinSync is the only one holding it
(upload, API, drop folder, SFTP, bank API) the raw bytes are kept as a ``StatementFile`` with an
empty format and a ``statement.unreadable`` exception is opened, so nothing a bank sent is ever
lost and a person can look at it. A file read from the command line stays where it is on disk, so
for ``FileChannel.COMMAND`` nothing at all is stored.

Statement identity. ``BankStatement`` is unique per (bank account, kind, statement id), which makes
a statement that was already imported in another file a duplicate. camt messages carry a statement
id the bank guarantees to be unique (Stmt/Rpt/Ntfctn ``Id``) and it is stored as is. MT940/MT942
``:20:`` references and BAI2 file ids are not unique (many banks write "STARTUMS" on every statement,
BAI2 numbers accounts within a file), so for those formats the stored id is
``<reference>/<statement number>/<date>/<digest>`` where the digest covers the statement's balances
and entries: the same statement in another file gets the same id, two different ones never do.

Reconciliation reads only the lines of end-of-day statements (camt.053, MT940, BAI2); intraday
reports and notifications repeat the same movements and are kept for information and cash positions.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.audit.services import audit_record
from apps.common.errors import DomainError
from apps.common.money import minor_units
from apps.exceptions.models import ExceptionCase
from apps.exceptions.services import exception_raise
from apps.ledger.models import AccountingPeriod
from apps.sync.services import outbound_emit
from apps.treasury.choices import BATCH_TRANSITIONS, BatchStatus, CashPositionKind, PaymentStatus
from apps.treasury.models import CashPosition, PaymentBatch, PaymentInstruction, PaymentStatusEvent

from .choices import CreditDebit, EntryStatus, FileChannel, StatementKind
from .filestore import Source, chunks_bytes, chunks_write, source_digest
from .formats import FormatError, iter_statement_file, parse_pain002
from .formats.model import Balance, ParsedEntry, ParsedStatement
from .formats.pain002 import PaymentStatusReport
from .formats.stream import FileEnd, FileHeader, StatementEnd, StatementStart
from .models import BankStatement, CompanyBankAccount, StatementFile, StatementFileChunk, StatementLine

logger = logging.getLogger("finsync.banking")

KIND_BY_FORMAT = {
    "camt.053": StatementKind.BOOKED,
    "mt940": StatementKind.BOOKED,
    "bai2": StatementKind.BOOKED,
    "camt.052": StatementKind.INTRADAY,
    "mt942": StatementKind.INTRADAY,
    "camt.054": StatementKind.NOTIFICATION,
}
# Formats whose own statement id is unique by definition (ISO 20022 Stmt/Rpt/Ntfctn Id).
_UNIQUE_ID_FORMATS = frozenset({"camt.052", "camt.053", "camt.054"})
# Intermediate balances (MT940 :60M:/:62M: page breaks) are not an end-of-day position.
_INTERMEDIATE_BALANCES = frozenset({"60M", "62M"})
_NOT_AN_ID = frozenset({"", "NOTPROVIDED", "NONREF"})
_SEQUENCE = re.compile(r"^\s*0*(\d+)(?:\s*/\s*0*(\d+))?\s*$")
_EVIDENCE_CHANNELS = frozenset(c for c in FileChannel.values if c != FileChannel.COMMAND)


class Outcome:
    CREATED = "created"
    DUPLICATE = "duplicate"
    UNKNOWN_ACCOUNT = "unknown_account"


@dataclass
class StatementOutcome:
    """What happened to one statement of a file.

    ``parsed`` is the statement's header (its entries were stored as they streamed past and are not kept);
    ``entry_count``, ``credits`` and ``debits`` count every entry of it, pending ones included.
    """

    parsed: ParsedStatement
    outcome: str  # Outcome.*
    currency: str | None
    statement_key: str = ""
    bank_account: CompanyBankAccount | None = None
    statement: BankStatement | None = None
    entry_count: int = 0
    credits: Decimal = Decimal(0)
    debits: Decimal = Decimal(0)
    exceptions: list[ExceptionCase] = field(default_factory=list)
    cash_positions: list[CashPosition] = field(default_factory=list)

    def as_json(self) -> dict:
        """One statement in the command-line contract (docs/CLI.md)."""
        parsed = self.parsed
        return {
            "account": parsed.account,
            "currency": self.currency,
            "opening_balance": _decimal_text(parsed.opening_balance.amount if parsed.opening_balance else None),
            "closing_balance": _decimal_text(parsed.closing_balance.amount if parsed.closing_balance else None),
            "entries": self.entry_count,
            "credits": _decimal_text(self.credits),
            "debits": _decimal_text(self.debits),
        }


@dataclass
class ImportResult:
    """The answer of ``statement_import``: the file, and per statement what happened to it."""

    filename: str
    sha256: str
    dry_run: bool
    format: str = ""
    warnings: tuple[str, ...] = ()
    statement_file: StatementFile | None = None
    file_already_received: bool = False
    statements: list[StatementOutcome] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(s.outcome == Outcome.CREATED for s in self.statements)

    @property
    def duplicates(self) -> int:
        return sum(s.outcome == Outcome.DUPLICATE for s in self.statements)

    @property
    def unknown_accounts(self) -> int:
        return sum(s.outcome == Outcome.UNKNOWN_ACCOUNT for s in self.statements)

    @property
    def entries_created(self) -> int:
        return sum(s.entry_count for s in self.statements if s.outcome == Outcome.CREATED)

    @property
    def exceptions(self) -> list[ExceptionCase]:
        return [case for s in self.statements for case in s.exceptions]

    def as_json(self) -> dict:
        """The command-line contract of ``import_statement --json`` (docs/CLI.md)."""
        return {
            "format": self.format,
            "statements": [s.as_json() for s in self.statements],
            "created": self.created,
            "duplicates": self.duplicates,
        }


def jsonable(details: dict) -> dict:
    """Exception details as JSON (amounts as decimal strings, dates as ISO text), never floats."""
    return json.loads(json.dumps(details, cls=DjangoJSONEncoder))


def money_text(value: Decimal | None, currency: str = "") -> str | None:
    """An amount as people read it: the currency's decimals, more only when the bank gave more
    (4-decimal storage would otherwise show 900.0000)."""
    if value is None:
        return None
    places = minor_units(currency) if currency else 2
    shown = value.quantize(Decimal(1).scaleb(-places)) if value == round(value, places) else value.normalize()
    return f"{shown:f}"


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def _without_nul(value):
    """The parse result without NUL characters: PostgreSQL text and JSON cannot hold them, and a bank file
    in the wild may carry them (binary garbage in a free-text field)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, tuple | list):
        return type(value)(_without_nul(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _without_nul(getattr(value, f.name)) for f in dataclasses.fields(value)
                   if isinstance(getattr(value, f.name), str | tuple | list) or dataclasses.is_dataclass(
                       getattr(value, f.name))}
        return dataclasses.replace(value, **changes)
    return value


_ENTRY_FIELDS = tuple(f.name for f in dataclasses.fields(ParsedEntry))


def _entry_without_nul(entry: ParsedEntry) -> ParsedEntry:
    """``_without_nul`` for one entry, cheap in the usual case of an entry without NUL (every entry passes)."""
    for name in _ENTRY_FIELDS:
        value = getattr(entry, name)
        if isinstance(value, str) and "\x00" in value:
            return _without_nul(entry)
    return entry


def file_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- Shared: the raw file ----------------------------------------------------------------------------------

def statement_file_store(*, content: Source | None = None, path: str | os.PathLike[str] | None = None,
                         filename: str, channel: str, file_format: str,
                         digest: tuple[str, int] | None = None) -> tuple[StatementFile, bool]:
    """Keep a bank file whole, once (sha256 is unique), from its bytes or its path. Returns (file, created).

    The bytes are written as chunks (apps/banking/filestore.py), so a file of any size is kept without
    being held in memory. ``digest`` ((sha256, size), when the caller computed it already) saves a read.
    No check-then-act: the insert is attempted and a unique violation means another import stored the
    same bytes first, which then is the file we use.
    """
    source = _source(content, path)
    sha256, size = digest or source_digest(source)
    row = StatementFile(sha256=sha256, filename=filename[:255], size=size, format=file_format, channel=channel)
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        return StatementFile.objects.get(sha256=sha256), False
    chunks_write(StatementFileChunk, "file", row, source)
    return row, True


def statement_file_content(file: StatementFile) -> bytes:
    """A kept file's bytes at once (for small files: tests, a pain.002; large ones: ``chunks_read``)."""
    return chunks_bytes(file.chunks.all())


def _source(content: Source | None, path: str | os.PathLike[str] | None) -> Source:
    if (content is None) == (path is None):
        raise ValueError("give the file's content or its path, not both")
    return path if path is not None else content


def unreadable_file_record(*, content: Source | None = None, path: str | os.PathLike[str] | None = None,
                           filename: str, channel: str, error: FormatError, actor=None) -> ExceptionCase | None:
    """Keep an unreadable file as evidence and open a ``statement.unreadable`` exception (see module doc).

    Runs in its own transaction so the evidence survives the caller's refusal. Returns None for the
    command line, where nothing is stored.
    """
    if channel not in _EVIDENCE_CHANNELS:
        return None
    filename, reason = _without_nul(filename), _without_nul(error.reason)
    with transaction.atomic():
        row, created = statement_file_store(content=content, path=path, filename=filename, channel=channel,
                                            file_format="")
        if created:
            audit_record(action="statement_file.unreadable", actor=actor, actor_label="" if actor else "finsync",
                         obj=row, after={"filename": filename, "sha256": row.sha256, "reason": reason})
        return exception_raise(
            kind="statement.unreadable", subject=f"file:{row.sha256}", reference=filename[:200],
            message=f"The bank file {filename} could not be read: {reason}. It is kept as received "
                    f"(file #{row.pk}); ask the bank for a corrected file.",
            cause=reason, details={"file_id": row.pk, "filename": filename, "sha256": row.sha256,
                                   "channel": channel, "reason": reason})


# --- Statements --------------------------------------------------------------------------------------------

def statement_import(*, content: bytes | None = None, path: str | os.PathLike[str] | None = None, filename: str,
                     channel: str, dry_run: bool = False, actor=None, legal_entity=None) -> ImportResult:
    """Import one bank statement file (camt.052/053/054, MT940/MT942, BAI2; recognised automatically).

    Give the file's ``path`` (streamed: memory stays flat however large the file) or its ``content``.
    Raises ``FormatError`` when the file cannot be read (see the module docstring for what is kept).
    Otherwise stores, in one transaction: the file (once per sha256), each statement of a known account
    with its lines (once per account, kind and statement id), the continuity and balance exceptions,
    and the cash positions; statements of unknown accounts open ``statement.unknown_account`` and
    store nothing else. ``dry_run`` does all of it and rolls it back, so the result says exactly what
    an import would do. With ``legal_entity`` (an upload made for one entity) a statement for an account
    of another entity refuses the whole file with a ``DomainError`` and nothing is stored.

    Entries are written while the file is read, ``LINE_BATCH`` at a time, all in the one transaction: a
    file found unreadable halfway rolls back everything it wrote before it is kept as evidence.
    """
    if channel not in FileChannel.values:
        raise ValueError(f"unknown file channel {channel!r}")
    source = _source(content, path)
    filename = _without_nul(filename)
    try:
        digest = source_digest(source)
    except OSError as error:
        raise FormatError("the file could not be opened", filename=filename) from error
    result = ImportResult(filename=filename, sha256=digest[0], dry_run=dry_run)
    try:
        with transaction.atomic():
            _StatementFileImport(result, source=source, digest=digest, channel=channel, actor=actor,
                                 legal_entity=legal_entity).run(iter_statement_file(source, filename=filename))
            if dry_run:
                transaction.set_rollback(True)
    except FormatError as error:
        if not dry_run:
            unreadable_file_record(content=content, path=path, filename=filename, channel=channel, error=error,
                                   actor=actor)
        raise
    return result


# Lines per INSERT: 2,000 rows of ~300 bytes keep one statement of bulk_create well under 1 MB of SQL and
# the objects waiting for it at a few MB, whatever the statement's size.
LINE_BATCH = 2000


class _StatementFileImport:
    """One file's statements, stored while the events of ``iter_statement_file`` stream past."""

    def __init__(self, result: ImportResult, *, source: Source, digest: tuple[str, int], channel: str, actor,
                 legal_entity) -> None:
        self.result, self.source, self.digest, self.channel = result, source, digest, channel
        self.actor, self.legal_entity = actor, legal_entity
        self.accounts = _AccountDirectory()
        self.header: FileHeader | None = None
        self.file_row: StatementFile | None = None
        self.current: _StatementWriter | None = None

    def run(self, events: Iterable) -> None:
        for event in events:
            if isinstance(event, ParsedEntry):
                self.current.add(_entry_without_nul(event))
            elif isinstance(event, StatementStart):
                self.current = self._statement_start(_without_nul(event))
            elif isinstance(event, StatementEnd):
                self._statement_end(_without_nul(event.statement))
            elif isinstance(event, FileHeader):
                self._file_start(_without_nul(event))
            elif isinstance(event, FileEnd):
                self._file_end(_without_nul(event.warnings))

    def _file_start(self, header: FileHeader) -> None:
        result = self.result
        self.header, result.format = header, header.format
        self.file_row, created = statement_file_store(content=self.source, filename=result.filename,
                                                      channel=self.channel, file_format=header.format,
                                                      digest=self.digest)
        result.statement_file, result.file_already_received = self.file_row, not created

    def _statement_start(self, start: StatementStart) -> _StatementWriter:
        statement = start.statement
        currency = _statement_currency(statement, start.entry_currency)
        outcome = StatementOutcome(parsed=statement, outcome=Outcome.UNKNOWN_ACCOUNT, currency=currency)
        self.result.statements.append(outcome)
        account = self.accounts.find(statement.account, currency)
        if account is not None and self.legal_entity is not None and account.legal_entity_id != self.legal_entity.pk:
            raise DomainError(f"The file holds a statement for account {statement.account}, which is not an account "
                              f"of {self.legal_entity.name}; nothing was imported. Upload it for the legal entity "
                              "that holds the account.", code="other_entity")
        if account is None:
            outcome.exceptions.append(_unknown_account(statement, currency, self.result))
        return _StatementWriter(outcome, start, account, file_format=self.header.format, file_row=self.file_row,
                                file_created_at=self.header.created_at)

    def _statement_end(self, statement: ParsedStatement) -> None:
        writer, self.current = self.current, None
        writer.finish(statement, filename=self.result.filename)
        outcome = writer.outcome
        if outcome.outcome == Outcome.CREATED:
            row = outcome.statement
            audit_record(action="bank_statement.imported", actor=self.actor,
                         actor_label="" if self.actor else "finsync", obj=row,
                         legal_entity=outcome.bank_account.legal_entity,
                         after={"file": self.file_row.pk, "statement_id": row.statement_id, "kind": row.kind,
                                "lines": outcome.entry_count, "opening_balance": row.opening_balance,
                                "closing_balance": row.closing_balance,
                                "exceptions": [c.pk for c in outcome.exceptions]})

    def _file_end(self, warnings: tuple[str, ...]) -> None:
        result = self.result
        result.warnings = warnings
        audit_record(action="statement_file.imported", actor=self.actor, actor_label="" if self.actor else "finsync",
                     obj=self.file_row, after={"filename": result.filename, "format": result.format,
                                               "already_received": result.file_already_received,
                                               "created": result.created, "duplicates": result.duplicates,
                                               "unknown_accounts": result.unknown_accounts,
                                               "warnings": list(warnings)})


class _EntryTally:
    """What one statement's entries add up to, counted as they stream past: the figures of the command-line
    contract, the booked sums of the balance check, the latest booking date, and the digest of
    ``_statement_key`` (fed in the exact text ``repr`` gives the whole list, so both ways agree)."""

    def __init__(self, statement: ParsedStatement) -> None:
        self.count = 0
        self.credits = self.debits = self.booked_credits = self.booked_debits = Decimal(0)
        self.latest_booking: date | None = None
        self._digest = hashlib.sha256(f"({statement.account!r}, {statement.sequence_number!r}, "
                                      f"{_balances_key(statement)!r}, [".encode())

    def add(self, entry: ParsedEntry) -> None:
        self._digest.update(((", " if self.count else "") + repr(_entry_key(entry))).encode())
        self.count += 1
        booked = entry.status == EntryStatus.BOOKED
        if entry.is_credit:
            self.credits += entry.amount
            self.booked_credits += entry.amount if booked else 0
        else:
            self.debits += entry.amount
            self.booked_debits += entry.amount if booked else 0
        if entry.booking_date and (self.latest_booking is None or entry.booking_date > self.latest_booking):
            self.latest_booking = entry.booking_date

    def digest(self, statement: ParsedStatement) -> str:
        final = self._digest.copy()
        final.update(f"], {statement.created_at!r})".encode())
        return final.hexdigest()[:16]


class _StatementWriter:
    """One statement: its row inserted at the start, its lines written ``LINE_BATCH`` at a time, its row
    completed and checked at the end.

    The row needs its key before its lines can point at it. camt statements carry a unique bank id, and
    readers that read a file whole (MT940, BAI2) give every entry up front, so the key is known at the start
    and a duplicate is recognised before a single line is written. Otherwise (a camt statement without
    ``Id``) the row is inserted under a placeholder key inside a savepoint, and renamed at the end; when the
    final key is already stored, the savepoint is rolled back and the statement is a duplicate.
    """

    def __init__(self, outcome: StatementOutcome, start: StatementStart, account: CompanyBankAccount | None, *,
                 file_format: str, file_row: StatementFile, file_created_at: datetime | None) -> None:
        self.outcome, self.start, self.file_format = outcome, start, file_format
        self.file_created_at = file_created_at
        self.tally = _EntryTally(start.statement)
        self.lines: list[StatementLine] = []
        self.row: BankStatement | None = None
        self.savepoint: str | None = None
        if account is None:
            return
        outcome.bank_account = account
        statement = start.statement
        key = _statement_key(file_format, statement) if (
            start.entries_included or _has_unique_id(file_format, statement)) else None
        if key is None:
            self.savepoint = transaction.savepoint()
        self.row = _statement_row_insert(statement, account, file_format, key or f"~{uuid.uuid4().hex}", file_row,
                                         file_created_at)
        if self.row is None:
            outcome.outcome, outcome.statement_key = Outcome.DUPLICATE, key

    def add(self, entry: ParsedEntry) -> None:
        self.tally.add(entry)
        if self.row is None:
            return
        self.lines.append(_line(self.row, self.tally.count, entry, self.row.currency))
        if len(self.lines) >= LINE_BATCH:
            self._flush()

    def _flush(self) -> None:
        StatementLine.objects.bulk_create(self.lines)
        self.lines = []

    def finish(self, statement: ParsedStatement, *, filename: str) -> None:
        """Complete the statement with its header as read at its end (``statement``)."""
        outcome, tally, started = self.outcome, self.tally, self.start.statement
        if (statement.statement_id, statement.account) != (started.statement_id, started.account):
            raise FormatError(f"statement {statement.statement_id or '(without Id)'} names its id or account after "
                              "its entries, where the format does not allow them")
        outcome.parsed = statement
        outcome.entry_count, outcome.credits, outcome.debits = tally.count, tally.credits, tally.debits
        if self.row is None:
            return
        self._flush()
        row = self.row
        if self.savepoint is not None and not self._rename(statement):
            return
        dates = (_from_date(statement, tally.latest_booking), _statement_date(statement, tally.latest_booking))
        balances = (_money(statement.opening_balance), _money(statement.closing_balance),
                    _money(statement.available_balance))
        if dates != (row.from_date, row.to_date) or balances != (row.opening_balance, row.closing_balance,
                                                                  row.available_balance):
            (row.from_date, row.to_date), (row.opening_balance, row.closing_balance, row.available_balance) = (
                dates, balances)
            row.save(update_fields=["from_date", "to_date", "opening_balance", "closing_balance",
                                    "available_balance", "updated_at"])
        outcome.outcome, outcome.statement, outcome.statement_key = Outcome.CREATED, row, row.statement_id
        outcome.exceptions.extend(_statement_checks(row, tally, filename))
        outcome.cash_positions.extend(_cash_positions(row, statement, self.file_created_at))

    def _rename(self, statement: ParsedStatement) -> bool:
        """Give a statement stored under a placeholder its key; False (and nothing kept) for a duplicate."""
        row = self.row
        key = _statement_key(self.file_format, statement, entries_digest=self.tally.digest(statement),
                             latest_booking=self.tally.latest_booking)
        if BankStatement.objects.filter(bank_account_id=row.bank_account_id, kind=row.kind,
                                        statement_id=key).exists():
            transaction.savepoint_rollback(self.savepoint)
            self.row, self.outcome.outcome, self.outcome.statement_key = None, Outcome.DUPLICATE, key
            return False
        # The unique constraint still decides a race with another import of the same statement: it raises
        # here and the whole file is rolled back, to be retried.
        row.statement_id = key
        row.save(update_fields=["statement_id", "updated_at"])
        transaction.savepoint_commit(self.savepoint)
        return True


class _AccountDirectory:
    """Company bank accounts of one file: by IBAN, else by the account number as the bank writes it (with the
    currency when the statement states one). One query per account the file names, remembered."""

    def __init__(self) -> None:
        self.by_iban: dict[str, CompanyBankAccount] = {}
        self.by_number: dict[str, list[CompanyBankAccount]] = {}
        self.asked: set[str] = set()

    def _load(self, written: str) -> None:
        if written in self.asked:
            return
        self.asked.add(written)
        query = CompanyBankAccount.objects.filter(Q(iban=_compact(written)) | Q(account_number=written))
        for account in query.select_related("legal_entity"):
            if account.iban:
                self.by_iban[account.iban.upper()] = account
            if account.account_number and account not in self.by_number.get(account.account_number, []):
                self.by_number.setdefault(account.account_number, []).append(account)

    def find(self, written: str | None, currency: str | None) -> CompanyBankAccount | None:
        if not written or not written.strip():
            return None
        self._load(written.strip())
        account = self.by_iban.get(_compact(written))
        if account is not None:
            return account
        candidates = self.by_number.get(written.strip(), [])
        if currency:
            candidates = [a for a in candidates if a.currency == currency]
        return candidates[0] if len(candidates) == 1 else None


def _compact(value: str) -> str:
    return "".join(value.split()).upper()


def _statement_currency(statement: ParsedStatement, entry_currency: str | None = None) -> str | None:
    """The account currency the file states, else the currency of its balances, else of its entries."""
    if statement.account_currency:
        return statement.account_currency
    for balance in (statement.opening_balance, statement.closing_balance, statement.available_balance,
                    *statement.balances):
        if balance is not None and balance.currency:
            return balance.currency
    return entry_currency or next((e.currency for e in statement.entries if e.currency), None)


def _has_unique_id(file_format: str, statement: ParsedStatement) -> bool:
    return file_format in _UNIQUE_ID_FORMATS and bool((statement.statement_id or "").strip())


def _balances_key(statement: ParsedStatement) -> list:
    return [(b.type_code, str(b.amount), b.currency, b.date) for b in statement.balances]


def _entry_key(entry: ParsedEntry) -> tuple:
    return (entry.credit_debit, str(entry.amount), entry.booking_date, entry.value_date, entry.bank_reference,
            entry.end_to_end_id, entry.remittance_info)


def _statement_key(file_format: str, statement: ParsedStatement, *, entries_digest: str | None = None,
                   latest_booking: date | None = None) -> str:
    """The stored statement id (see the module docstring).

    ``entries_digest`` / ``latest_booking`` come from ``_EntryTally`` when the entries streamed past instead
    of being in ``statement.entries``.
    """
    bank_id = (statement.statement_id or "").strip()
    if file_format in _UNIQUE_ID_FORMATS and bank_id:
        return bank_id[:120]
    day = _statement_date(statement, latest_booking)
    digest = entries_digest or hashlib.sha256(repr((
        statement.account, statement.sequence_number, _balances_key(statement),
        [_entry_key(e) for e in statement.entries], statement.created_at,
    )).encode()).hexdigest()[:16]
    parts = [bank_id[:60], (statement.sequence_number or "").strip()[:20], day.isoformat() if day else "", digest]
    return "/".join(parts)[:120]


def _statement_date(statement: ParsedStatement, latest_booking: date | None = None) -> date | None:
    """The business date of a statement: its end, else its closing balance date, else when it was made, else
    its latest booking date (``latest_booking`` when the entries streamed past)."""
    if statement.to_dt is not None:
        return statement.to_dt.date()
    for balance in (statement.closing_balance, statement.available_balance, statement.opening_balance):
        if balance is not None and balance.date is not None:
            return balance.date
    if statement.created_at is not None:
        return statement.created_at.date()
    dates = [e.booking_date for e in statement.entries if e.booking_date]
    if latest_booking is not None:
        dates.append(latest_booking)
    return max(dates) if dates else None


def _from_date(statement: ParsedStatement, latest_booking: date | None = None) -> date | None:
    if statement.from_dt is not None:
        return statement.from_dt.date()
    if statement.opening_balance is not None and statement.opening_balance.date is not None:
        return statement.opening_balance.date
    return _statement_date(statement, latest_booking)


def _unknown_account(statement: ParsedStatement, currency: str | None, result: ImportResult) -> ExceptionCase:
    written = statement.account or "(no account given)"
    return exception_raise(
        kind="statement.unknown_account", subject=f"account:{written}:{currency or ''}", reference=written[:200],
        message=f"The statement {statement.statement_id or '(without id)'} in {result.filename} is for account "
                f"{written}{f' ({currency})' if currency else ''}, which is not set up as a company bank account. "
                "Set the account up, then import the file again: statements already stored are not repeated.",
        cause=f"unknown account {written}",
        details={"account": statement.account, "currency": currency, "statement_id": statement.statement_id,
                 "filename": result.filename, "file_id": result.statement_file.pk if result.statement_file else None})


def _money(balance: Balance | None) -> Decimal | None:
    return None if balance is None else balance.amount


def _statement_row_insert(statement: ParsedStatement, account: CompanyBankAccount, file_format: str, key: str,
                          file_row: StatementFile, file_created_at: datetime | None) -> BankStatement | None:
    """Insert the statement's row, or return None when it is already stored (a duplicate).

    The unique constraint decides, not a prior read, so two imports racing over the same statement
    store it once. Dates and balances are completed by ``_StatementWriter.finish`` when the statement's
    end says more than its start.
    """
    row = BankStatement(
        bank_account=account, legal_entity=account.legal_entity, source_file=file_row,
        kind=KIND_BY_FORMAT[file_format], format=file_format, statement_id=key,
        sequence_number=(statement.sequence_number or "")[:40], currency=account.currency,
        from_date=_from_date(statement), to_date=_statement_date(statement),
        opening_balance=_money(statement.opening_balance), closing_balance=_money(statement.closing_balance),
        available_balance=_money(statement.available_balance),
        created_at_bank=statement.created_at or file_created_at)
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        if BankStatement.objects.filter(bank_account=account, kind=row.kind, statement_id=key).exists():
            return None
        raise
    return row


def _text(value: str | None, length: int) -> str:
    if not value:
        return ""
    return value.strip()[:length]


def _line(row: BankStatement, number: int, entry: ParsedEntry, account_currency: str) -> StatementLine:
    currency = entry.currency if entry.currency and len(entry.currency) == 3 and entry.currency.isupper() \
        else account_currency
    end_to_end = _text(entry.end_to_end_id, 120)
    return StatementLine(
        statement=row, line_no=number, amount=entry.amount, currency=currency,
        credit_debit=CreditDebit.CREDIT if entry.is_credit else CreditDebit.DEBIT, reversal=entry.reversal,
        status=entry.status if entry.status in EntryStatus.values else EntryStatus.INFO,
        booking_date=entry.booking_date, value_date=entry.value_date,
        bank_reference=_text(entry.bank_reference, 120),
        end_to_end_id="" if end_to_end.upper() in _NOT_AN_ID else end_to_end,
        counterparty_name=_text(entry.counterparty_name, 200),
        counterparty_account=_text(entry.counterparty_account, 64),
        remittance_info=(entry.remittance_info or "").strip(),
        bank_transaction_code=_text(entry.bank_transaction_code, 64))


def period_for(legal_entity, day: date | None) -> AccountingPeriod | None:
    """The regular accounting period of the entity that contains ``day`` (not the adjustment period 13)."""
    if legal_entity is None or day is None:
        return None
    return (AccountingPeriod.objects.filter(legal_entity=legal_entity, start_date__lte=day, end_date__gte=day)
            .order_by("number").first())


def _sequence(value: str) -> tuple[int, int | None] | None:
    """"00004/00001" → (4, 1); "315" → (315, None); anything else is not comparable."""
    match = _SEQUENCE.match(value or "")
    if not match:
        return None
    return int(match[1]), int(match[2]) if match[2] else None


def _sequence_follows(previous: str, current: str, year_changed: bool) -> bool | None:
    """Whether ``current`` follows ``previous``; None when they are not both numeric.

    The next statement number, or the next page of the same statement; MT940 numbers restart at 1
    with a new year.
    """
    before, now = _sequence(previous), _sequence(current)
    if before is None or now is None:
        return None
    (number_before, page_before), (number_now, page_now) = before, now
    if number_now == number_before + 1:
        return page_now in (None, 1) or page_before is None
    if number_now == number_before and page_before is not None and page_now is not None:
        return page_now == page_before + 1
    return year_changed and number_now == 1


def _statement_checks(statement: BankStatement, tally: _EntryTally, filename: str) -> list[ExceptionCase]:
    """Continuity with the account's previous statement and opening + credits − debits = closing."""
    account = statement.bank_account
    day = statement.to_date or statement.from_date

    def show(value: Decimal) -> str:
        return money_text(value, statement.currency)

    dimensions = {"legal_entity": account.legal_entity, "bank_account": account,
                  "period": period_for(account.legal_entity, day)}
    cases = []
    problems: list[str] = []
    details: dict = {"statement": statement.pk, "statement_id": statement.statement_id, "filename": filename}
    if statement.kind == StatementKind.BOOKED:
        previous = _previous_statement(statement)
        if previous is not None:
            details["previous_statement"] = previous.pk
            details["previous_statement_id"] = previous.statement_id
            if (previous.closing_balance is not None and statement.opening_balance is not None
                    and previous.closing_balance != statement.opening_balance):
                problems.append(f"its opening balance {show(statement.opening_balance)} {statement.currency} is not "
                                f"the closing balance {show(previous.closing_balance)} of the previous statement "
                                f"{previous.statement_id} ({previous.to_date})")
                details.update(opening_balance=show(statement.opening_balance),
                               previous_closing_balance=show(previous.closing_balance))
            year_changed = bool(previous.to_date and day and previous.to_date.year < day.year)
            follows = _sequence_follows(previous.sequence_number, statement.sequence_number, year_changed)
            if follows is False:
                problems.append(f"its sequence number {statement.sequence_number} does not follow "
                                f"{previous.sequence_number} of the previous statement")
                details.update(sequence_number=statement.sequence_number,
                               previous_sequence_number=previous.sequence_number)
    if problems:
        cases.append(exception_raise(
            kind="statement.continuity", subject=f"statement:{statement.pk}:continuity",
            reference=statement.statement_id[:200], cause="statement continuity broken",
            message=f"Statement {statement.statement_id} of {account} for {day}: " + "; and ".join(problems)
                    + ". A statement may be missing; ask the bank before reconciling this account.",
            details=jsonable(details), **dimensions))
    if statement.opening_balance is not None and statement.closing_balance is not None:
        credits, debits = tally.booked_credits, tally.booked_debits
        expected = statement.opening_balance + credits - debits
        if expected != statement.closing_balance:
            cases.append(exception_raise(
                kind="statement.balance", subject=f"statement:{statement.pk}:balance",
                reference=statement.statement_id[:200], cause="statement does not add up",
                message=f"Statement {statement.statement_id} of {account} for {day} does not add up: opening "
                        f"{show(statement.opening_balance)} + credits {show(credits)} − debits {show(debits)} = "
                        f"{show(expected)}, but the bank states a closing balance of "
                        f"{show(statement.closing_balance)} (difference "
                        f"{show(statement.closing_balance - expected)} {statement.currency}).",
                details=jsonable({**details, "opening_balance": show(statement.opening_balance),
                                  "credits": show(credits), "debits": show(debits),
                                  "expected_closing_balance": show(expected),
                                  "closing_balance": show(statement.closing_balance),
                                  "difference": show(statement.closing_balance - expected)}),
                **dimensions))
    return cases


def _previous_statement(statement: BankStatement) -> BankStatement | None:
    earlier = BankStatement.objects.filter(bank_account_id=statement.bank_account_id, kind=statement.kind).exclude(
        pk=statement.pk)
    if statement.to_date is not None:
        earlier = earlier.filter(Q(to_date__lt=statement.to_date) | Q(to_date=statement.to_date, pk__lt=statement.pk))
    else:
        earlier = earlier.filter(pk__lt=statement.pk)
    return earlier.order_by("-to_date", "-pk").first()


def _moment(day: date, *candidates: datetime | None) -> datetime:
    for candidate in candidates:
        if candidate is not None:
            return candidate
    # No time stated: the end of the business day, in UTC (a booked balance is an end-of-day fact).
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _cash_positions(statement: BankStatement, parsed_statement: ParsedStatement,
                    file_created_at: datetime | None) -> list[CashPosition]:
    """Booked positions from end-of-day closing balances, intraday ones from camt.052/MT942 reports.

    Positions are history: every statement adds its own row; a second statement stating a position for
    the very same moment leaves the first one in place (its checks say which one is right).
    """
    account = statement.bank_account
    if statement.kind == StatementKind.BOOKED:
        closing = parsed_statement.closing_balance
        if closing is None or closing.type_code in _INTERMEDIATE_BALANCES:
            return []
        kind, balance = CashPositionKind.BOOKED, closing
    elif statement.kind == StatementKind.INTRADAY:
        balance = parsed_statement.closing_balance or (
            parsed_statement.intraday_balances[-1] if parsed_statement.intraday_balances else None
        ) or parsed_statement.available_balance
        if balance is None:
            return []
        kind = CashPositionKind.INTRADAY
    else:
        return []
    if balance.currency and balance.currency != account.currency:
        logger.warning("statement %s: balance in %s on a %s account left out of cash positions",
                       statement.pk, balance.currency, account.currency)
        return []
    day = balance.date or statement.to_date
    if day is None:
        return []
    if kind == CashPositionKind.BOOKED:
        as_of = _moment(day, parsed_statement.to_dt if parsed_statement.to_dt and parsed_statement.to_dt.date() == day
                        else None)
    else:
        as_of = _moment(day, parsed_statement.created_at, parsed_statement.to_dt, file_created_at)
    position = CashPosition(legal_entity=account.legal_entity, bank_account=account, currency=account.currency,
                            kind=kind, position_date=day, as_of=as_of, amount=balance.amount,
                            source_statement=statement)
    try:
        with transaction.atomic():
            position.save(force_insert=True)
    except IntegrityError:
        return []
    return [position]


# --- Payment status reports (pain.002) ---------------------------------------------------------------------

ACCEPTED_CODES = frozenset({"ACCP", "ACSC", "ACSP", "ACWC"})
REJECTED_CODE = "RJCT"
# Allowed payment status changes a bank report can make; anything else is left as it is (a late
# "accepted" never revives a rejected or settled payment).
_PAYMENT_FROM = {
    PaymentStatus.ACCEPTED: {PaymentStatus.CREATED, PaymentStatus.APPROVED, PaymentStatus.SENT},
    PaymentStatus.REJECTED: {PaymentStatus.CREATED, PaymentStatus.APPROVED, PaymentStatus.SENT,
                             PaymentStatus.ACCEPTED},
}
_OPEN_PAYMENT_STATUSES = (PaymentStatus.CREATED, PaymentStatus.APPROVED, PaymentStatus.SENT, PaymentStatus.ACCEPTED)


@dataclass
class PaymentStatusResult:
    """The answer of ``payment_status_import``."""

    filename: str
    report: PaymentStatusReport
    statement_file: StatementFile | None = None
    file_already_received: bool = False
    batches: list[PaymentBatch] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # end-to-end ids newly accepted
    rejected: list[str] = field(default_factory=list)  # end-to-end ids newly rejected
    unchanged: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # end-to-end ids (or the message id) matching nothing
    exceptions: list[ExceptionCase] = field(default_factory=list)
    writebacks: list = field(default_factory=list)  # SyncRecords emitted

    def as_json(self) -> dict:
        """The command-line contract of ``payment_status --json`` (docs/CLI.md)."""
        return payment_status_json(self.report)


def payment_status_json(report: PaymentStatusReport) -> dict:
    return {
        "format": "pain.002",
        "original_message_id": report.original_message_id,
        "group_status": report.group_status,
        "transactions": [{"end_to_end_id": t.original_end_to_end_id, "status": t.status, "reason": t.reason_code}
                         for t in report.transactions],
    }


@dataclass
class _Decision:
    status: str  # bank code
    reason_code: str
    reason_text: str


def payment_status_import(*, content: bytes | None = None, path: str | os.PathLike[str] | None = None,
                          filename: str, channel: str, actor=None, legal_entity=None) -> PaymentStatusResult:
    """Apply a pain.002 payment status report to the batch and payments it answers.

    Per payment, by original end-to-end id: ACCP/ACSC/ACSP/ACWC → accepted, RJCT → rejected with the
    reason; a status given only for the payment block or the group applies to every payment of the
    batch it names. A rejection opens ``payment.rejected`` and writes the status back to the ERP and the
    treasury system through the pipeline, so the ledger stops showing the payment as paid; a report, or
    transactions, that match no payment open ``payment.unmatched_ack``. The same file twice changes
    nothing the second time; a different file repeating known statuses changes nothing either. With
    ``legal_entity`` (an upload made for one entity) a report about another entity's payments is refused
    with a ``DomainError`` and nothing is stored. Give the report's ``content`` or its ``path``.
    """
    if channel not in FileChannel.values:
        raise ValueError(f"unknown file channel {channel!r}")
    source = _source(content, path)
    filename = _without_nul(filename)
    try:
        report = _without_nul(parse_pain002(source))
    except FormatError as error:
        error = error.with_filename(filename)
        unreadable_file_record(content=content, path=path, filename=filename, channel=channel, error=error,
                               actor=actor)
        raise error from error.__cause__
    result = PaymentStatusResult(filename=filename, report=report)
    with transaction.atomic():
        if legal_entity is not None:
            _refuse_other_entity_payments(report, legal_entity)
        file_row, created = statement_file_store(content=content, path=path, filename=filename, channel=channel,
                                                 file_format="pain.002")
        result.statement_file, result.file_already_received = file_row, not created
        if not created:
            return result
        _apply_status_report(result, actor)
        audit_record(action="payment_status.imported", actor=actor, actor_label="" if actor else "finsync",
                     obj=file_row, after={"filename": filename, "original_message_id": report.original_message_id,
                                          "group_status": report.group_status, "accepted": result.accepted,
                                          "rejected": result.rejected, "unmatched": result.unmatched})
    return result


def _refuse_other_entity_payments(report: PaymentStatusReport, legal_entity) -> None:
    """An upload for one legal entity may not change another one's payments."""
    end_to_end_ids = [t.original_end_to_end_id for t in report.transactions if t.original_end_to_end_id]
    answered = Q(end_to_end_id__in=end_to_end_ids)
    if report.original_message_id:
        answered |= Q(batch__reference=report.original_message_id)
    if PaymentInstruction.objects.filter(answered).exclude(legal_entity=legal_entity).exists():
        raise DomainError(f"The payment status report answers payments that are not payments of {legal_entity.name}; "
                          "nothing was imported. Upload it for the legal entity that sent the payments.",
                          code="other_entity")


def _reason(reasons) -> tuple[str, str]:
    code = next((r.code or r.proprietary for r in reasons if r.code or r.proprietary), None) or ""
    text = " ".join(r.text for r in reasons if r.text)
    return code[:10], text[:255]


def _apply_status_report(result: PaymentStatusResult, actor) -> None:
    report = result.report
    batch = (PaymentBatch.objects.select_related("legal_entity", "debtor_account")
             .filter(reference=report.original_message_id).first() if report.original_message_id else None)
    end_to_end_ids = [t.original_end_to_end_id for t in report.transactions if t.original_end_to_end_id]
    payments = {p.end_to_end_id: p for p in PaymentInstruction.objects.select_related(
        "batch__legal_entity", "batch__debtor_account", "supplier", "legal_entity").filter(
        end_to_end_id__in=end_to_end_ids)} if end_to_end_ids else {}
    decisions: dict[int, tuple[PaymentInstruction, _Decision]] = {}

    # Group and payment-block statuses first; a transaction's own status wins over them.
    if batch is not None:
        group_code = report.stated_group_status
        block = next((i for i in report.payment_infos if i.status and i.original_payment_info_id in (
            batch.reference, None)), None) or (report.payment_infos[0] if len(report.payment_infos) == 1
                                               and report.payment_infos[0].status else None)
        wide = None
        if block is not None and block.status in ACCEPTED_CODES | {REJECTED_CODE}:
            wide = _Decision(block.status, *_reason(block.reasons))
        elif group_code in ACCEPTED_CODES | {REJECTED_CODE}:
            wide = _Decision(group_code, *_reason(report.group_reasons))
        if wide is not None:
            for payment in batch.payments.select_related("batch__legal_entity", "batch__debtor_account", "supplier",
                                                         "legal_entity").exclude(status=PaymentStatus.CANCELLED):
                decisions[payment.pk] = (payment, wide)
    for transaction_status in report.transactions:
        payment = payments.get(transaction_status.original_end_to_end_id or "")
        if payment is None:
            result.unmatched.append(transaction_status.original_end_to_end_id or "(no end-to-end id)")
            continue
        if transaction_status.status in ACCEPTED_CODES | {REJECTED_CODE}:
            decisions[payment.pk] = (payment, _Decision(transaction_status.status,
                                                        *_reason(transaction_status.reasons)))
        else:
            decisions.setdefault(payment.pk, (payment, None))  # acknowledged (RCVD/ACTC/PDNG), no decision

    now = timezone.now()
    touched_batches = {p.batch_id for p, _ in decisions.values() if p.batch_id}
    if batch is not None:
        touched_batches.add(batch.pk)
        # Any report about the batch acknowledges it: the unacknowledged-payment check stops here.
        PaymentInstruction.objects.filter(batch=batch, acknowledged_at__isnull=True).update(acknowledged_at=now)
    acknowledged = [p.pk for p, _ in decisions.values()]
    if acknowledged:
        PaymentInstruction.objects.filter(pk__in=acknowledged, acknowledged_at__isnull=True).update(
            acknowledged_at=now)

    newly_accepted: list[int] = []
    for payment, decision in decisions.values():
        if decision is None:
            result.unchanged.append(payment.end_to_end_id)
            continue
        target = PaymentStatus.REJECTED if decision.status == REJECTED_CODE else PaymentStatus.ACCEPTED
        if payment.status not in _PAYMENT_FROM[target]:
            result.unchanged.append(payment.end_to_end_id)
            continue
        if target == PaymentStatus.ACCEPTED:
            newly_accepted.append(payment.pk)
            result.accepted.append(payment.end_to_end_id)
        else:
            _payment_reject(result, payment, decision, now, actor)
    if newly_accepted:
        # Conditional update: a payment another report rejected meanwhile stays rejected.
        PaymentInstruction.objects.filter(pk__in=newly_accepted, status__in=_PAYMENT_FROM[PaymentStatus.ACCEPTED]
                                          ).update(status=PaymentStatus.ACCEPTED, updated_at=now)
    for batch_row in PaymentBatch.objects.filter(pk__in=touched_batches).select_related("legal_entity"):
        _batch_status_update(batch_row, report, actor)
        result.batches.append(batch_row)
    _status_events(result, list(decisions.values()), now)
    if result.unmatched or (batch is None and not decisions):
        result.exceptions.append(_unmatched_ack(result))


def _status_events(result: PaymentStatusResult, decisions: list[tuple[PaymentInstruction, _Decision | None]],
                   now) -> None:
    """One history row per payment the report speaks about: the bank's code and the status change it made."""
    report = result.report
    codes = {t.original_end_to_end_id: t.status or "" for t in report.transactions}
    after = {**dict.fromkeys(result.accepted, PaymentStatus.ACCEPTED),
             **dict.fromkeys(result.rejected, PaymentStatus.REJECTED)}
    PaymentStatusEvent.objects.bulk_create([PaymentStatusEvent(
        payment=payment, report_file=result.statement_file, report_message_id=(report.message_id or "")[:35],
        bank_status=((decision.status if decision else codes.get(payment.end_to_end_id)) or report.group_status
                     or "")[:4],
        status_before=payment.status, status_after=after.get(payment.end_to_end_id, payment.status),
        reason_code=decision.reason_code if decision else "", reason_text=decision.reason_text if decision else "",
        at=now) for payment, decision in decisions])


def _payment_reject(result: PaymentStatusResult, payment: PaymentInstruction, decision: _Decision, now,
                    actor) -> None:
    before = payment.status
    updated = PaymentInstruction.objects.filter(pk=payment.pk, status__in=_PAYMENT_FROM[PaymentStatus.REJECTED]).update(
        status=PaymentStatus.REJECTED, status_reason_code=decision.reason_code,
        status_reason_text=decision.reason_text, updated_at=now)
    if not updated:
        result.unchanged.append(payment.end_to_end_id)
        return
    result.rejected.append(payment.end_to_end_id)
    batch = payment.batch
    entity = payment.legal_entity
    why = " ".join(part for part in (decision.reason_code, decision.reason_text) if part) or "no reason given"
    audit_record(action="payment.rejected", actor=actor, actor_label="" if actor else "finsync", obj=payment,
                 legal_entity=entity, before={"status": before},
                 after={"status": PaymentStatus.REJECTED, "reason_code": decision.reason_code,
                        "reason_text": decision.reason_text, "report": result.statement_file.pk})
    result.exceptions.append(exception_raise(
        kind="payment.rejected", subject=f"payment:{payment.end_to_end_id}", reference=payment.end_to_end_id,
        message=f"The bank rejected payment {payment.end_to_end_id} of "
                f"{money_text(payment.amount, payment.currency)} {payment.currency} to "
                f"{payment.creditor_name}: {why}. The ERP and the treasury system are told; correct the payment "
                "and pay again.",
        cause=f"payment rejected {decision.reason_code}",
        details=jsonable({"end_to_end_id": payment.end_to_end_id, "reason_code": decision.reason_code,
                 "reason_text": decision.reason_text, "amount": payment.amount, "currency": payment.currency,
                 "report_file": result.statement_file.pk, "original_message_id": result.report.original_message_id}),
        legal_entity=entity, bank_account=batch.debtor_account if batch else None, payment_batch=batch,
        supplier=payment.supplier))
    payload = {
        "end_to_end_id": payment.end_to_end_id, "instruction_id": payment.instruction_id,
        "legal_entity": entity.code, "batch_reference": batch.reference if batch else None,
        "status": PaymentStatus.REJECTED, "reason_code": decision.reason_code, "reason_text": decision.reason_text,
        "amount": money_text(payment.amount, payment.currency), "currency": payment.currency,
        "supplier_number": payment.supplier.number if payment.supplier else None,
        "invoice_id": payment.invoice_id, "reported_at": now.isoformat(),
    }
    for flow in ("payment_status_writeback", "payment_status_to_treasury"):
        record, _ = outbound_emit(flow=flow, payload=payload, idempotency_key=f"{payment.end_to_end_id}:rejected",
                                  legal_entity=entity, external_id=payment.end_to_end_id)
        if record is not None:
            result.writebacks.append(record)


def _batch_status_update(batch: PaymentBatch, report: PaymentStatusReport, actor) -> None:
    """The batch status follows its payments: all rejected, some rejected, or all accepted."""
    statuses = list(batch.payments.exclude(status=PaymentStatus.CANCELLED).values_list("status", flat=True))
    if not statuses:
        return
    rejected = sum(s == PaymentStatus.REJECTED for s in statuses)
    if rejected == len(statuses):
        target = BatchStatus.REJECTED
    elif rejected:
        target = BatchStatus.PARTIALLY_REJECTED
    elif all(s in (PaymentStatus.ACCEPTED, PaymentStatus.SETTLED) for s in statuses):
        target = BatchStatus.ACCEPTED
    else:
        return
    if target == batch.status or target not in BATCH_TRANSITIONS.get(batch.status, set()):
        return
    code, text = _reason(report.group_reasons)
    reason = " ".join(p for p in (report.group_status or "", code, text) if p)[:255]
    updated = PaymentBatch.objects.filter(pk=batch.pk, status=batch.status).update(
        status=target, status_reason=reason, updated_at=timezone.now())
    if updated:
        audit_record(action="payment_batch.status_changed", actor=actor, actor_label="" if actor else "finsync",
                     obj=batch, legal_entity=batch.legal_entity, before={"status": batch.status},
                     after={"status": target, "reason": reason})
        batch.status, batch.status_reason = target, reason


def _unmatched_ack(result: PaymentStatusResult) -> ExceptionCase:
    report = result.report
    what = (f"{len(result.unmatched)} transaction(s) ({', '.join(result.unmatched[:10])})" if result.unmatched
            else "the report")
    return exception_raise(
        kind="payment.unmatched_ack", subject=f"ack:{report.message_id or result.statement_file.sha256}",
        reference=(report.original_message_id or report.message_id or result.filename)[:200],
        message=f"The payment status report {report.message_id or result.filename} answers message "
                f"{report.original_message_id or '(none given)'}, but {what} match no payment FinSync sent. "
                "Check whether the payments were sent from another system.",
        cause="acknowledgment matches no payment",
        details={"filename": result.filename, "file_id": result.statement_file.pk, "message_id": report.message_id,
                 "original_message_id": report.original_message_id, "unmatched_end_to_end_ids": result.unmatched,
                 "group_status": report.group_status})
