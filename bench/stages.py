"""Run `carecircle serve` with a timestamp at each stage of a message's POST, for bench/conversations.py.

    BENCH_STAGES_DIR=<folder> .venv/bin/python bench/stages.py serve --host 127.0.0.1 --port 8000

Wraps, in this process only, the places a POST passes on its way to the live event, and writes one
JSON line per POST that published a `message.posted` event to <folder>/stages-<pid>.jsonl: the
monotonic clock (`time.perf_counter()`, CLOCK_MONOTONIC, the same in every process of the machine,
so the bench can put its own "just before the POST" on the same line) and the request thread's CPU
time (`time.thread_time()`) and how many statements the thread has sent to the database so far (its
round trips, less each COMMIT) at each stage:

- `arrived`: the ASGI server hands the request to the WSGI bridge (on the event loop);
- `thread`: a thread of the bridge's pool starts running it (the wait between is the queue);
- `service`: the view calls the service that makes the message (middleware, sign-in, the view);
- `made`: the service's transaction has done its work, before the commit;
- `publish` and `published`: the `message.posted` event is handed to the channel layer, and back;
- `answered`: the response's last chunk is made (handed to the loop);
- `closed`: the response is closed, the work after it done (the thread is free again).

Not a test, not part of the app: only the benchmark starts a server this way. Works on any tree
that has the bridge's responder, `conversations.services._message_create` and `realtime.events.publish`
(bench/conversations.py runs the code of the tree it is in).
"""

from __future__ import annotations

import contextvars
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

STAGES: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("bench_stages", default=None)


def _mark(name: str) -> None:
    record = STAGES.get()
    if record is not None and name not in record:
        record[name] = (time.perf_counter(), time.thread_time(), record.get("statements", 0))


def _counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    """Count the request thread's statements to the database (its round trips, less each COMMIT)."""
    record = STAGES.get()
    if record is not None:
        record["statements"] = record.get("statements", 0) + 1
    return execute(sql, params, many, context)


def install(folder: Path) -> None:
    """Wrap the stages' functions in this process; each POST that published a message writes its line."""
    from carecircle.conversations import services
    from carecircle.realtime import events
    from carecircle.web import wsgi_bridge

    out = open(folder / f"stages-{os.getpid()}.jsonl", "a", buffering=1)  # noqa: SIM115  # open while serving
    lock = threading.Lock()
    responder = wsgi_bridge.BufferedWSGIResponder
    original_call = responder.__call__
    original_wsgi = responder.wsgi

    async def call(self: Any, scope: Any, receive: Any, send: Any) -> None:
        record: dict[str, Any] = {"arrived": (time.perf_counter(), 0.0)}
        token = STAGES.set(record)
        try:
            await original_call(self, scope, receive, send)
        finally:
            STAGES.reset(token)

    def wsgi(self: Any, environ: Any, start_response: Any) -> None:
        from django.db import connection

        _mark("thread")
        try:
            with connection.execute_wrapper(_counted):
                original_wsgi(self, environ, start_response)
        finally:
            _mark("closed")
            record = STAGES.get()
            if record is not None and "message" in record:
                with lock:
                    out.write(json.dumps(record) + "\n")

    original_send = responder.send

    def send(self: Any, message: Any) -> None:
        if message and message.get("type") == "http.response.body" and not message.get("more_body"):
            _mark("answered")
        original_send(self, message)

    original_create = services._message_create

    def message_create(**kwargs: Any) -> Any:
        _mark("service")
        made = original_create(**kwargs)
        _mark("made")
        return made

    original_publish = events.publish

    def publish(group: str, message: dict[str, Any]) -> None:
        posted = message.get("type") == "message.posted"
        if posted:
            _mark("publish")
        original_publish(group, message)
        if posted:
            _mark("published")
            record = STAGES.get()
            if record is not None:
                record["message"] = message.get("message")

    responder.__call__ = call  # type: ignore[method-assign]
    responder.wsgi = wsgi  # type: ignore[method-assign]
    responder.send = send  # type: ignore[method-assign]
    services._message_create = message_create
    events.publish = publish


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
    import django

    django.setup()
    install(Path(os.environ["BENCH_STAGES_DIR"]))
    from carecircle.manage import main as carecircle

    sys.argv = ["carecircle", *sys.argv[1:]]
    carecircle()


if __name__ == "__main__":
    main()
