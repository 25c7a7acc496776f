"""ASGI entry point: HTTP through Django, WebSockets at /ws/ through Channels."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")

from django.core.asgi import get_asgi_application

from carecircle.lib.startup import refuse_unsafe_configuration

# Before the application is built, so an unsafe configuration fails with its one line and nothing else.
refuse_unsafe_configuration()
django_http = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from carecircle.realtime.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter({"http": django_http, "websocket": websocket_application})
