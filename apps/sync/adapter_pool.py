"""One adapter (one HTTP connection pool, one cached token) per target connector for a whole chunk of
records, instead of a new client — and a new TCP connection — per record."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from apps.connectors.adapters import get_adapter

_pool: ContextVar[dict | None] = ContextVar("adapter_pool", default=None)


@contextmanager
def adapter_pool():
    pool: dict = {}
    token = _pool.set(pool)
    try:
        yield pool
    finally:
        _pool.reset(token)
        for adapter in pool.values():
            close = getattr(adapter, "close", None)
            if close is not None:
                close()


def adapter_for(connector):
    """The pooled adapter of this connector, or a fresh one outside a pool (the caller then owns it)."""
    pool = _pool.get()
    if pool is None:
        return get_adapter(connector)
    key = (connector.pk, connector.updated_at)  # reconfigured connector → new adapter
    if key not in pool:
        pool[key] = get_adapter(connector)
    return pool[key]
