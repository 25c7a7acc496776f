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

Django's client also built a new `redis.Redis` object for every command (`get_client`), and its
constructor fills a table of about 250 reply parsers: ≈ 0.09 ms each time, once or twice a page.
`KeptClientRedisCacheClient` makes that object once per pool. A `redis.Redis` on a pool is
thread-safe (each command borrows a connection from the pool and gives it back); pipelines and
pub/sub, which are not, are made per use from it as before.

Django checks every key for what memcached can't store (`validate_key`: a warning for a key over 250
characters or with a space or control character) letter by letter in Python, ≈ 4 µs for a 76-letter
kept region's key, eleven times on a kept circle home. `SharedRedisCache` checks with one regular
expression and asks Django's check only of a key that would get a warning, so the same keys warn.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from django.core.cache.backends.base import MEMCACHE_MAX_KEY_LENGTH
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

_clients: dict[tuple[object, ...], RedisCacheClient] = {}
_lock = threading.Lock()
# What Django's `memcache_key_warnings` warns of in a key's letters: control characters, space, DEL.
_NOT_FOR_MEMCACHED = re.compile(r"[\x00-\x20\x7f]")


class KeptClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client that keeps one `redis.Redis` per connection pool instead of one per command."""

    _pools: dict[int, Any]
    _client: type[Any]

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients_by_pool: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients_by_pool.get(id(pool))
        if client is None:
            # A race makes two and keeps one: both use the same pool, so either is right.
            client = self._clients_by_pool.setdefault(id(pool), self._client(connection_pool=pool))
        return client


def _key(cache_class: type, servers: list[str], options: dict[str, Any]) -> tuple[object, ...]:
    return (cache_class, tuple(servers), repr(sorted(options.items())))


class SharedRedisCache(RedisCache):
    """`RedisCache` whose client (and connection pool) is made once per process, not per cache object or command."""

    # Set by RedisCache.__init__ (django-stubs leaves them out).
    _class: type[RedisCacheClient]
    _servers: list[str]
    _options: dict[str, Any]

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient

    def validate_key(self, key: str) -> None:
        """Django's warnings for a key memcached couldn't store, without walking a key that has none."""
        if len(key) <= MEMCACHE_MAX_KEY_LENGTH and _NOT_FOR_MEMCACHED.search(key) is None:
            return
        super().validate_key(key)

    @cached_property
    def _cache(self) -> RedisCacheClient:
        key = _key(self._class, self._servers, self._options)
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client
