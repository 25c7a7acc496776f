"""WebSocket routing: one endpoint at /ws/, session-authenticated, same-origin only."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from carecircle.realtime.consumers import EventsConsumer

websocket_urlpatterns = [path("ws/", EventsConsumer.as_asgi())]


def build_websocket_application() -> Any:
    """The WebSocket stack. The origin check copies ALLOWED_HOSTS when this is called."""
    return AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))


websocket_application = build_websocket_application()
