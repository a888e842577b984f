"""The one safe way into XML for bank and payment files.

Every XML file FinSync reads comes from outside (a bank, an SFTP drop, an upload), so:

* the size is checked before a single byte is parsed (default limit 200 MB);
* a DOCTYPE or entity declaration is refused outright: bank formats never need one, and they are
  how XXE (reading local files, reaching the network) and entity-expansion ("billion laughs")
  attacks get in. The first 64 KB are scanned before parsing and the parsed document is checked
  again, so a declaration hidden behind a long comment is refused too;
* lxml runs with ``resolve_entities=False``, ``no_network=True``, ``load_dtd=False`` and without
  ``huge_tree`` unless a caller asks for it.

``iter_elements`` streams a document with flat memory, which is what a 30 MB camt.053 needs.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from lxml import etree

from .errors import FormatError

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
HEAD_BYTES = 64 * 1024

Source = str | os.PathLike[str] | bytes
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def source_size(source: Source) -> int:
    """The size in bytes of a path or a bytes payload."""
    if isinstance(source, bytes | bytearray | memoryview):
        return len(source)
    try:
        return os.path.getsize(source)
    except OSError as error:
        raise FormatError("the file could not be opened") from error


def check_size(source: Source, max_bytes: int = DEFAULT_MAX_BYTES) -> int:
    """Refuse a source larger than ``max_bytes``; return its size."""
    size = source_size(source)
    if size > max_bytes:
        limit = max_bytes / (1024 * 1024)
        shown = f"{limit:.0f}" if limit >= 1 else f"{limit:.2f}"
        raise FormatError(f"the file is larger than the {shown} MB limit")
    return size


def read_head(source: Source, length: int = HEAD_BYTES) -> bytes:
    """The first ``length`` bytes of a path or bytes payload."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source[:length])
    try:
        with open(source, "rb") as handle:
            return handle.read(length)
    except OSError as error:
        raise FormatError("the file could not be opened") from error


def refuse_declarations(head: bytes) -> None:
    """Refuse a document whose start declares a DOCTYPE or an entity."""
    # NUL bytes are dropped so that a UTF-16 document cannot hide its declaration.
    if _DECLARATION.search(head.replace(b"\x00", b"")):
        raise FormatError(
            "the file contains a DOCTYPE or entity declaration, which bank files never need; "
            "it was refused for security reasons"
        )


def _open(source: Source) -> IO[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source))
    try:
        return Path(source).open("rb")
    except OSError as error:
        raise FormatError("the file could not be opened") from error


def _refuse_parsed_doctype(tree: etree._ElementTree) -> None:
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        refuse_declarations(b"<!DOCTYPE")


def _syntax_error(error: Exception) -> FormatError:
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    return FormatError(f"the file is not well-formed XML ({message})")


def _parser(*, huge_tree: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=huge_tree,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(source: Source, *, max_bytes: int = DEFAULT_MAX_BYTES, huge_tree: bool = False) -> etree._Element:
    """Parse a whole (small) document safely and return its root element."""
    check_size(source, max_bytes)
    refuse_declarations(read_head(source))
    with _open(source) as handle:
        try:
            tree = etree.parse(handle, _parser(huge_tree=huge_tree))
        except (etree.LxmlError, ValueError) as error:
            raise _syntax_error(error) from error
    _refuse_parsed_doctype(tree)
    return tree.getroot()


def iter_elements(
    source: Source,
    names: frozenset[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    huge_tree: bool = False,
) -> Iterator[etree._Element]:
    """Yield each element whose local name is in ``names`` once it is complete, streaming.

    After the consumer has handled an element it is cleared and earlier siblings that were also
    yielded are deleted, so memory stays flat however many ``Ntry`` a statement has. Siblings of
    other kinds (a statement's ``Acct`` and ``Bal`` before its entries) are kept until their parent
    is yielded.
    """
    check_size(source, max_bytes)
    refuse_declarations(read_head(source))
    with _open(source) as handle:
        events = etree.iterparse(
            handle,
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=huge_tree,
            remove_comments=True,
            remove_pis=True,
        )
        checked = False
        try:
            for event, element in events:
                if not checked:
                    _refuse_parsed_doctype(element.getroottree())
                    checked = True
                if event != "end" or local_name(element) not in names:
                    continue
                yield element
                _release(element, names)
        except (etree.LxmlError, ValueError) as error:
            raise _syntax_error(error) from error


def _release(element: etree._Element, names: frozenset[str]) -> None:
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is None:
        return
    previous = element.getprevious()
    while previous is not None and local_name(previous) in names:
        parent.remove(previous)
        previous = element.getprevious()


def local_name(element: etree._Element) -> str:
    """The tag without its namespace ("Ntry" for "{urn:...camt.053.001.02}Ntry")."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def namespace(element: etree._Element) -> str:
    """The namespace URI of an element ("" when it has none)."""
    tag = element.tag
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].partition("}")[0]
    return ""
