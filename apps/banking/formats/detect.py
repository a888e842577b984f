"""Recognising a bank statement file by its first bytes, and parsing it with the right reader."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator

from .bai2 import parse_bai2
from .camt import iter_camt
from .errors import FormatError
from .model import ParsedFile
from .stream import StatementEvent, collect, events_from_parsed
from .swift import is_mt942, parse_swift
from .xmlsafe import DEFAULT_MAX_BYTES, HEAD_BYTES, Source, check_size, read_head

logger = logging.getLogger(__name__)

_CAMT_NAMESPACE = re.compile(r"camt\.05([234])\.\d{3}\.\d{2}")
_PAIN_NAMESPACE = re.compile(r"pain\.00([12])\.\d{3}\.\d{2}")
_ROOTS = {
    "BkToCstmrAcctRpt": "camt.052",
    "BkToCstmrStmt": "camt.053",
    "BkToCstmrDbtCdtNtfctn": "camt.054",
    "CstmrCdtTrfInitn": "pain.001",
    "CstmrPmtStsRpt": "pain.002",
}
_ROOT_ELEMENT = re.compile(r"<(?:\w+:)?(" + "|".join(_ROOTS) + r")[\s/>V]")
_SWIFT_TAG = re.compile(r"^\s*(\{1:|:(20|25|28C?|60[FM]|61|62[FM]|64|65|86|90[CD]|NS|34F|13D?):)", re.MULTILINE)
_UNRECOGNISED = "not a recognised bank statement format (expected camt.052, camt.053, camt.054, MT940, MT942 or BAI2)"
_STREAMING_READERS = {"camt.052": iter_camt, "camt.053": iter_camt, "camt.054": iter_camt}
_WHOLE_FILE_READERS = {"mt940": parse_swift, "mt942": parse_swift, "bai2": parse_bai2}


def detect_format(head: bytes) -> str:
    """The format of a file from its first bytes (64 KB are plenty).

    Returns one of "camt.052", "camt.053", "camt.054", "mt940", "mt942", "bai2", or "pain.001" /
    "pain.002" for payment files; raises FormatError for anything else.
    """
    text = head.replace(b"\x00", b"").decode("latin-1").lstrip("\ufeff\xef\xbb\xbf \t\r\n")
    if text.startswith("<"):
        return _detect_xml(text)
    if text.startswith("01,"):
        return "bai2"
    if _SWIFT_TAG.search(text):
        return "mt942" if is_mt942(text) else "mt940"
    raise FormatError(_UNRECOGNISED)


def _detect_xml(text: str) -> str:
    root = _ROOT_ELEMENT.search(text)
    if root:
        return _ROOTS[root[1]]
    camt = _CAMT_NAMESPACE.search(text)
    if camt:
        return f"camt.05{camt[1]}"
    pain = _PAIN_NAMESPACE.search(text)
    if pain:
        return f"pain.00{pain[1]}"
    raise FormatError(_UNRECOGNISED)


def parse_statement_file(
    source: str | os.PathLike[str] | bytes,
    *,
    filename: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParsedFile:
    """Recognise and parse a bank statement file (a path or its bytes), every entry in memory.

    Every failure is a FormatError naming ``filename`` (or the path's name). An import reads the
    file with ``iter_statement_file`` instead, which does not keep the entries.
    """
    return collect(iter_statement_file(source, filename=filename, max_bytes=max_bytes))


def iter_statement_file(
    source: str | os.PathLike[str] | bytes,
    *,
    filename: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[StatementEvent]:
    """Recognise a bank statement file and read it as events (``formats.stream``); camt is streamed.

    Every failure, including one found halfway through the file, is a FormatError naming
    ``filename`` (or the path's name).
    """
    name = filename or (os.path.basename(os.fspath(source)) if not isinstance(source, bytes) else None)
    try:
        yield from _events(source, max_bytes)
    except FormatError as error:
        raise error.with_filename(name) from error.__cause__
    except Exception as error:
        # Parsers turn every failure they know into FormatError; anything else is a bug, logged in
        # full for developers while the user gets a plain refusal.
        logger.exception("unexpected error while parsing bank statement file %s", name)
        raise FormatError("the file could not be read because of an unexpected error", filename=name) from error


def _events(source: Source, max_bytes: int) -> Iterator[StatementEvent]:
    check_size(source, max_bytes)
    kind = detect_format(read_head(source, HEAD_BYTES))
    streaming = _STREAMING_READERS.get(kind)
    if streaming is not None:
        yield from streaming(source, max_bytes=max_bytes)
        return
    reader = _WHOLE_FILE_READERS.get(kind)
    if reader is None:
        raise FormatError(f"this is a payment file ({kind}), not a bank statement")
    yield from events_from_parsed(reader(source, max_bytes=max_bytes))
