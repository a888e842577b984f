"""Signed-webhook receiver connectors: records arrive through POST /api/v1/inbound/<code>/events
(apps/sync/inbound.py); the adapter itself neither polls nor delivers."""

from __future__ import annotations

from typing import Any

from .base import Adapter, register


@register("webhook")
class WebhookAdapter(Adapter):
    streams = ()

    def check(self) -> dict[str, Any]:
        from apps.connectors.services import connector_webhook_secret

        return {"ok": bool(connector_webhook_secret(self.connector)),
                "detail": "receives signed events; a webhook secret is set"
                if self.connector.webhook_secret_encrypted else "no webhook secret set: every event is refused"}
