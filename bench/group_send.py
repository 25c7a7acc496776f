"""Benchmark: one group send of the queues layer (BoundedRedisChannelLayer) to a group of many connections.

BENCH_MEMBERS connections (1,000) over BENCH_PROCESSES receiving processes (2) join one group on the
Redis at REDIS_URL (a prefix of its own, emptied at the end); one layer then sends BENCH_SENDS (50)
events to the group, and the receiving processes' lists are emptied between sends so every send
finds the same state. Prints the median and p90 wall time and thread CPU of one send, and the
round trips to Redis (writes on the layer's connections) per send. Not a test. To compare with
another tree's layer, point PYTHONPATH at it:

    REDIS_URL=redis://127.0.0.1:6379/6 .venv/bin/python bench/group_send.py
    PYTHONPATH=/work/wt/base REDIS_URL=redis://127.0.0.1:6379/6 .venv/bin/python bench/group_send.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path
from typing import Any

import redis.asyncio
import redis.asyncio.connection
from run import say

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "1000"))
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "2"))
SENDS = int(os.environ.get("BENCH_SENDS", "50"))
PREFIX = "bench-group-send"


def layer_for(url: str) -> Any:
    from carecircle.lib.channel_layers import QUEUES, BoundedRedisChannelLayer, redis_channel_layer

    return BoundedRedisChannelLayer(**redis_channel_layer(url, prefix=PREFIX, kind=QUEUES)["CONFIG"])


async def main() -> None:
    import carecircle.lib.channel_layers

    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    say(f"layer from {carecircle.lib.channel_layers.__file__}; load {Path('/proc/loadavg').read_text().strip()}")
    receivers = [layer_for(url) for _ in range(PROCESSES)]
    for index in range(MEMBERS):
        receiver = receivers[index % PROCESSES]
        await receiver.group_add("circle.1", await receiver.new_channel())
    sender = layer_for(url)
    client = redis.asyncio.Redis.from_url(url)
    writes = [0]
    send_packed = redis.asyncio.connection.AbstractConnection.send_packed_command

    async def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        writes[0] += 1
        await send_packed(self, *args, **kwargs)

    redis.asyncio.connection.AbstractConnection.send_packed_command = counting  # type: ignore[method-assign]
    walls: list[float] = []
    cpus: list[float] = []
    trips: list[int] = []
    try:
        await sender.group_send("circle.1", {"type": "circle.event", "event": {"seq": 0}})  # scripts, connections
        for seq in range(1, SENDS + 1):
            async for key in client.scan_iter(f"{PREFIX}*"):
                if b":group:" not in key:
                    await client.delete(key)
            writes[0] = 0
            cpu, wall = time.thread_time(), time.perf_counter()
            await sender.group_send("circle.1", {"type": "circle.event", "event": {"seq": seq}})
            walls.append(time.perf_counter() - wall)
            cpus.append(time.thread_time() - cpu)
            trips.append(writes[0])
    finally:
        redis.asyncio.connection.AbstractConnection.send_packed_command = send_packed  # type: ignore[method-assign]
        await sender.flush()
        for receiver in receivers:
            await receiver.close_pools()
        await client.aclose()
    walls.sort()
    cpus.sort()
    say(
        f"one group send to {MEMBERS} connections over {PROCESSES} processes, {SENDS} sends: "
        f"wall median {statistics.median(walls) * 1000:.2f} ms (p90 {walls[int(len(walls) * 0.9)] * 1000:.2f}), "
        f"thread CPU median {statistics.median(cpus) * 1000:.2f} ms (p90 {cpus[int(len(cpus) * 0.9)] * 1000:.2f}), "
        f"round trips {statistics.median(trips):.0f}"
    )
    say(f"load {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    asyncio.run(main())
