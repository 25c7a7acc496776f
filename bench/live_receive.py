"""Benchmark: the receiving side of live delivery, in one process, counted in CPU rather than wall time.

Opens BENCH_SOCKETS (500) connections of the real `EventsConsumer` in one process, all members of
one circle, on the channel layer of the settings (REDIS_URL and CHANNEL_LAYER; both required to be
meaningful), with the ASGI side faked: nothing goes over TCP, so what is counted is channels, the
channel layer and the consumer, not uvicorn. The database reads of `connect` and of the membership
check are replaced by answers in memory. Then it publishes BENCH_EVENTS (40) events to the circle,
one at a time, each after every connection heard the one before, and reports the event loop's thread
CPU per event per connection (and the wall time from publish to the last connection), and the Python
memory (tracemalloc) each idle connection holds. The CPU count hardly moves with the machine's load.

    REDIS_URL=redis://127.0.0.1:6379/4 CHANNEL_LAYER=queues .venv/bin/python bench/live_receive.py
    REDIS_URL=... CHANNEL_LAYER=queues /work/wt/base/.venv/bin/python bench/live_receive.py /work/wt/base

The optional argument is another checkout to measure (its code, this script), for a before/after in
one run. Not a test: figures go into docs/performance.md by hand.
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

CHECKOUT = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
SOCKETS = int(os.environ.get("BENCH_SOCKETS", "500"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "40"))
CIRCLE = 1


class Person:
    is_authenticated = True

    def __init__(self, pk: int) -> None:
        self.pk = pk


class Socket:
    """The ASGI side of one connection: messages in from a queue, frames out counted."""

    def __init__(self) -> None:
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.frames = 0
        self.heard = asyncio.Event()
        self.want = 0

    async def receive(self) -> dict[str, Any]:
        return await self.incoming.get()

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "websocket.send":
            self.frames += 1
            if self.frames >= self.want:
                self.heard.set()


async def main() -> None:
    from channels.layers import get_channel_layer

    from carecircle.realtime import consumers
    from carecircle.realtime.events import HANDLER, circle_group

    members = frozenset(range(1, SOCKETS + 1))

    async def circles_of(user_id: int) -> list[int]:
        return [CIRCLE]

    async def no_scopes(user_id: int) -> tuple[set[str], list[dict[str, Any]]]:
        return set(), []

    async def member_ids(circle_id: int) -> frozenset[int]:
        return members

    consumers.circle_ids_of = circles_of
    consumers.scopes_of = no_scopes
    consumers.member_ids_now = member_ids
    layer = get_channel_layer()
    await layer.flush()
    app = consumers.EventsConsumer.as_asgi()
    sockets = [Socket() for _ in range(SOCKETS)]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    running = []
    for number, socket in enumerate(sockets, start=1):
        scope = {"type": "websocket", "path": "/ws/", "headers": [], "user": Person(number), "session": None}
        running.append(asyncio.ensure_future(app(scope, socket.receive, socket.send)))
        socket.want = 1  # the hello
        await socket.incoming.put({"type": "websocket.connect"})
        await asyncio.wait_for(socket.heard.wait(), 30)
    await asyncio.sleep(1)
    gc.collect()
    idle = (tracemalloc.get_traced_memory()[0] - before) / SOCKETS
    tracemalloc.stop()
    cpu: list[float] = []
    wall: list[float] = []
    for seq in range(1, EVENTS + 1):
        for socket in sockets:
            socket.heard.clear()
            socket.want = socket.frames + 1
        started_cpu = time.thread_time()
        started = time.perf_counter()
        event = {"type": "message.posted", "circle": CIRCLE, "seq": seq, "conversation": 1, "message": seq}
        await layer.group_send(circle_group(CIRCLE), {"type": HANDLER, "event": event})
        for socket in sockets:
            await asyncio.wait_for(socket.heard.wait(), 30)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1e6 / SOCKETS)
    for socket in sockets:
        await socket.incoming.put({"type": "websocket.disconnect", "code": 1000})
    await asyncio.gather(*running, return_exceptions=True)
    await layer.flush()
    kind = type(layer).__name__
    print(
        f"{CHECKOUT.name}: {kind}, {SOCKETS} connections, {EVENTS} events: "
        f"CPU per event per connection median {statistics.median(cpu):.1f} µs "
        f"(min {min(cpu):.1f}); publish to last connection median {statistics.median(wall):.1f} ms; "
        f"Python memory per idle connection {idle / 1024:.1f} KiB"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(CHECKOUT))
    os.chdir(CHECKOUT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
    import django

    django.setup()
    asyncio.run(main())
