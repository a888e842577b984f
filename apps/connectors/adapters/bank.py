"""Bank channels: the bank's file API (`bank_api`) and host-to-host SFTP (`bank_sftp`).

Both read statement files (camt.053, MT940) and payment status reports (pain.002) as `bank_file`
records and deliver payment orders (pain.001, object type "payment_file", payload {"filename",
"content_b64"}). Parsing is the banking app's job, not the adapter's.
"""

from __future__ import annotations

import asyncio
import posixpath
import stat
from datetime import UTC, datetime
from typing import Any

import asyncssh

from apps.connectors.errors import AuthorisationError, RejectedByTarget, TechnicalError, UnsupportedOperation
from apps.connectors.services import connector_credentials, connector_mark_reauthorise

from .base import Adapter, OutboundRequest, OutboundResult, PollPage, register
from .files import file_content, file_record
from .http import HttpAdapter
from .oauth import OAuth2ClientCredentials

STREAMS = ("statement", "status")


def _payment_file(request: OutboundRequest) -> tuple[str, bytes]:
    if request.object_type != "payment_file":
        raise UnsupportedOperation(f"a bank channel cannot receive {request.object_type!r}")
    content = file_content(request.payload)
    if not content:
        raise RejectedByTarget("payment file is empty", code="invalid_payload")
    return request.payload.get("filename") or f"{request.idempotency_key}.xml", content


@register("bank_api")
class BankApiAdapter(HttpAdapter):
    """Cursor per stream: {"after_id": the bank's id of the last file read} (ids only grow)."""

    streams = STREAMS

    def make_auth(self):
        return OAuth2ClientCredentials(self.connector, client=self.client,
                                       token_url=self.setting("token_url", "oauth/token"),
                                       credentials=self.credentials())

    def check(self) -> dict[str, Any]:
        self.get_json("files", params={"limit": 1})
        return {"ok": True}

    def poll(self, stream: str, cursor: dict[str, Any]) -> PollPage:
        if stream not in STREAMS:
            raise UnsupportedOperation(f"bank_api has no stream {stream!r}")
        limit = int(self.setting("page_size", 20))
        after = int(cursor.get("after_id") or 0)
        listing = self.get_json("files", params={"kind": stream, "after": after, "limit": limit})
        seen: dict[int, dict] = {}
        for entry in listing.get("files", []):
            seen.setdefault(int(entry["id"]), entry)  # a file listed twice is downloaded once
        records = []
        for file_id in sorted(seen):
            entry = seen[file_id]
            content = self.request("GET", f"files/{file_id}", headers={"Accept": "*/*"}).content
            records.append(file_record(filename=entry["filename"], content=content, external_id=entry["filename"],
                                       declared_format=entry.get("format", "")))
        new_cursor = {**cursor, "after_id": max(seen)} if seen else dict(cursor)
        return PollPage(records=records, cursor=new_cursor, has_more=bool(listing.get("has_more")))

    def deliver(self, request: OutboundRequest) -> OutboundResult:
        filename, content = _payment_file(request)
        body = self.request("POST", "payment-orders", content=content, correlation_id=request.correlation_id,
                            headers={"Idempotency-Key": request.idempotency_key, "X-Filename": filename,
                                     "Content-Type": "application/xml"}).json()
        return OutboundResult(external_id=str(body["file_id"]), duplicate=bool(body.get("duplicate")), response=body)

    def find_existing(self, request: OutboundRequest) -> OutboundResult | None:
        if request.object_type != "payment_file":
            return None
        found = self.get_json("payment-orders", params={"idempotency_key": request.idempotency_key},
                              correlation_id=request.correlation_id).get("files", [])
        return OutboundResult(external_id=str(found[0]["id"]), duplicate=True, response=found[0]) if found else None


@register("bank_sftp")
class BankSftpAdapter(Adapter):
    """Host-to-host SFTP. settings: {"host", "port", "known_hosts" (known_hosts lines; required unless
    "host_key_check": false), "dirs": {"statement": "/out/statements", "status": "/out/status"},
    "upload_dir": "/in", "page_size"}; credentials: {"username", "password"} or {"username", "private_key"}.

    Cursor per stream: {"after": [mtime, filename]} — files sorted by (modification time, name); a file
    replaced later gets a newer mtime and is read again (its content hash tells new from duplicate).
    """

    streams = STREAMS
    connect_timeout = 15

    def setting(self, name: str, default=None):
        return (self.connector.settings or {}).get(name, default)

    def _connect_options(self) -> dict:
        creds = connector_credentials(self.connector)
        options: dict[str, Any] = {"host": self.setting("host", "127.0.0.1"), "port": int(self.setting("port", 22)),
                                   "username": creds.get("username"), "connect_timeout": self.connect_timeout}
        if creds.get("private_key"):
            options["client_keys"] = [asyncssh.import_private_key(creds["private_key"])]
        else:
            options["password"] = creds.get("password")
            options["client_keys"] = None
        if self.setting("host_key_check", True):
            known = self.setting("known_hosts")
            if not known:
                raise UnsupportedOperation(f"{self.connector.code}: settings.known_hosts is required")
            options["known_hosts"] = asyncssh.import_known_hosts(known)
        else:
            options["known_hosts"] = None
        return options

    def _run(self, work):
        options = self._connect_options()  # before the event loop: it reads the connector's secrets

        async def main():
            try:
                async with asyncssh.connect(**options) as conn, conn.start_sftp_client() as sftp:
                    return await work(sftp)
            except asyncssh.PermissionDenied as exc:
                raise AuthorisationError(f"{self.connector.code}: SFTP login refused: {exc}") from exc
            except asyncssh.SFTPNoSuchFile as exc:
                raise RejectedByTarget(f"{self.connector.code}: {exc}", code="no_such_path") from exc
            except (OSError, asyncssh.Error, TimeoutError) as exc:
                raise TechnicalError(f"{self.connector.code}: SFTP failed: {exc!r}") from exc

        try:
            return asyncio.run(main())
        except AuthorisationError as exc:
            connector_mark_reauthorise(connector=self.connector, error=exc.message)  # database: outside the loop
            raise

    def check(self) -> dict[str, Any]:
        async def work(sftp):
            return await sftp.realpath(".")

        return {"ok": True, "home": self._run(work)}

    def poll(self, stream: str, cursor: dict[str, Any]) -> PollPage:
        if stream not in STREAMS:
            raise UnsupportedOperation(f"bank_sftp has no stream {stream!r}")
        directory = self.setting("dirs", {}).get(stream)
        if not directory:
            raise UnsupportedOperation(f"{self.connector.code}: settings.dirs.{stream} is not set")
        limit = int(self.setting("page_size", 20))
        after = tuple(cursor.get("after") or (0, ""))

        async def work(sftp):
            entries = []
            for entry in await sftp.readdir(directory):
                attrs = entry.attrs
                regular = attrs.type == asyncssh.FILEXFER_TYPE_REGULAR or bool(
                    attrs.permissions and stat.S_ISREG(attrs.permissions))
                if entry.filename.startswith(".") or not regular:
                    continue
                key = (int(attrs.mtime or 0), entry.filename)
                if key > after:
                    entries.append(key)
            entries.sort()
            files = []
            for mtime, name in entries[:limit]:
                async with sftp.open(posixpath.join(directory, name), "rb") as handle:
                    files.append((mtime, name, await handle.read()))
            return files, len(entries) > limit

        files, more = self._run(work)
        records = [file_record(filename=name, content=content, external_id=name,
                               updated_at=datetime.fromtimestamp(mtime, UTC)) for mtime, name, content in files]
        new_cursor = {**cursor, "after": [files[-1][0], files[-1][1]]} if files else dict(cursor)
        return PollPage(records=records, cursor=new_cursor, has_more=more)

    def _remote_name(self, filename: str) -> str:
        return posixpath.join(self.setting("upload_dir", "/"), posixpath.basename(filename))

    def deliver(self, request: OutboundRequest) -> OutboundResult:
        filename, content = _payment_file(request)
        target = self._remote_name(filename)

        async def work(sftp):
            if await sftp.exists(target):
                return True
            partial = target + ".part"  # banks pick up complete files only: write, then rename
            async with sftp.open(partial, "wb") as handle:
                await handle.write(content)
            await sftp.rename(partial, target)
            return False

        duplicate = self._run(work)
        return OutboundResult(external_id=target, duplicate=duplicate, response={"path": target})

    def find_existing(self, request: OutboundRequest) -> OutboundResult | None:
        if request.object_type != "payment_file":
            return None
        target = self._remote_name(request.payload.get("filename") or f"{request.idempotency_key}.xml")

        async def work(sftp):
            return await sftp.exists(target)

        return OutboundResult(external_id=target, duplicate=True) if self._run(work) else None
