"""The live exception feed (/ws/exceptions/): joins one channel-layer group per legal entity the user may see,
decided again on every connect, and forwards only those groups' "something changed" messages."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.exceptions.live import feed_groups

# Close codes the page understands (4000-4999 are the application's own): stop retrying and say why.
CLOSE_NOT_SIGNED_IN = 4401
CLOSE_NOT_ALLOWED = 4403


class ExceptionFeedConsumer(AsyncJsonWebsocketConsumer):
    """Read-only feed: the client never sends anything that is acted on."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        self.joined: list[str] = []
        groups = await database_sync_to_async(feed_groups)(user)
        # Accept, then close with a code: a refused handshake reaches the page only as a bare 1006, and
        # the page must tell "sign in again" from "network down" to stop reconnecting.
        await self.accept()
        if groups is None:
            signed_in = getattr(user, "is_authenticated", False)
            await self.close(code=CLOSE_NOT_ALLOWED if signed_in else CLOSE_NOT_SIGNED_IN)
            return
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.joined = groups
        await self.send_json({"type": "feed.ready", "groups": len(groups)})

    async def disconnect(self, code: int) -> None:
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.joined = []

    async def receive_json(self, content, **kwargs) -> None:
        """Nothing a client says changes what it receives; a ping gets a pong (keeps proxies from idling out)."""
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None  # garbage from a client is ignored, not a reason to crash the feed

    async def exception_event(self, event: dict) -> None:
        await self.send_json(event["message"])
