"""Reading ISO 20022 elements by local name, so one parser serves every message version.

Versions differ in namespace and in a few element names (BIC vs BICFI, Sts vs Sts/Cd); matching on
local names and trying the alternatives keeps the parsers free of per-version branches.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from .errors import FormatError
from .xmlsafe import local_name

_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
_FRACTION = re.compile(r"(\.\d+)")


def children(element: etree._Element | None, name: str) -> Iterator[etree._Element]:
    """Direct children with local name ``name``."""
    if element is None:
        return
    for child in element:
        if local_name(child) == name:
            yield child


def find(element: etree._Element | None, path: str) -> etree._Element | None:
    """The first element at a slash-separated local-name path ("Refs/EndToEndId"), or None."""
    found = findall(element, path)
    return next(found, None)


def findall(element: etree._Element | None, path: str) -> Iterator[etree._Element]:
    """Every element at a slash-separated local-name path, in document order."""
    if element is None:
        return
    head, _, rest = path.partition("/")
    for child in children(element, head):
        if rest:
            yield from findall(child, rest)
        else:
            yield child


def text(element: etree._Element | None, *paths: str) -> str | None:
    """The stripped text at the first of ``paths`` that has some (the element's own without paths)."""
    for path in paths or ("",):
        found = find(element, path) if path else element
        if found is not None and found.text and found.text.strip():
            return found.text.strip()
    return None


def texts(element: etree._Element | None, path: str) -> list[str]:
    """Every non-empty stripped text at ``path``."""
    return [e.text.strip() for e in findall(element, path) if e.text and e.text.strip()]


def decimal_value(raw: str | None, what: str) -> Decimal:
    """A money amount as Decimal; a missing or malformed one is a FormatError naming ``what``."""
    if raw is None:
        raise FormatError(f"{what} has no amount")
    try:
        value = Decimal(raw.strip())
    except InvalidOperation as error:
        raise FormatError(f"{what} has an amount that is not a number: {raw[:40]!r}") from error
    if not value.is_finite():
        raise FormatError(f"{what} has an amount that is not a number: {raw[:40]!r}")
    return value


def iso_date(raw: str | None, what: str) -> date | None:
    """The calendar date of an ISODate or ISODateTime (as written, in its own offset)."""
    if raw is None:
        return None
    match = _ISO_DATE.match(raw)
    if not match:
        raise FormatError(f"{what} is not a date: {raw[:40]!r}")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as error:
        raise FormatError(f"{what} is not a valid date: {raw[:40]!r}") from error


def iso_datetime(raw: str | None, what: str) -> datetime | None:
    """An ISODateTime as an aware datetime.

    A value without an offset is read as UTC: the standard leaves it as "local time of the sender",
    which cannot be known here, and an aware value is required downstream. A bare date becomes
    midnight UTC.
    """
    if raw is None:
        return None
    value = raw.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    # Banks write up to nine fractional digits; Python reads at most six.
    value = _FRACTION.sub(lambda m: m[1][:7], value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise FormatError(f"{what} is not a date and time: {raw[:40]!r}") from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def date_or_datetime(element: etree._Element | None, what: str) -> date | None:
    """The date of a DateAndDateTimeChoice (``Dt`` or ``DtTm``)."""
    if element is None:
        return None
    return iso_date(text(element, "Dt", "DtTm", ""), what)
