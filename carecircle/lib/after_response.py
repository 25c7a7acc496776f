"""Work a request does once its answer has left: `after_response(work)`.

A posted message's notifications (notify(later=True), then notify_finish) are written after the
POST has been answered: the sender waits for neither their queries nor their CPU. The work runs
on the request's own thread when the server closes the response (PEP 3333's `close()`, called once
the body has been handed over; Django's ASGI handler does the same), before Django's
`request_finished` gives the database connection back. Outside a request (the worker, a command,
a test calling a service) it runs at once. What a process dying in between leaves undone, the
caller must be able to finish another way (for notifications: the worker's FanOut sweep).
docs/architecture/notifications.md, "After the answer".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponseBase

logger = logging.getLogger(__name__)

# Set in the WSGI environ when a response has work to do after it: the ASGI bridge then hands the
# response to the event loop before closing it (web/wsgi_bridge.py), instead of after.
ENVIRON_KEY = "carecircle.after_response"

_pending: ContextVar[list[Callable[[], None]] | None] = ContextVar("after_response", default=None)


def after_response(work: Callable[[], None]) -> None:
    """Run `work` once this request's response has been sent; at once outside a request.

    `work` must not raise for the response's sake: what it raises is logged and the next runs.
    """
    pending = _pending.get()
    if pending is None:
        work()
    else:
        pending.append(work)


def _run(pending: list[Callable[[], None]]) -> None:
    for work in pending:
        try:
            work()
        except Exception:
            logger.exception("Work after the response failed")


class AfterResponseMiddleware:
    """Collects the request's `after_response` work and runs it when the response is closed.

    Outermost, so the response it sees is the one the server sends.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        pending: list[Callable[[], None]] = []
        token = _pending.set(pending)
        try:
            response = self.get_response(request)
        finally:
            _pending.reset(token)
        if pending:
            request.META[ENVIRON_KEY] = True
            # Django's response closes these first, then sends request_finished (the connection's end).
            closers: list[Any] = response._resource_closers  # type: ignore[attr-defined]
            closers.append(lambda: _run(pending))
        return response
