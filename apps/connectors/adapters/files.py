"""What file-based adapters (bank API, SFTP, drop folder) hand the pipeline: one InboundRecord per file."""

from __future__ import annotations

import base64
import hashlib

from .base import InboundRecord

FILE_OBJECT_TYPE = "bank_file"
_HINTS = {".xml": "xml", ".sta": "mt940", ".mt940": "mt940", ".940": "mt940", ".txt": "text", ".bai": "bai2",
          ".bai2": "bai2"}


def format_hint(filename: str, declared: str = "") -> str:
    """A hint only (the banking parsers detect the real format from the content)."""
    if declared:
        return declared
    lower = filename.lower()
    return next((hint for suffix, hint in _HINTS.items() if lower.endswith(suffix)), "")


def file_record(*, filename: str, content: bytes, external_id: str = "", declared_format: str = "",
                updated_at=None) -> InboundRecord:
    """payload: {"filename", "content_b64", "format_hint"}; version = sha256 of the bytes, so a re-delivered
    identical file is a duplicate and a corrected file with the same name is a new record."""
    return InboundRecord(object_type=FILE_OBJECT_TYPE, external_id=external_id or filename,
                         payload={"filename": filename, "content_b64": base64.b64encode(content).decode(),
                                  "format_hint": format_hint(filename, declared_format)},
                         updated_at=updated_at, version=hashlib.sha256(content).hexdigest())


def file_content(payload: dict) -> bytes:
    """The bytes of an outbound payment file: {"filename", "content_b64"} (or "content" as text)."""
    if payload.get("content_b64"):
        return base64.b64decode(payload["content_b64"])
    return str(payload.get("content", "")).encode()
