"""Django's own ASGI handler for HTTP (with Channels for /ws/): kept so bench/serving.py can compare it."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")

from django.core.asgi import get_asgi_application

from carecircle.lib.startup import refuse_unsafe_configuration

refuse_unsafe_configuration()
django_http = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from carecircle.realtime.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter({"http": django_http, "websocket": websocket_application})
