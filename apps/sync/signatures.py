"""Signed inbound events: HMAC-SHA256 over "<timestamp>.<raw body>" with the connector's secret.

Header `X-FinSync-Signature: v1=<hex>` (several comma-separated values allowed during secret
rotation), `X-FinSync-Timestamp: <unix seconds>`; older or newer than 5 minutes is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={mac}"


def verify(secret: str, timestamp_header: str | None, signature_header: str | None, body: bytes,
           now: float | None = None) -> str | None:
    """None when the request is authentic; otherwise why it is refused: unsigned, stale or forged."""
    if not secret or not timestamp_header or not signature_header:
        return "unsigned"
    try:
        timestamp = int(timestamp_header)
    except ValueError:
        return "unsigned"
    if abs((now or time.time()) - timestamp) > TOLERANCE_SECONDS:
        return "stale"
    expected = sign(secret, timestamp, body).encode()
    # Compared as bytes: compare_digest refuses non-ASCII str, and a forged header may hold anything.
    candidates = [part.strip().encode("utf-8", errors="replace") for part in signature_header.split(",")]
    if any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        return None
    return "forged"
