"""A generic JSON REST poller, configured by field paths in Connector.settings — for systems without a
dedicated adapter. Example:

    {"streams": {"payment": {
        "path": "v1/payments",                # relative to base_url
        "items": "results",                   # where the list is ("" = the body is the list)
        "id": "uuid", "updated_at": "updateDateTime",
        "next": "metadata.links.next",        # a next-page URL in the body, or …
        "offset_param": "page.offset", "limit_param": "page.limit", "page_size": 100,   # … offset paging
        "since_param": "updatedAfter",        # optional: ask only for records changed after the watermark
        "params": {"sort": "updateDateTime"},
        "type": "type", "payload": "data",   # optional: object type and object inside each item (an event feed)
        "key": "id", "key_prefix": "event:"}},  # optional: the item's own idempotency key
     "auth": {"type": "oauth2" | "bearer" | "header" | "none", "header": "X-API-Key", "token_url": "oauth/token"}}

With "key", a record's idempotency key is key_prefix + the value at that path, so an event read by polling
and the same event received by the signed webhook (whose key is "event:<id>") are one record.
Paths are dotted; numbers index lists ("data.0.id"). Cursor: {"watermark": max updated-at read in completed
passes, "high": max updated-at read in this pass, "next": next-page URL or "offset": n}. A pass pages from the
watermark to the end; then the watermark moves to the pass's high. Offset paging can skip a record that moves
while paging; prefer a dedicated keyset adapter (coupa, kyriba) where the API allows it.
"""

from __future__ import annotations

from typing import Any

from apps.connectors.errors import UnsupportedOperation

from .base import InboundRecord, PollPage, register
from .http import ApiKeyAuth, HttpAdapter
from .keyset import parse_moment
from .oauth import OAuth2ClientCredentials

_MISSING = object()


def field(obj: Any, path: str, default: Any = None) -> Any:
    """The value at a dotted path ("a.b.0.c"); `default` when any step is missing."""
    if not path:
        return obj
    for step in path.split("."):
        if isinstance(obj, dict):
            obj = obj.get(step, _MISSING)
        elif isinstance(obj, list) and step.lstrip("-").isdigit() and -len(obj) <= int(step) < len(obj):
            obj = obj[int(step)]
        else:
            return default
        if obj is _MISSING:
            return default
    return obj


class _BearerAuth(ApiKeyAuth):
    def __init__(self, token: str) -> None:
        super().__init__("Authorization", f"Bearer {token}")


@register("json_poller")
class JsonPollerAdapter(HttpAdapter):
    @property
    def streams(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(self.setting("streams", {}))

    def make_auth(self):
        auth = self.setting("auth", {}) or {}
        kind = auth.get("type", "none")
        creds = self.credentials()
        if kind == "oauth2":
            return OAuth2ClientCredentials(self.connector, client=self.client,
                                           token_url=auth.get("token_url", "oauth/token"), credentials=creds)
        if kind == "bearer":
            return _BearerAuth(creds.get("token", ""))
        if kind == "header":
            return ApiKeyAuth(auth.get("header", "X-API-Key"), creds.get("api_key", ""))
        return None

    def _config(self, stream: str) -> dict:
        config = self.setting("streams", {}).get(stream)
        if not config:
            raise UnsupportedOperation(f"{self.connector.code}: no stream {stream!r} in settings.streams")
        for key in ("path", "id"):
            if not config.get(key):
                raise UnsupportedOperation(f"{self.connector.code}: settings.streams.{stream}.{key} is required")
        return config

    def check(self) -> dict[str, Any]:
        for stream in self.streams:
            self.get_json(self._config(stream)["path"])
        return {"ok": True}

    @staticmethod
    def _record(config: dict, stream: str, item: Any, moment, updated) -> InboundRecord:
        key = field(item, config["key"]) if config.get("key") else None
        payload = field(item, config["payload"]) if config.get("payload") else item
        object_type = str(field(item, config["type"]) or stream) if config.get("type") else stream
        return InboundRecord(object_type=object_type, external_id=str(field(item, config["id"], "")),
                             payload=payload,
                             updated_at=moment, version=str(updated or ""),
                             idempotency_key=f"{config.get('key_prefix', '')}{key}" if key not in (None, "") else "")

    def poll(self, stream: str, cursor: dict[str, Any]) -> PollPage:
        config = self._config(stream)
        watermark = cursor.get("watermark")
        params = dict(config.get("params", {}))
        if config.get("since_param") and watermark:
            params[config["since_param"]] = watermark
        page_size = int(config.get("page_size", 50))
        if cursor.get("next"):
            body = self.get_json(cursor["next"])  # an absolute URL from the previous page
        else:
            if config.get("offset_param"):
                params[config["offset_param"]] = int(cursor.get("offset", 0))
                params[config.get("limit_param", "limit")] = page_size
            body = self.get_json(config["path"], params=params)
        items = field(body, config.get("items", ""), [])
        if not isinstance(items, list):
            raise UnsupportedOperation(f"{self.connector.code}: {config.get('items')!r} is not a list in the body")
        records, high = [], cursor.get("high")
        for item in items:
            updated = field(item, config.get("updated_at", "")) if config.get("updated_at") else None
            moment = parse_moment(updated) if isinstance(updated, str) else None
            records.append(self._record(config, stream, item, moment, updated))
            if moment is not None and (high is None or moment > parse_moment(high)):
                high = updated
        next_url = field(body, config["next"]) if config.get("next") else None
        if next_url:
            return PollPage(records=records, cursor={"watermark": watermark, "high": high, "next": next_url},
                            has_more=True)
        if config.get("offset_param") and len(items) >= page_size:
            offset = int(cursor.get("offset", 0)) + len(items)
            return PollPage(records=records, cursor={"watermark": watermark, "high": high, "offset": offset},
                            has_more=True)
        # End of the pass: the next one starts after everything read in this one.
        return PollPage(records=records, cursor={"watermark": high or watermark}, has_more=False)
