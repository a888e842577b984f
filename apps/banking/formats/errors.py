"""The one error type every bank/payment format parser raises."""

from __future__ import annotations


class FormatError(Exception):
    """A file could not be read as the bank or payment format it claims to be.

    ``reason`` is written for a treasury user ("the closing balance has no currency"),
    not for a developer; ``filename`` names the file when the caller knows it.
    """

    def __init__(self, reason: str, *, filename: str | None = None) -> None:
        self.reason = reason
        self.filename = filename
        super().__init__(f"{filename}: {reason}" if filename else reason)

    def with_filename(self, filename: str | None) -> FormatError:
        """Return this error naming ``filename`` (the same instance when it already names one)."""
        if filename is None or self.filename is not None:
            return self
        error = type(self)(self.reason, filename=filename)
        error.__cause__ = self.__cause__
        return error
