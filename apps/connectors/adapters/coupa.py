"""Coupa (procurement): polls suppliers, purchase orders, receipts and invoices.

Auth: the `X-COUPA-API-KEY` header (credentials {"api_key": ...}). Coupa also offers OAuth2/OIDC client
credentials; the sandbox imitates the API-key flavour. Paging is keyset over (updated_at, id), see
keyset.py; Coupa caps `limit` at 50. Invoices are read only when `status=approved` by default
(settings {"filters": {"invoice": {"status": "approved"}}} overrides per stream).
"""

from __future__ import annotations

from typing import Any

from apps.connectors.errors import UnsupportedOperation

from .base import PollPage, register
from .http import ApiKeyAuth, HttpAdapter
from .keyset import Keyset

RESOURCES = {"supplier": "suppliers", "purchase_order": "purchase_orders", "receipt": "receipts",
             "invoice": "invoices"}
DEFAULT_FILTERS = {"invoice": {"status": "approved"}}
MAX_LIMIT = 50


@register("coupa")
class CoupaAdapter(HttpAdapter):
    streams = tuple(RESOURCES)

    def make_auth(self):
        return ApiKeyAuth("X-COUPA-API-KEY", self.credentials().get("api_key", ""))

    def check(self) -> dict[str, Any]:
        self.get_json("api/suppliers", params={"limit": 1, "order_by": "id"})
        return {"ok": True}

    def _list(self, stream: str, params: dict) -> list[dict]:
        filters = self.setting("filters", DEFAULT_FILTERS).get(stream, {})
        body = self.get_json(f"api/{RESOURCES[stream]}", params={**filters, **params})
        if not isinstance(body, list):
            raise UnsupportedOperation(f"{self.connector.code}: expected a JSON list from {RESOURCES[stream]}")
        return body

    def poll(self, stream: str, cursor: dict[str, Any]) -> PollPage:
        if stream not in RESOURCES:
            raise UnsupportedOperation(f"coupa has no stream {stream!r} (streams: {', '.join(RESOURCES)})")
        limit = min(int(self.setting("page_size", MAX_LIMIT)), MAX_LIMIT)
        keyset = Keyset(object_type=stream, id_of=lambda r: r.get("id"), updated_of=lambda r: r.get("updated-at"),
                        id_sort=lambda v: int(v) if str(v).isdigit() else 0)
        return keyset.page(
            cursor, limit=limit,
            fetch_ties=lambda t, last_id: self._list(stream, {"updated_at": t, "id[gt]": last_id, "order_by": "id",
                                                              "dir": "asc", "limit": limit}),
            fetch_after=lambda t: self._list(stream, {"updated_at[gt]": t, "order_by": "updated_at", "dir": "asc",
                                                      "limit": limit}))
