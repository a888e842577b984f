"""Job handlers by kind. Apps register theirs in their own `jobs.py`:

    @job_handler("workbench.bulk_resolve")
    def bulk_resolve(job, report) -> dict:
        ids = job.params["ids"]
        for done, chunk in enumerate(chunks(ids), 1):
            with transaction.atomic():   # commit per chunk: progress and effects become visible together
                ...
            report.progress(done * size, len(ids))
        return {"resolved": n, "skipped": m}

A handler gets the Job row and a `JobReporter`; it acts as `job.created_by` through the normal services
(capability checks and audit included), must be safe to run again after a lost worker (skip what is done
already), and returns a JSON-able summary. Raise DomainError to fail with a message meant for people.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[..., dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        if kind in _HANDLERS and _HANDLERS[kind] is not fn:
            raise RuntimeError(f"two job handlers for {kind!r}")
        _HANDLERS[kind] = fn
        return fn

    return register


def handler_for(kind: str) -> Handler | None:
    return _HANDLERS.get(kind)


def registered_kinds() -> list[str]:
    return sorted(_HANDLERS)
