"""The correlation id of the work in hand, carried into every log line (JSON field `correlation_id`)."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar

_correlation_id: ContextVar[str] = ContextVar("correlation_id", default="")


@contextmanager
def correlation(correlation_id: str):
    token = _correlation_id.set(correlation_id or "")
    try:
        yield
    finally:
        _correlation_id.reset(token)


def current_correlation_id() -> str:
    return _correlation_id.get()


class CorrelationIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "correlation_id", ""):
            record.correlation_id = _correlation_id.get()
        return True
