"""Bank file bytes in the database, piece by piece: kept whole, never held whole in memory.

A kept file (``StatementFile``) and an upload waiting for its import (``BankFileUpload``) store their
bytes as numbered chunks of ``CHUNK_BYTES``. The database is the one place every web process and every
worker on any machine can reach, and the chunks are written in the caller's transaction, so a rolled-back
import leaves no bytes behind. A source is a path (read piece by piece), bytes, or an open binary file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.db import models

# 1 MB per row: big enough that a 200 MB file is 200 inserts, small enough that writing or reading one
# costs a few MB of memory (the chunk, the driver's copy, PostgreSQL's escaping).
CHUNK_BYTES = 1024 * 1024
# Chunks fetched per round trip when reading (at most this many MB in memory at once).
_READ_BATCH = 4

Source = str | os.PathLike[str] | bytes | IO[bytes]


def source_chunks(source: Source) -> Iterator[bytes]:
    """The bytes of a path, a bytes payload or an open binary file (from its start), in pieces."""
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source)
        for start in range(0, len(view), CHUNK_BYTES):
            yield bytes(view[start:start + CHUNK_BYTES])
        return
    if isinstance(source, str | os.PathLike):
        with Path(source).open("rb") as handle:
            yield from _handle_chunks(handle)
        return
    source.seek(0)
    yield from _handle_chunks(source)


def _handle_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK_BYTES):
        yield chunk


def source_digest(source: Source) -> tuple[str, int]:
    """(sha256 hex, size in bytes) of a source, read once piece by piece."""
    digest, size = hashlib.sha256(), 0
    for chunk in source_chunks(source):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def chunks_write(chunk_model: type[models.Model], owner_field: str, owner: models.Model, source: Source) -> int:
    """Store ``source`` as numbered chunks of ``owner``; returns the number of bytes written."""
    written = 0
    for number, chunk in enumerate(source_chunks(source)):
        chunk_model.objects.create(**{owner_field: owner}, number=number, data=chunk)
        written += len(chunk)
    return written


def chunks_read(chunks: models.QuerySet) -> Iterator[bytes]:
    """The stored bytes of a chunk queryset (``owner.chunks``), in order, a few chunks at a time."""
    for data in chunks.order_by("number").values_list("data", flat=True).iterator(chunk_size=_READ_BATCH):
        yield bytes(data)


def chunks_bytes(chunks: models.QuerySet) -> bytes:
    """All stored bytes at once: only for files known to be small (tests, a pain.002 of a few KB)."""
    return b"".join(chunks_read(chunks))


@contextmanager
def spooled(pieces: Iterator[bytes], *, suffix: str = "") -> Iterator[Path]:
    """Write ``pieces`` to a temporary file and yield its path; the file is removed afterwards."""
    handle = tempfile.NamedTemporaryFile(prefix="finsync-bank-", suffix=suffix, delete=False)  # noqa: SIM115
    path = Path(handle.name)
    try:
        with handle:
            for piece in pieces:
                handle.write(piece)
        yield path
    finally:
        path.unlink(missing_ok=True)

