"""Flows: what happens to a record of a given type — its canonical object, controls and target.

A flow delivers either to an external system (`target_kind`: the pipeline posts the canonical object
through that system's adapter) or to FinSync itself (`local_handler`: a statement import, a master-data
record, a fan-out to other flows). A remote flow may also name an `on_delivered` handler that records
the target's answer in FinSync (the ERP's supplier number in the crosswalk) in the same transaction
that marks the record delivered. The business flows end to end are described in docs/FLOWS.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from django.utils.module_loading import import_string

from apps.connectors.choices import ConnectorKind
from apps.controls.invoices import invoice_duplicate_control
from apps.ledger.controls import ControlFailure, journal_controls

if TYPE_CHECKING:
    from apps.connectors.adapters.base import OutboundResult

    from .models import SyncRecord


@dataclass(frozen=True)
class LocalDelivery:
    """What a local handler did: the id of what it created or found in FinSync, and whether the record
    had been handled before (so the attempt says "already delivered", as for a remote duplicate)."""

    external_id: str
    duplicate: bool = False


class LocalRejection(Exception):
    """A local handler refused the record for a business reason. The handler's writes are rolled back
    and the record becomes a business exception of `kind` (never retried automatically)."""

    def __init__(self, kind: str, message: str, *, dimensions: dict[str, Any] | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.kind, self.message = kind, message
        self.dimensions, self.details = dimensions or {}, details or {}


class LocalHandler(Protocol):
    def __call__(self, *, record: SyncRecord, canonical: dict) -> LocalDelivery: ...


class DeliveredHandler(Protocol):
    def __call__(self, *, record: SyncRecord, canonical: dict, result: OutboundResult) -> None: ...


@cache
def _handler(path: str) -> Callable[..., Any]:
    # Dotted paths, resolved on first use: handlers use the pipeline's services (outbound_emit), which
    # import this module, so importing them here would be circular.
    return import_string(path)


@dataclass(frozen=True)
class Flow:
    name: str
    label: str
    canonical_type: str
    target_kind: str = ""
    outbound_object_type: str = ""
    controls: tuple[Callable[[dict], list[ControlFailure]], ...] = ()
    money_moving: bool = False  # never retried blindly: only with the target's idempotency key or after a lookup
    local_handler: str = ""  # dotted path of a LocalHandler: FinSync itself is the target
    on_delivered: str = ""  # dotted path of a DeliveredHandler: runs with the remote delivery's commit

    def __post_init__(self) -> None:
        if bool(self.local_handler) == bool(self.target_kind):
            raise ValueError(f"flow {self.name}: give either a target_kind or a local_handler")

    @property
    def delivers_locally(self) -> bool:
        return bool(self.local_handler)

    def local(self) -> LocalHandler:
        return _handler(self.local_handler)

    def delivered_hook(self) -> DeliveredHandler | None:
        return _handler(self.on_delivered) if self.on_delivered else None


HANDLERS = "apps.sync.handlers"

FLOWS: dict[str, Flow] = {f.name: f for f in [
    Flow("journal_posting", "Journal posting", "journal_entry", ConnectorKind.GL, "journal_entry",
         controls=(journal_controls,)),
    # Business flows from the source systems (docs/FLOWS.md). They land in FinSync first and fan out from there.
    Flow("supplier_onboarding", "Supplier onboarding", "supplier",
         local_handler=f"{HANDLERS}.suppliers.supplier_onboard"),
    Flow("invoice_approved", "Approved supplier invoice", "supplier_invoice",
         controls=(invoice_duplicate_control,), local_handler=f"{HANDLERS}.invoices.invoice_approved_propagate"),
    Flow("treasury_payment", "Payment executed in treasury", "treasury_payment",
         local_handler=f"{HANDLERS}.payments.payment_executed_propagate"),
    Flow("bank_file_import", "Bank file import", "bank_file",
         local_handler=f"{HANDLERS}.bank_files.bank_file_import"),
    # Propagations FinSync emits itself (outbound records, canonical already):
    Flow("supplier_to_erp", "Supplier to ERP", "supplier", ConnectorKind.GL, "supplier",
         on_delivered=f"{HANDLERS}.suppliers.supplier_erp_number_record"),
    Flow("ap_invoice_posting", "AP invoice journal to ERP", "journal_entry", ConnectorKind.GL, "journal_entry",
         controls=(journal_controls,)),
    Flow("payment_status_writeback", "Payment status to ERP", "payment_status", ConnectorKind.GL, "payment_status"),
    Flow("payment_status_to_treasury", "Payment status to treasury", "payment_status", ConnectorKind.TREASURY,
         "payment_status"),
    Flow("invoice_commitment", "Invoice commitment to cash forecast", "commitment", ConnectorKind.TREASURY,
         "commitment"),
]}

# Inbound object type → flow; a connector may override with settings {"routes": {"<object_type>": "<flow>"}}.
DEFAULT_ROUTES = {"journal_entry": "journal_posting"}
UNROUTED = "unrouted"


def flow_for(connector, object_type: str) -> str:
    routes = (connector.settings or {}).get("routes", {})
    return routes.get(object_type) or DEFAULT_ROUTES.get(object_type) or UNROUTED


def target_connector(flow: Flow, source_connector):
    from apps.connectors.models import Connector

    code = (source_connector.settings or {}).get("targets", {}).get(flow.name)
    qs = Connector.objects.filter(enabled=True)
    return qs.filter(code=code).first() if code else qs.filter(kind=flow.target_kind).order_by("code").first()
