"""What an adapter may raise. The pipeline decides from the type: retry, re-authorise or exception."""

from __future__ import annotations


class ConnectorError(Exception):
    """Base class; never raised directly."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class UnsupportedOperation(ConnectorError):
    """The adapter's system cannot do this (e.g. deliver to a read-only source): a configuration mistake."""


class TechnicalError(ConnectorError):
    """Timeout, connection refused, 5xx, 429: worth retrying later (after `retry_after` seconds if given)."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class Throttled(TechnicalError):
    """FinSync's own request budget for the connector is spent: wait, but this says nothing about the
    target's health (no circuit-breaker failure, no retry attempt used up)."""


class AuthorisationError(ConnectorError):
    """The credentials no longer work (token refused even after one refresh): a person must re-authorise."""


class RejectedByTarget(ConnectorError):
    """The target understood the request and refused its content (4xx validation): a business exception."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "rejected", details=None) -> None:
        super().__init__(message, status=status)
        self.code = code
        self.details = details or {}
