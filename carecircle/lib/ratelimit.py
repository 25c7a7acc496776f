"""A fixed-window counter in the cache (Redis when shared by several processes)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def _key(scope: str, identity: str) -> str:
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}"


def hits(scope: str, identity: str) -> int:
    return int(cache.get(_key(scope, identity), 0))


def hit(scope: str, identity: str, *, window_seconds: int) -> int:
    """Count one attempt and return the count in the current window."""
    key = _key(scope, identity)
    if cache.add(key, 1, timeout=window_seconds):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:
        cache.set(key, 1, timeout=window_seconds)
        return 1


def reset(scope: str, identity: str) -> None:
    cache.delete(_key(scope, identity))
