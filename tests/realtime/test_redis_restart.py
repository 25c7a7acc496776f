"""The first live event after Redis restarts is delivered, not logged and lost (review finding 6).

A private redis-server on a free port is killed and started again; the publishing layer still
holds its pooled connection from before, as an app process does.
"""

from __future__ import annotations

import asyncio

from channels_redis.core import RedisChannelLayer

from carecircle.realtime.events import HANDLER, send_with_one_retry


def layer_on(port: int) -> RedisChannelLayer:
    return RedisChannelLayer(hosts=[{"address": f"redis://127.0.0.1:{port}"}], prefix="restart-test")


async def test_the_first_event_after_redis_restarts_is_delivered(private_redis):
    port, restart = private_redis
    publisher = layer_on(port)
    await send_with_one_retry(publisher, "circle.1", {"type": HANDLER, "event": {"seq": 1}})
    restart()
    # Another process's connection re-joins the group after the restart, as the watchdog makes it.
    listener = layer_on(port)
    channel = await listener.new_channel()
    await listener.group_add("circle.1", channel)

    await send_with_one_retry(publisher, "circle.1", {"type": HANDLER, "event": {"seq": 2}})

    message = await asyncio.wait_for(listener.receive(channel), 5)
    assert message["event"] == {"seq": 2}
    await publisher.close_pools()
    await listener.close_pools()
