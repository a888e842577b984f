"""A statement file as a stream of events, so that an import can store entries while it reads them.

Every reader produces the same sequence::

    FileHeader, (StatementStart, ParsedEntry*, StatementEnd)*, FileEnd

The camt reader produces it while lxml reads the file (``camt.iter_camt``): an entry is handed on and
freed before the next one is read, so memory does not grow with the number of entries. MT940/MT942 and
BAI2 files are read whole by their libraries (they are text files of a few MB at most) and their
``ParsedFile`` is replayed as events (``events_from_parsed``).

``collect`` turns the events back into a ``ParsedFile`` (what ``parse_statement_file`` returns).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from .errors import FormatError
from .model import ParsedEntry, ParsedFile, ParsedStatement


@dataclass(frozen=True, slots=True)
class FileHeader:
    """The file's own header: its format and message, before any statement."""

    format: str  # one of model.STATEMENT_FORMATS
    message_id: str | None
    created_at: datetime | None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class StatementStart:
    """A statement's header (account, balances, dates, stated totals), before its entries.

    ``entries_included``: ``statement.entries`` already holds every entry (a reader that read the
    file whole); otherwise it is empty and the entries only follow as events. ``entry_currency`` is
    the currency of the first entry, for statements that state no other currency.
    """

    statement: ParsedStatement
    entries_included: bool = False
    entry_currency: str | None = None


@dataclass(frozen=True, slots=True)
class StatementEnd:
    """The statement's header read again once the statement is complete (``entries`` empty)."""

    statement: ParsedStatement


@dataclass(frozen=True, slots=True)
class FileEnd:
    """The file is complete; ``warnings`` says what a reader had to leave out, in plain words."""

    warnings: tuple[str, ...] = ()


StatementEvent = FileHeader | StatementStart | ParsedEntry | StatementEnd | FileEnd


def events_from_parsed(parsed: ParsedFile) -> Iterator[StatementEvent]:
    """Replay a whole ``ParsedFile`` as events."""
    yield FileHeader(format=parsed.format, message_id=parsed.message_id, created_at=parsed.created_at,
                     version=parsed.version)
    for statement in parsed.statements:
        first = next((e.currency for e in statement.entries if e.currency), None)
        yield StatementStart(statement=statement, entries_included=True, entry_currency=first)
        yield from statement.entries
        yield StatementEnd(statement=replace(statement, entries=()))
    yield FileEnd(warnings=parsed.warnings)


def collect(events: Iterable[StatementEvent]) -> ParsedFile:
    """Gather events into a ``ParsedFile``, each statement with its entries (memory grows with the file)."""
    header: FileHeader | None = None
    statements: list[ParsedStatement] = []
    entries: list[ParsedEntry] = []
    warnings: tuple[str, ...] = ()
    for event in events:
        if isinstance(event, ParsedEntry):
            entries.append(event)
        elif isinstance(event, StatementStart):
            entries = []
        elif isinstance(event, StatementEnd):
            statements.append(replace(event.statement, entries=tuple(entries)))
        elif isinstance(event, FileHeader):
            header = event
        elif isinstance(event, FileEnd):
            warnings = event.warnings
    if header is None:
        raise FormatError("the file has no header")
    return ParsedFile(format=header.format, message_id=header.message_id, created_at=header.created_at,
                      statements=statements, warnings=warnings, version=header.version)
