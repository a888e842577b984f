"""Flows: what happens to a record of a given type — its canonical object, controls and target."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from apps.connectors.choices import ConnectorKind
from apps.ledger.controls import ControlFailure, journal_controls


@dataclass(frozen=True)
class Flow:
    name: str
    label: str
    canonical_type: str
    target_kind: str
    outbound_object_type: str
    controls: tuple[Callable[[dict], list[ControlFailure]], ...] = ()
    money_moving: bool = False  # never retried blindly: only with the target's idempotency key or after a lookup


FLOWS: dict[str, Flow] = {f.name: f for f in [
    Flow("journal_posting", "Journal posting", "journal_entry", ConnectorKind.GL, "journal_entry",
         controls=(journal_controls,)),
    # Propagations FinSync emits itself (outbound records, canonical already):
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
