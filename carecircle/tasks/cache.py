"""A version per circle for cached occurrence lists: every change to its tasks makes a new one.

The version lives in the cache itself (a random token), so a cache that was emptied or restarted
can only cause misses, never stale answers. A change sets a new token at once (so the same process
sees it) and again after commit (so a list read by another request while the change was still
uncommitted is not kept under the new token).

The circle home reads the version in the same round trip as its kept sections (`version_key`,
`version_from`), with the tasks section's key worked out from the version this process saw last
(`last_seen_version`): a guess, served only when the version read with it is the same.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)


# The version each circle had when this process last read or set it, the last SEEN_KEPT circles.
SEEN_KEPT = 1024
_seen: OrderedDict[int, str] = OrderedDict()
_seen_lock = threading.Lock()


def _key(circle_id: int) -> str:
    return f"tasks:version:{circle_id}"


def version_key(circle_id: int) -> str:
    """The cache key of the circle's version, for reading it with other keys in one round trip."""
    return _key(circle_id)


def tasks_version(circle_id: int) -> str | None:
    """The circle's current version, made if there is none; None when the cache can't be reached."""
    try:
        version = cache.get(_key(circle_id))
        if version is None:
            cache.add(_key(circle_id), uuid.uuid4().hex, None)
            version = cache.get(_key(circle_id))
    except Exception:
        logger.warning("Tasks cache unreachable", exc_info=True)
        return None
    if version is None:
        return None
    _saw(circle_id, str(version))
    return str(version)


def version_from(circle_id: int, found: object) -> str | None:
    """The version from what was read at `version_key` (None: missing or not read), else as `tasks_version`."""
    if isinstance(found, str):
        _saw(circle_id, found)
        return found
    return tasks_version(circle_id)


def last_seen_version(circle_id: int) -> str | None:
    """The version this process last read or set for the circle: a guess, never an answer."""
    with _seen_lock:
        return _seen.get(circle_id)


def _saw(circle_id: int, version: str) -> None:
    with _seen_lock:
        _seen[circle_id] = version
        _seen.move_to_end(circle_id)
        while len(_seen) > SEEN_KEPT:
            _seen.popitem(last=False)


def tasks_changed(circle_id: int) -> None:
    """Retire every cached list of the circle, now and once the transaction commits."""

    def renew() -> None:
        version = uuid.uuid4().hex
        try:
            cache.set(_key(circle_id), version, None)
        except Exception:
            logger.warning("Tasks cache unreachable", exc_info=True)
        else:
            _saw(circle_id, version)

    renew()
    transaction.on_commit(renew)
