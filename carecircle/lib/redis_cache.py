"""Django's Redis cache with one client, and so one connection pool, per process.

Django keeps its cache objects in a context-local store (`caches`, an asgiref `Local` that is not
thread-critical), and Django's `RedisCache` builds its client, with a new connection pool, the first
time each cache object is used. a2wsgi runs every HTTP request in a copy of the event loop's context
(carecircle/asgi.py), so every request saw an empty store: a new `RedisCache`, a new pool and a new
TCP connection to Redis, with its handshake (`HELLO`, `CLIENT SETINFO`, a health-check `PING`) and
redis-py reading its own package metadata for `CLIENT SETINFO`. Served, that was about half the
CPU of the signed-in one-query page (docs/architecture/serving.md, "Redis: one pool per process").

Here every cache object with the same servers and options shares one client. redis-py's pool is
thread-safe and hands each command a connection of its own, and it notices a fork (it checks the
process id) and starts again in the child. Nothing cached moves into the process: every read still
goes to Redis, so nothing can be stale or shared across viewers that wasn't before.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

_clients: dict[tuple[object, ...], RedisCacheClient] = {}
_lock = threading.Lock()


def _key(cache_class: type, servers: list[str], options: dict[str, Any]) -> tuple[object, ...]:
    return (cache_class, tuple(servers), repr(sorted(options.items())))


class SharedRedisCache(RedisCache):
    """`RedisCache` whose client (and connection pool) is made once per process, not per cache object."""

    # Set by RedisCache.__init__ (django-stubs leaves them out).
    _class: type[RedisCacheClient]
    _servers: list[str]
    _options: dict[str, Any]

    @cached_property
    def _cache(self) -> RedisCacheClient:
        key = _key(self._class, self._servers, self._options)
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client
