"""The channel layer's Redis reads outlast its blocking wait, so an idle wait never ends a WebSocket.

Each app process waits for its connections' messages with BZPOPMIN for up to
RedisChannelLayer.brpop_timeout seconds. With redis-py's default read timeout (also 5 s) an idle
wait often timed out in the client; the error ended the consumer that held the wait and its
WebSocket closed without a close frame (found with bench/conversations.py's server logs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from channels_redis.core import RedisChannelLayer

SHOW_LAYER = """
import json
from carecircle import settings
print(json.dumps(settings.CHANNEL_LAYERS["default"]))
"""


def test_redis_reads_outlast_the_blocking_wait() -> None:
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:6379/9", "DEBUG": "true"}
    shown = subprocess.run([sys.executable, "-c", SHOW_LAYER], env=env, capture_output=True, text=True, check=True)
    layer = json.loads(shown.stdout.strip().splitlines()[-1])

    assert layer["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    for host in layer["CONFIG"]["hosts"]:
        # Room for a loaded event loop to read the answer after the server's wait ends.
        assert host["socket_timeout"] >= RedisChannelLayer.brpop_timeout + 5
