"""Files dropped in a local folder (a mounted share, an EBICS client's download folder).

settings: {"path": "/srv/drop", "archive": "archive" (subfolder), "pattern": "*", "page_size": 50}.
A file stays in the folder until the pipeline has stored it and calls `acknowledge(record)`, which moves it
into the archive subfolder: a crash between reading and storing loses nothing.

Cursor: {"stored": [[name, size, mtime_ns], ...]} — the files of the last page. Those were stored (the
pipeline saves a cursor only after storing its page), so a next poll archives any of them still here
with the same size and mtime (acknowledgement lost) instead of reading them again.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apps.connectors.errors import TechnicalError, UnsupportedOperation

from .base import Adapter, InboundRecord, PollPage, register
from .files import file_record


@register("drop_folder")
class DropFolderAdapter(Adapter):
    streams = ("files",)

    def setting(self, name: str, default=None):
        return (self.connector.settings or {}).get(name, default)

    @property
    def folder(self) -> Path:
        path = self.setting("path")
        if not path:
            raise UnsupportedOperation(f"{self.connector.code}: settings.path is not set")
        return Path(path)

    @property
    def archive(self) -> Path:
        return self.folder / self.setting("archive", "archive")

    def check(self) -> dict[str, Any]:
        if not self.folder.is_dir():
            raise TechnicalError(f"{self.connector.code}: {self.folder} is not a readable folder")
        return {"ok": True, "waiting": len(self._waiting())}

    def _waiting(self) -> list[os.DirEntry]:
        pattern = self.setting("pattern", "*")
        try:
            entries = [e for e in os.scandir(self.folder) if e.is_file() and not e.name.startswith(".")
                       and fnmatch.fnmatch(e.name, pattern)]
        except OSError as exc:
            raise TechnicalError(f"{self.connector.code}: cannot read {self.folder}: {exc}") from exc
        return sorted(entries, key=lambda e: (e.stat().st_mtime_ns, e.name))

    def poll(self, stream: str, cursor: dict[str, Any]) -> PollPage:
        for name, size, mtime_ns in cursor.get("stored", []):
            path = self.folder / name
            try:
                info = path.stat()
            except FileNotFoundError:
                continue
            if info.st_size == size and info.st_mtime_ns == mtime_ns:
                self._archive(path)
        waiting = self._waiting()
        limit = int(self.setting("page_size", 50))
        page = waiting[:limit]
        records, stored = [], []
        for entry in page:
            info = entry.stat()
            content = Path(entry.path).read_bytes()
            records.append(file_record(filename=entry.name, content=content,
                                       updated_at=datetime.fromtimestamp(info.st_mtime, UTC)))
            stored.append([entry.name, info.st_size, info.st_mtime_ns])
        return PollPage(records=records, cursor={"stored": stored}, has_more=len(waiting) > limit)

    def acknowledge(self, record: InboundRecord) -> Path | None:
        """The pipeline stored this file: move it to the archive. Returns the new path (None if gone)."""
        path = self.folder / Path(record.payload["filename"]).name
        return self._archive(path) if path.exists() else None

    def _archive(self, path: Path) -> Path:
        self.archive.mkdir(exist_ok=True)
        target = self.archive / path.name
        if target.exists():  # the same name delivered again later: keep both
            target = self.archive / f"{path.stem}.{datetime.now(UTC):%Y%m%dT%H%M%S%f}{path.suffix}"
        shutil.move(str(path), target)
        return target
