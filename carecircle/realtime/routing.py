"""WebSocket routing: one endpoint at /ws/, session-authenticated, same-origin only."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from carecircle.realtime.consumers import SERVER_SEND, EventsConsumer

websocket_urlpatterns = [path("ws/", EventsConsumer.as_asgi())]


class KeepServerSend:
    """Put the server's own `send` in the scope (SERVER_SEND), for the consumer's event frames.

    Everything the consumer sends otherwise passes channels' session wrapper, which acts only on an
    HTTP response's start and does nothing for a WebSocket frame but read the session's state:
    per connection per event, in a circle of 1,000 open pages (docs/architecture/realtime.md).
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        return await self.inner({**scope, SERVER_SEND: send}, receive, send)


def build_websocket_application() -> Any:
    """The WebSocket stack. The origin check copies ALLOWED_HOSTS when this is called."""
    return KeepServerSend(AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))))


websocket_application = build_websocket_application()
