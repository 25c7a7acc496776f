"""After Redis comes back, every open connection re-joins its groups and is told each circle's latest number.

A Redis restart forgets every group, so open WebSockets would hear nothing until their periodic
refresh (a minute later), and an event published while Redis was down is lost; a client only
notices a gap at the next event, which may never come. One watchdog per app process asks Redis for
its run id every second; when it answers again after failing, or answers with a new run id (a
restart quicker than a second falls between two asks), each connection re-joins its groups and gets a
`circle.latest` message per circle ({"type", "circle", "seq"}), so clients catch up at once
(live.js treats it like any numbered event). Tested by tests/faults/test_kill_and_restart.py.

Two races are closed as well. A connection that joined its groups on the old Redis but enrolled only
after the watchdog had resynced everyone compares the count of restarts seen before and after it
joined (`restarts_seen`), and resyncs itself if it changed. A connection whose resync fails (Redis
went away again) is closed, so its client reconnects and catches up rather than hearing nothing.
The last run id is kept for the process, not per watchdog task, so a watchdog that stopped when the
last connection closed still notices a restart when the next one opens.

On the pub/sub layer the process's subscriptions come back only when channels-redis's receive task
next retries (about a second after Redis answers again), and anything published before then is
lost. The watchdog therefore waits until they work again (`subscriptions_confirm`) before telling
connections their latest numbers; otherwise an event published in that second was neither heard nor
covered by the number, and a client stayed behind until the next event or the minute's refresh
(tests/faults failed about once in five runs on the pub/sub layer for this reason).

On the queues layer most restarts are also seen by the process's read from Redis, which fails:
BoundedRedisChannelLayer then tells every connection to close and reconnect (`channel.lost`), so
none depends on this watchdog's next ask (docs/architecture/realtime.md, "When Redis is down").
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import TYPE_CHECKING, Any

from channels.layers import get_channel_layer
from django.conf import settings

if TYPE_CHECKING:
    from carecircle.realtime.consumers import EventsConsumer

logger = logging.getLogger(__name__)
PING_EVERY_SECONDS = 1.0
_connections: weakref.WeakSet[EventsConsumer] = weakref.WeakSet()
_watchers: dict[int, asyncio.Task[None]] = {}
# 1012 "service restart": the client reconnects and catches up (live.js stops only on 4401).
CLOSE_RESYNC_FAILED = 1012


class _Seen:
    """What this process last knew of Redis: its run id, and how many restarts it has seen."""

    run_id: str | None = None
    restarts: int = 0


def restarts_seen() -> int:
    return _Seen.restarts


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


async def subscriptions_confirm(layer: Any) -> None:
    """Wait (at most a few seconds) until the layer's subscriptions work on the Redis running now.

    Only the pub/sub layer has any to wait for; a layer that keeps its groups in Redis has its
    connections join them again in `resync`, before they read their latest numbers.
    """
    confirm = getattr(layer, "subscriptions_confirm", None)
    if confirm is None:
        return
    try:
        confirmed = await confirm()
    except Exception:
        confirmed = False
        logger.debug("Could not confirm the channel layer's subscriptions", exc_info=True)
    if not confirmed:
        # Resync anyway: the once-a-minute refresh still sends each circle's latest number.
        logger.warning("The channel layer's subscriptions did not come back in time after Redis restarted")


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
    healthy = True
    try:
        while _connections:
            server = await _server_id(client)
            alive = server is not None
            restarted = alive and _Seen.run_id is not None and server != _Seen.run_id
            if alive:
                _Seen.run_id = server
            if alive and (restarted or not healthy):
                # Counted before the list is taken (no await between): a connection enrolling later
                # sees the new count and resyncs itself.
                _Seen.restarts += 1
                waiting = list(_connections)
                logger.info("Redis is back: %s live connections re-join their groups", len(waiting))
                if waiting:
                    await subscriptions_confirm(get_channel_layer())
                for consumer in waiting:
                    await _resync_or_close(consumer)
            healthy = alive
            await asyncio.sleep(PING_EVERY_SECONDS)
    finally:
        # No longer this loop's watchdog before the last await: a connection that enrols while the
        # client closes must start a new one, or no restart would be noticed from then on.
        loop = asyncio.get_running_loop()
        if _watchers.get(id(loop)) is asyncio.current_task():
            del _watchers[id(loop)]
        await client.aclose()


async def _resync_or_close(consumer: EventsConsumer) -> None:
    try:
        await consumer.resync()
    except Exception:
        logger.info("Could not resync a connection; closing it so its client reconnects", exc_info=True)
        try:
            await consumer.close(code=CLOSE_RESYNC_FAILED)
        except Exception:
            logger.debug("Could not close a connection", exc_info=True)
