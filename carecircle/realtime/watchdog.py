"""After Redis comes back, every open connection re-joins its groups and is told each circle's latest number.

A Redis restart forgets every group, so open WebSockets would hear nothing until their periodic
refresh (a minute later), and an event published while Redis was down is lost; a client only
notices a gap at the next event, which may never come. One watchdog per app process asks Redis for
its run id every second; when it answers again after failing, or answers with a new run id (a
restart quicker than a second falls between two asks), each connection re-joins its groups and gets a
`circle.latest` message per circle ({"type", "circle", "seq"}), so clients catch up at once
(live.js treats it like any numbered event). Tested by tests/faults/test_kill_and_restart.py.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from carecircle.realtime.consumers import EventsConsumer

logger = logging.getLogger(__name__)
PING_EVERY_SECONDS = 1.0
_connections: weakref.WeakSet[EventsConsumer] = weakref.WeakSet()
_watchers: dict[int, asyncio.Task[None]] = {}


def watchdog_enrol(consumer: EventsConsumer) -> None:
    """Keep this connection in the list to resync, and start the process's watchdog if it isn't running."""
    if not settings.REDIS_URL:
        return
    _connections.add(consumer)
    loop = asyncio.get_running_loop()
    running = _watchers.get(id(loop))
    if running is None or running.done():
        _watchers[id(loop)] = loop.create_task(_watch())


def watchdog_leave(consumer: EventsConsumer) -> None:
    _connections.discard(consumer)


async def _server_id(client: Any) -> str | None:
    """The Redis server's run id (new at every start), or None when Redis does not answer."""
    try:
        info = await asyncio.wait_for(client.info("server"), PING_EVERY_SECONDS)
    except Exception:
        return None
    return str(info.get("run_id", ""))


async def _watch() -> None:
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    # A restart can fall between two pings, and the client reconnects by itself, so "it failed, then
    # answered" misses it; a changed run id does not.
    known: str | None = None
    healthy = True
    try:
        while _connections:
            server = await _server_id(client)
            alive = server is not None
            restarted = alive and known is not None and server != known
            if alive and (restarted or not healthy):
                logger.info("Redis is back: %s live connections re-join their groups", len(_connections))
                for consumer in list(_connections):
                    try:
                        await consumer.resync()
                    except Exception:
                        logger.debug("Could not resync a connection", exc_info=True)
            if alive:
                known = server
            healthy = alive
            await asyncio.sleep(PING_EVERY_SECONDS)
    finally:
        await client.aclose()
