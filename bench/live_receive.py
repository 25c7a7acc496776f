"""Benchmark: the receiving side of live delivery, in one process, counted in CPU rather than wall time.

Opens BENCH_SOCKETS (500) connections of the real `EventsConsumer` in one process, all members of
one circle, on the channel layer of the settings (REDIS_URL and CHANNEL_LAYER; both required to be
meaningful). The database reads of `connect` and of the membership check are replaced by answers in
memory. Then it publishes BENCH_EVENTS (40) events to the circle, one at a time, each after every
connection heard the one before, and reports the event loop's thread CPU per event per connection
(and the wall time from publish to the last connection), and the Python memory (tracemalloc) each
idle connection holds. The CPU count hardly moves with the machine's load.

BENCH_STACK=1 puts the session middleware and the URL router that a served connection passes
(realtime/routing.py, less the database's sign-in) in front of the consumer.

BENCH_ASGI says what is on the other side of the consumer:

- `fake` (the default): the ASGI side is faked, nothing goes over TCP, so what is counted is
  channels, the channel layer and the consumer.
- `websockets-sansio`, `websockets`, `wsproto`: a real uvicorn server, with that WebSocket
  implementation, runs in the same event loop, and the clients are real WebSocket clients in a
  child process (so their CPU is not counted). The count then includes uvicorn's framing and the
  socket writes (the kernel's share of a write is the writing thread's CPU too).

The event loop is uvloop's, as `carecircle serve` runs it. BENCH_PROFILE=1 also prints the
functions that took the most of the event loop's time while the events were delivered (cProfile).

    REDIS_URL=redis://127.0.0.1:6379/4 CHANNEL_LAYER=queues .venv/bin/python bench/live_receive.py
    REDIS_URL=... BENCH_ASGI=websockets-sansio .venv/bin/python bench/live_receive.py
    REDIS_URL=... CHANNEL_LAYER=queues /work/wt/base/.venv/bin/python bench/live_receive.py /work/wt/base

The optional argument is another checkout to measure (its code, this script), for a before/after in
one run. Not a test: figures go into docs/performance.md by hand.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import io
import os
import pstats
import socket as sockets_module
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

CHECKOUT = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 and sys.argv[1] != "--clients" else None
SOCKETS = int(os.environ.get("BENCH_SOCKETS", "500"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "40"))
ASGI = os.environ.get("BENCH_ASGI", "fake")
# BENCH_STACK=1: the consumer behind the session middleware and URL router it has when served
# (realtime/routing.py; the sign-in is the bench's, so no database), instead of alone.
STACK = os.environ.get("BENCH_STACK") == "1"
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
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


class FakeSide:
    """Connections whose ASGI side is in memory."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.sockets = [Socket() for _ in range(SOCKETS)]
        self.running: list[asyncio.Future[Any]] = []

    async def open(self) -> None:
        for number, socket in enumerate(self.sockets, start=1):
            scope = {"type": "websocket", "path": "/ws/", "headers": [], "user": Person(number)}
            if not STACK:
                scope["session"] = None
            self.running.append(asyncio.ensure_future(self.app(scope, socket.receive, socket.send)))
            socket.want = 1  # the hello
            await socket.incoming.put({"type": "websocket.connect"})
            await asyncio.wait_for(socket.heard.wait(), 30)

    def expect_next(self) -> None:
        for socket in self.sockets:
            socket.heard.clear()
            socket.want = socket.frames + 1

    async def all_heard(self) -> None:
        for socket in self.sockets:
            await asyncio.wait_for(socket.heard.wait(), 30)

    async def close(self) -> None:
        for socket in self.sockets:
            await socket.incoming.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.gather(*self.running, return_exceptions=True)


class ServedSide:
    """Connections through a real uvicorn server in this event loop, from clients in a child process."""

    def __init__(self, app: Any, implementation: str) -> None:
        import uvicorn

        async def signed_in(scope: dict[str, Any], receive: Any, send: Any) -> None:
            number = int(parse_qs(scope["query_string"].decode())["u"][0])
            # Behind the session middleware the session is its own (no cookie: an empty one).
            session = {} if STACK else {"session": None}
            await app({**scope, "user": Person(number), **session}, receive, send)

        listening = sockets_module.socket()
        listening.bind(("127.0.0.1", 0))
        self.port = listening.getsockname()[1]
        listening.close()
        config = uvicorn.Config(
            signed_in,
            host="127.0.0.1",
            port=self.port,
            ws=implementation,
            ws_per_message_deflate=False,
            lifespan="off",
            log_level="warning",
            access_log=False,
            loop="none",
            backlog=4096,
        )
        self.server = uvicorn.Server(config)
        self.serving: asyncio.Task[None] | None = None
        self.clients: asyncio.subprocess.Process | None = None
        self.heard = 0

    async def open(self) -> None:
        self.serving = asyncio.create_task(self.server.serve())
        while not self.server.started:
            await asyncio.sleep(0.05)
        self.clients = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--clients",
            str(self.port),
            stdout=asyncio.subprocess.PIPE,
            stdin=asyncio.subprocess.PIPE,
        )
        await self._wait_for(1)  # every socket heard its hello

    async def _wait_for(self, frames: int) -> None:
        assert self.clients is not None
        assert self.clients.stdout is not None
        while self.heard < frames:
            line = await asyncio.wait_for(self.clients.stdout.readline(), 60)
            if not line:
                raise RuntimeError("the clients stopped")
            self.heard = int(line)

    def expect_next(self) -> None:
        self.want = self.heard + 1

    async def all_heard(self) -> None:
        await self._wait_for(self.want)

    async def close(self) -> None:
        assert self.clients is not None
        assert self.clients.stdin is not None
        self.clients.stdin.close()
        await self.clients.wait()
        self.server.should_exit = True
        if self.serving is not None:
            await self.serving


async def clients(port: int) -> None:
    """The child process: SOCKETS WebSocket clients; prints how many frames every one of them has had."""
    from websockets.asyncio.client import connect

    counts = [0] * SOCKETS
    everyone = 0
    changed = asyncio.Event()

    async def listen(number: int, opened: asyncio.Event) -> None:
        nonlocal everyone
        async with connect(f"ws://127.0.0.1:{port}/ws/?u={number + 1}", max_queue=None, compression=None) as ws:
            async for _ in ws:
                counts[number] += 1
                opened.set()
                if counts[number] > everyone and min(counts) > everyone:
                    everyone = min(counts)
                    changed.set()

    listening = []
    for number in range(SOCKETS):
        # One at a time, as the in-memory side opens them: the point is the events, not a stampede.
        opened = asyncio.Event()
        listening.append(asyncio.ensure_future(listen(number, opened)))
        await asyncio.wait_for(opened.wait(), 30)

    async def report() -> None:
        told = 0
        while True:
            await changed.wait()
            changed.clear()
            if everyone > told:
                told = everyone
                print(told, flush=True)

    reporting = asyncio.ensure_future(report())
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes it
    reporting.cancel()
    for task in listening:
        task.cancel()
    await asyncio.gather(*listening, reporting, return_exceptions=True)


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
    if STACK:
        from channels.routing import URLRouter
        from channels.sessions import SessionMiddlewareStack

        from carecircle.realtime import routing

        app = SessionMiddlewareStack(URLRouter(routing.websocket_urlpatterns))
        keep = getattr(routing, "KeepServerSend", None)  # not in a checkout from before it
        if keep is not None:
            app = keep(app)
    side: FakeSide | ServedSide = FakeSide(app) if ASGI == "fake" else ServedSide(app, ASGI)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    await side.open()
    await asyncio.sleep(1)
    gc.collect()
    idle = (tracemalloc.get_traced_memory()[0] - before) / SOCKETS
    tracemalloc.stop()
    profile = cProfile.Profile() if PROFILE else None
    cpu: list[float] = []
    wall: list[float] = []
    for seq in range(1, EVENTS + 1):
        side.expect_next()
        started_cpu = time.thread_time()
        started = time.perf_counter()
        if profile is not None:
            profile.enable()
        event = {"type": "message.posted", "circle": CIRCLE, "seq": seq, "conversation": 1, "message": seq}
        await layer.group_send(circle_group(CIRCLE), {"type": HANDLER, "event": event})
        await side.all_heard()
        if profile is not None:
            profile.disable()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1e6 / SOCKETS)
    await side.close()
    await layer.flush()
    name = (CHECKOUT or Path(__file__).resolve().parent.parent).name
    stack = " behind the session stack" if STACK else ""
    print(
        f"{name}: {type(layer).__name__}, ASGI {ASGI}{stack}, {SOCKETS} connections, {EVENTS} events: "
        f"CPU per event per connection median {statistics.median(cpu):.1f} µs "
        f"(min {min(cpu):.1f}); publish to last connection median {statistics.median(wall):.1f} ms; "
        f"Python memory per idle connection {idle / 1024:.1f} KiB"
    )
    if profile is not None:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(25)
        print(out.getvalue())


if __name__ == "__main__":
    import uvloop

    if len(sys.argv) > 2 and sys.argv[1] == "--clients":
        uvloop.run(clients(int(sys.argv[2])))
        sys.exit(0)
    if CHECKOUT is not None:
        sys.path.insert(0, str(CHECKOUT))
        os.chdir(CHECKOUT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
    import django

    django.setup()
    uvloop.run(main())
