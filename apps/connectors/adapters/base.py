"""The adapter contract between the pipeline (apps/sync) and external systems."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from apps.connectors.errors import ConnectorError, RejectedByTarget, TechnicalError, UnsupportedOperation

REGISTRY: dict[str, type[Adapter]] = {}


def register(key: str):
    def wrap(cls):
        cls.key = key
        REGISTRY[key] = cls
        return cls

    return wrap


@dataclass(frozen=True)
class InboundRecord:
    """Something read from a system: one business object as that system shows it."""

    object_type: str  # canonical stream name, e.g. "supplier", "invoice", "payment", "statement_file"
    external_id: str  # the object's id in the source system
    payload: dict[str, Any]  # raw JSON as received (kept whole on the SyncRecord)
    updated_at: datetime | None = None  # the source's last-modified time, if any
    version: str = ""  # source-side version/etag: a changed object is a new record, the same one is a duplicate
    idempotency_key: str = ""  # the source's own id of this delivery (e.g. an event id), if it has one


@dataclass(frozen=True)
class PollPage:
    """One page of a poll; `cursor` is the position to store once the page's records are stored."""

    records: list[InboundRecord]
    cursor: dict[str, Any]
    has_more: bool


@dataclass(frozen=True)
class OutboundRequest:
    """A canonical object to post to a target system."""

    object_type: str  # e.g. "journal_entry", "supplier", "payment_status", "commitment"
    payload: dict[str, Any]  # the canonical object (already mapped and validated)
    idempotency_key: str  # the target must treat a repeat with this key as the same request
    correlation_id: str


@dataclass(frozen=True)
class OutboundResult:
    external_id: str  # the id the target gave the object
    duplicate: bool = False  # the target recognised the idempotency key and did not create it again
    response: dict[str, Any] = field(default_factory=dict)


class Adapter:
    """Base class. Subclasses implement the parts their system supports."""

    key: ClassVar[str] = ""
    streams: ClassVar[tuple[str, ...]] = ()  # what poll() can read

    def __init__(self, connector, *, client=None) -> None:
        self.connector = connector
        self.client = client

    def check(self) -> dict[str, Any]:
        """Test the connection (reach the system, authenticate). Raise a ConnectorError if it fails."""
        raise UnsupportedOperation(f"{type(self).__name__} cannot test its connection")

    def poll(self, stream: str, cursor: dict[str, Any]) -> PollPage:
        """Read the next page of `stream` after `cursor`. Must never skip or repeat a page."""
        raise UnsupportedOperation(f"{type(self).__name__} does not poll")

    def deliver(self, request: OutboundRequest) -> OutboundResult:
        """Post one canonical object; raise TechnicalError / RejectedByTarget / AuthorisationError."""
        raise UnsupportedOperation(f"{type(self).__name__} does not deliver")

    def deliver_many(self, requests: list[OutboundRequest]) -> list[OutboundResult | ConnectorError]:
        """Post several canonical objects: one OutboundResult, or the TechnicalError / RejectedByTarget /
        UnsupportedOperation of that item, per request and in order. An error that concerns the whole call
        (AuthorisationError, an outage answering the whole batch) is raised instead.

        This default posts them one by one; adapters whose system takes batches override it.
        """
        results: list[OutboundResult | ConnectorError] = []
        for request in requests:
            try:
                results.append(self.deliver(request))
            except (TechnicalError, RejectedByTarget, UnsupportedOperation) as exc:
                results.append(exc)
        return results

    def find_existing(self, request: OutboundRequest) -> OutboundResult | None:
        """For money-moving creates: ask the target whether an earlier try already landed."""
        return None


def get_adapter(connector, **kwargs) -> Adapter:
    from . import load_all  # noqa: F401 - registers the built-in adapters

    try:
        cls = REGISTRY[connector.adapter]
    except KeyError as exc:
        raise LookupError(f"connector {connector.code!r} names unknown adapter {connector.adapter!r}") from exc
    return cls(connector, **kwargs)
