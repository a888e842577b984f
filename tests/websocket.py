"""A websocket test client for ASGI applications (the shape of channels.testing.WebsocketCommunicator).

channels.testing cannot be imported here: its package imports daphne's live server, which FinSync does not
install (uvicorn serves the websockets). asgiref's ApplicationCommunicator does the real work.
"""

from __future__ import annotations

import json

from asgiref.testing import ApplicationCommunicator


class WebsocketClient(ApplicationCommunicator):
    def __init__(self, application, path: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        super().__init__(application, {"type": "websocket", "path": path, "query_string": b"",
                                       "headers": headers or [], "subprotocols": []})

    async def connect(self, timeout: float = 5) -> tuple[bool, int | None]:
        """(True, None) when accepted; (False, close code) when the handshake is refused."""
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        assert response["type"] == "websocket.accept", response
        return True, None

    async def receive_json_from(self, timeout: float = 5):
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])

    async def send_json_to(self, data) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def disconnect(self, code: int = 1000, timeout: float = 5) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)
