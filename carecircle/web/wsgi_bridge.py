"""HTTP for the ASGI server: Django's WSGI handler in a thread pool, the response handed back once.

a2wsgi's `WSGIMiddleware` runs each request on a thread of its pool, and for every message of the
response (the status and headers, each body chunk, the empty last chunk) the thread blocks until
the event loop has queued it: three or more round trips between the thread and the loop for an
ordinary page, each one a wake-up of the loop and a hand-over of the GIL while other requests'
threads are running Python. Here the thread keeps the messages of a response up to
`BUFFERED_BYTES` and the loop queues them when the thread has finished: one hand-over there and one
back, as for any `run_in_executor`. A larger response (an export, a download) goes out chunk by chunk
as before, once its first `BUFFERED_BYTES` have been sent. Everything else (the environ, the request
body, the thread pool, closing the response on the request's thread) is a2wsgi's
(docs/architecture/serving.md, "The hand-over").

A response with work left for after it (lib/after_response.py: a message's notifications) is
handed to the loop as soon as its last chunk is made, before the thread closes it, so the answer
never waits for that work. Closing it hands the work to the process's `AfterResponseThreads`
(`after_threads` of them), so the request's thread is free for the next request at once: a POST
never queues behind another POST's notifications.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
from typing import Any

from a2wsgi.wsgi import Body, WSGIMiddleware, WSGIResponder, build_environ
from a2wsgi.wsgi_typing import WSGIApp

from carecircle.lib.after_response import ENVIRON_KEY, THREADS_KEY, AfterResponseThreads

# A page is at most a few dozen KB; anything over this streams as a2wsgi streams it.
BUFFERED_BYTES = 256 * 1024


class BufferedWSGIResponder(WSGIResponder):
    """a2wsgi's responder, with the response's messages kept on the thread and queued by the loop."""

    def __init__(self, *args: Any, after: AfterResponseThreads | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.after = after
        # None once the response is too big to keep: from then on each message crosses at once.
        self.kept: list[Any] | None = []
        self.kept_bytes = 0
        # The early hand-over of a response with work after it, which the loop finishes queueing.
        self.handed: concurrent.futures.Future[None] | None = None

    def send(self, message: Any) -> None:
        """Keep the message for the loop, or hand it over now once the response is too big to keep."""
        if self.kept is not None:
            self.kept_bytes += len(message.get("body", b"")) if message else 0
            if self.kept_bytes <= BUFFERED_BYTES:
                self.kept.append(message)
                return
            kept, self.kept = self.kept, None
            for earlier in kept:
                super().send(earlier)
        super().send(message)

    def wsgi(self, environ: Any, start_response: Any) -> None:
        """a2wsgi's, but a response with work after it is handed to the loop before it is closed."""
        iterable = self.app(environ, start_response)
        try:
            for chunk in iterable:
                self.send({"type": "http.response.body", "body": chunk, "more_body": True})
            self.send({"type": "http.response.body", "body": b""})
            if environ.get(ENVIRON_KEY) and self.kept:
                kept, self.kept = self.kept, None
                self.handed = asyncio.run_coroutine_threadsafe(self._queue(kept), self.loop)
        finally:
            getattr(iterable, "close", lambda: None)()

    async def _queue(self, messages: list[Any]) -> None:
        for message in messages:
            await self.send_queue.put(message)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = Body(self.loop, receive)
        environ: Any = build_environ(scope, body)
        if self.after is not None:
            environ[THREADS_KEY] = self.after
        sender = None
        try:
            sender = self.loop.create_task(self.sender(send))
            context = contextvars.copy_context()
            func: Any = functools.partial(context.run, self.wsgi)  # type: ignore[call-arg]
            await self.loop.run_in_executor(self.executor, func, environ, self.start_response)
            if self.handed is not None:
                await asyncio.wrap_future(self.handed)
            for message in self.kept or ():
                await self.send_queue.put(message)
            await self.send_queue.put(None)
            await sender
            if self.exc_info is not None:
                raise self.exc_info[0].with_traceback(self.exc_info[1], self.exc_info[2])
        finally:
            if sender and not sender.done():
                sender.cancel()


class BufferedWSGIMiddleware(WSGIMiddleware):
    """a2wsgi's `WSGIMiddleware` answering HTTP with `BufferedWSGIResponder`; `after_threads` for work after answers."""

    def __init__(self, app: WSGIApp, *args: Any, after_threads: int = 0, **kwargs: Any) -> None:
        super().__init__(app, *args, **kwargs)
        self.after = AfterResponseThreads(threads=after_threads) if after_threads > 0 else None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            responder = BufferedWSGIResponder(self.app, self.executor, self.send_queue_size, after=self.after)
            return await responder(scope, receive, send)
        return await super().__call__(scope, receive, send)
