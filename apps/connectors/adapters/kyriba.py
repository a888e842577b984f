"""Kyriba (treasury): polls executed payments and cash positions; delivers cash-forecast commitments.

Auth: OAuth2 client credentials (credentials {"client_id", "client_secret"}; settings {"token_url"}).
Lists take an RSQL `filter` and `page.limit`/`page.offset`; paging is keyset over (updateDateTime, uuid).
"""

from __future__ import annotations

from typing import Any

from apps.connectors.errors import RejectedByTarget, UnsupportedOperation

from .base import OutboundRequest, OutboundResult, PollPage, register
from .http import HttpAdapter
from .keyset import Keyset
from .oauth import OAuth2ClientCredentials

RESOURCES = {"payment": "v1/payments", "cash_position": "v1/cash-positions"}
MAX_LIMIT = 100


def commitment_body(payload: dict) -> dict:
    """Canonical commitment → Kyriba cash-flow commitment."""
    missing = [k for k in ("legal_entity", "reference", "amount", "currency", "due_date") if not payload.get(k)]
    if missing:
        raise RejectedByTarget(f"commitment lacks {', '.join(missing)}", code="invalid_payload")
    return {"reference": payload["reference"], "companyCode": payload["legal_entity"], "amount": payload["amount"],
            "currency": payload["currency"], "valueDate": payload["due_date"],
            "counterparty": payload.get("supplier", ""), "flowCode": payload.get("flow_code", "AP_INVOICE"),
            "description": payload.get("description", ""), "sourceReference": payload.get("source", "")}


@register("kyriba")
class KyribaAdapter(HttpAdapter):
    streams = tuple(RESOURCES)

    def make_auth(self):
        return OAuth2ClientCredentials(self.connector, client=self.client, token_url=self.setting("token_url",
                                                                                                   "oauth/token"),
                                       credentials=self.credentials())

    def check(self) -> dict[str, Any]:
        self.get_json("v1/payments", params={"page.limit": 1})
        return {"ok": True}

    def _list(self, stream: str, rsql: str, limit: int) -> list[dict]:
        body = self.get_json(RESOURCES[stream], params={"filter": rsql, "page.limit": limit,
                                                        "sort": "updateDateTime"})
        return body.get("results", [])

    def poll(self, stream: str, cursor: dict[str, Any]) -> PollPage:
        if stream not in RESOURCES:
            raise UnsupportedOperation(f"kyriba has no stream {stream!r}")
        limit = min(int(self.setting("page_size", MAX_LIMIT)), MAX_LIMIT)
        keyset = Keyset(object_type=stream, id_of=lambda r: r.get("uuid"), updated_of=lambda r: r.get("updateDateTime"))
        return keyset.page(
            cursor, limit=limit,
            fetch_ties=lambda t, last: self._list(stream, f"updateDateTime=={t};uuid=gt={last}", limit),
            fetch_after=lambda t: self._list(stream, f"updateDateTime=gt={t}", limit))

    def deliver(self, request: OutboundRequest) -> OutboundResult:
        if request.object_type != "commitment":
            raise UnsupportedOperation(f"kyriba cannot receive {request.object_type!r}")
        response = self.request("POST", "commitments", json=commitment_body(request.payload),
                                headers={"Idempotency-Key": request.idempotency_key},
                                correlation_id=request.correlation_id)
        body = response.json()
        return OutboundResult(external_id=body["uuid"], duplicate=bool(body.get("duplicate")), response=body)

    def find_existing(self, request: OutboundRequest) -> OutboundResult | None:
        if request.object_type != "commitment":
            return None
        found = self.get_json("commitments", params={"idempotencyKey": request.idempotency_key},
                              correlation_id=request.correlation_id).get("results", [])
        return OutboundResult(external_id=found[0]["uuid"], duplicate=True, response=found[0]) if found else None
