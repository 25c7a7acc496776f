"""ASGI entry point: HTTP through Django's WSGI handler in a thread pool, WebSockets at /ws/ through Channels.

Django's own ASGI handler hops between the event loop and a thread for every sync view and
middleware, and under load it left pooled database connections with threads that had finished their
request (docs/architecture/serving.md). Here each HTTP request runs start to end on one thread of
a pool of HTTP_THREADS, as under a WSGI server, while WebSockets stay on the event loop; work left
for after a response's answer (lib/after_response.py) runs on AFTER_RESPONSE_THREADS threads of its own.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")

from django.core.wsgi import get_wsgi_application

from carecircle.lib.startup import refuse_unsafe_configuration

# Before the application is built, so an unsafe configuration fails with its one line and nothing else.
refuse_unsafe_configuration()
django_wsgi = get_wsgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from carecircle.realtime.routing import websocket_application  # noqa: E402
from carecircle.web.warm_up import warm_up_if_wanted  # noqa: E402
from carecircle.web.wsgi_bridge import BufferedWSGIMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        # django-stubs types the handler as returning a response, which is the iterable of bytes WSGI wants.
        "http": BufferedWSGIMiddleware(
            django_wsgi,  # type: ignore[arg-type]
            workers=settings.HTTP_THREADS,
            after_threads=settings.AFTER_RESPONSE_THREADS,
        ),
        "websocket": websocket_application,
    }
)

# `carecircle serve` asks each process to warm what its first request would pay, before it accepts one.
warm_up_if_wanted()
