"""A WebSocket test client for ASGI applications.

It mirrors channels.testing.WebsocketCommunicator, which can't be imported without daphne
(django/channels#1942): channels/testing/__init__.py also imports the live-server test case.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from asgiref import testing

# asgiref's test helper has no type hints.
ApplicationCommunicator: Any = testing.ApplicationCommunicator


class WebsocketCommunicator:
    accepted: bool | None = None
    hello: dict[str, Any] | None = None
    session_key: str = ""

    def __init__(self, application: Any, path: str, headers: list[tuple[bytes, bytes]], *, window: int = 0) -> None:
        """`window` > 0: a slow client, as over a full network; the application's sends wait once that
        many frames are unread (0: it never waits)."""
        scope = {"type": "websocket", "path": path, "query_string": b"", "headers": headers, "subprotocols": []}
        self.asgi = ApplicationCommunicator(application, scope)
        # asgiref binds its output queue lazily; a bounded one in its place is what a slow network does.
        self.asgi._output_queue = asyncio.Queue(maxsize=window)

    async def connect(self, timeout: float = 3) -> bool:
        """Open the connection; True when the application accepted it."""
        await self.asgi.send_input({"type": "websocket.connect"})
        response = await self.asgi.receive_output(timeout)
        assert response["type"] in {"websocket.accept", "websocket.close"}, response
        self.accepted = response["type"] == "websocket.accept"
        return self.accepted

    async def receive_output(self, timeout: float = 3) -> dict[str, Any]:
        output: dict[str, Any] = await self.asgi.receive_output(timeout)
        return output

    async def send_text(self, text: str) -> None:
        await self.asgi.send_input({"type": "websocket.receive", "text": text})

    async def send_bytes(self, data: bytes) -> None:
        await self.asgi.send_input({"type": "websocket.receive", "bytes": data})

    async def send_json(self, content: Any) -> None:
        await self.send_text(json.dumps(content))

    async def receive_json(self, timeout: float = 3) -> Any:
        """The next frame the application sends, decoded; fails if it closes instead or stays silent."""
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])

    async def disconnect(self, timeout: float = 3) -> None:
        if self.asgi.future.done():
            return
        await self.asgi.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.asgi.wait(timeout)
