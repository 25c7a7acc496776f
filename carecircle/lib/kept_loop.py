"""One event loop per process, kept running on a thread of its own, for async work from synchronous code.

`async_to_sync` called on a request's thread (the WSGI bridge's pool, the worker) has no event loop
to borrow, so it makes a new thread and a new loop for every call, and a Redis channel layer, which
keeps its connections per event loop, then opens, greets and closes a Redis connection each time:
≈ 2 ms of the process's CPU and a dozen hand-overs of the GIL for one live event, more on a busy
machine (docs/performance.md, "Publishing from a kept loop"). `run_kept` hands the coroutine to
this process's kept loop instead, whose connections stay open, and waits for its result.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine
from typing import Any

_lock = threading.Lock()
_kept: tuple[int, asyncio.AbstractEventLoop, threading.Thread] | None = None


def kept_loop() -> asyncio.AbstractEventLoop:
    """This process's kept loop, started on first use (again in a forked child: threads don't follow a fork)."""
    global _kept
    with _lock:
        if _kept is None or _kept[0] != os.getpid() or not _kept[2].is_alive():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="kept-loop", daemon=True)
            thread.start()
            _kept = (os.getpid(), loop, thread)
        return _kept[1]


def run_kept[Result](coroutine: Coroutine[Any, Any, Result], *, timeout: float) -> Result:
    """Run `coroutine` on the kept loop and wait for its result (or its exception) at most `timeout` seconds.

    Must not be called from the kept loop's own thread, which would wait for itself.
    """
    loop = kept_loop()
    if _kept is not None and threading.current_thread() is _kept[2]:
        coroutine.close()
        raise RuntimeError("run_kept was called on the kept loop's own thread.")
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout)
