"""Fixed-window counters in the cache (Redis when shared by several processes).

The window is part of the key (its number since the epoch), so a new window starts from zero by the
clock alone, whatever the cache does with expiry, and `seconds_left` can say when it ends.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.utils import timezone


def _key(scope: str, identity: str, window_seconds: int) -> str:
    window = int(timezone.now().timestamp() // window_seconds)
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{window_seconds}:{window}:{digest}"


def hit(scope: str, identity: str, *, window_seconds: int) -> int:
    """Count one attempt and return the count in the current window."""
    key = _key(scope, identity, window_seconds)
    if cache.add(key, 1, timeout=window_seconds):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:
        # The entry expired between add and incr.
        cache.set(key, 1, timeout=window_seconds)
        return 1


def take_back(scope: str, identity: str, *, window_seconds: int) -> None:
    """Uncount one attempt in the current window (one that turned out to be allowed)."""
    try:
        cache.decr(_key(scope, identity, window_seconds))
    except ValueError:
        # Nothing counted in this window (it has just started): nothing to take back.
        return


def reset(scope: str, identity: str, *, window_seconds: int) -> None:
    cache.delete(_key(scope, identity, window_seconds))


def seconds_left(*, window_seconds: int) -> int:
    """Seconds until the current window ends (at least 1)."""
    return max(1, window_seconds - int(timezone.now().timestamp()) % window_seconds)
