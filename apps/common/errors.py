"""The one error type services raise; views and the API map it to messages and responses."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused an action. `code` is stable for API clients; `message` is for people."""

    def __init__(self, message: str, code: str = "invalid", extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}


class PermissionDenied(DomainError):
    """The actor lacks the capability (or segregation of duties forbids this actor)."""

    def __init__(self, message: str = "You are not allowed to do this.", code: str = "forbidden", extra=None):
        super().__init__(message, code, extra)
