"""Work a request does once its answer has left: `after_response(work)`.

A posted message's notifications (notify(later=True), then notify_finish) are written after the
POST has been answered: the sender waits for neither their queries nor their CPU. The work runs
when the server closes the response (PEP 3333's `close()`, which Django documents as called by
the server at the end of the request; Django's ASGI handler and test client call it too):

- Under `carecircle serve` the WSGI bridge puts `AfterResponseThreads` in the environ: the work
  goes to those threads of its own, so the request's thread is free for the next request at once
  and a POST never queues behind an earlier POST's notifications. Each piece of work is wrapped
  as Django wraps a request: database connections that are unusable or past their age are closed
  before and after it (with PostgreSQL's pool: given back).
- Under any other server, and Django's test client, it runs on the request's thread inside
  `close()`, before Django's `request_finished` gives the database connection back.

Outside a request (the worker, a command, a test calling a service) it runs at once. What a
process dying in between leaves undone, the caller must be able to finish another way (for
notifications: the worker's FanOut sweep). docs/architecture/notifications.md, "After the answer".
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar

from django.db import close_old_connections
from django.http import HttpRequest, HttpResponseBase

logger = logging.getLogger(__name__)

# Set in the WSGI environ when a response has work to do after it: the ASGI bridge then hands the
# response to the event loop before closing it (web/wsgi_bridge.py), instead of after.
ENVIRON_KEY = "carecircle.after_response"
# Set in the WSGI environ by a server that runs the work on threads of its own (web/wsgi_bridge.py).
THREADS_KEY = "carecircle.after_response.threads"
# How many requests' work may wait for AfterResponseThreads; past that a request's own thread does it.
BACKLOG = 256

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


class AfterResponseThreads:
    """A server's threads for requests' work after their answers (the WSGI bridge keeps one per process).

    At most `backlog` requests' work waits here; when more would, `submit` refuses and the
    request's own thread does its work, so a burst slows the requests down rather than growing
    a queue without end.
    """

    def __init__(self, *, threads: int, backlog: int = BACKLOG) -> None:
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="after-response")
        self._slots = threading.BoundedSemaphore(backlog)

    def submit(self, pending: list[Callable[[], None]]) -> bool:
        """Have one of the threads run `pending` in a copy of the caller's context; False if too many wait."""
        if not self._slots.acquire(blocking=False):
            return False
        try:
            # The request's context (its language, for one) goes with the work; its database
            # connections don't: Django keeps those per thread.
            self._executor.submit(contextvars.copy_context().run, self._work, pending)
        except RuntimeError:  # the executor is shutting down with its process
            self._slots.release()
            return False
        return True

    def _work(self, pending: list[Callable[[], None]]) -> None:
        try:
            close_old_connections()
            _run(pending)
        finally:
            try:
                close_old_connections()
            except Exception:
                logger.exception("Closing the database connection after the response's work failed")
            self._slots.release()

    def shutdown(self) -> None:
        """Wait for the work already handed over (a process stopping; tests)."""
        self._executor.shutdown(wait=True)


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
            threads = request.META.get(THREADS_KEY)
            _work_at_close(response, pending, threads if isinstance(threads, AfterResponseThreads) else None)
        return response


def _work_at_close(
    response: HttpResponseBase, pending: list[Callable[[], None]], threads: AfterResponseThreads | None
) -> None:
    """Make the response's close() hand the work over (or do it), then close as Django does."""
    close = response.close

    def work_then_close() -> None:
        try:
            if threads is None or not threads.submit(pending):
                _run(pending)
        finally:
            # Django's own close: the response's resources, then request_finished (the connection's end).
            close()

    # close() is the response's public end-of-request call (PEP 3333, Django's HttpResponse.close).
    response.close = work_then_close  # type: ignore[method-assign]
