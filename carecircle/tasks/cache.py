"""A version per circle for cached occurrence lists: every change to its tasks makes a new one.

The version lives in the cache itself (a random token), so a cache that was emptied or restarted
can only cause misses, never stale answers. A change sets a new token at once (so the same process
sees it) and again after commit (so a list read by another request while the change was still
uncommitted is not kept under the new token).
"""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)


def _key(circle_id: int) -> str:
    return f"tasks:version:{circle_id}"


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
    return str(version) if version is not None else None


def tasks_changed(circle_id: int) -> None:
    """Retire every cached list of the circle, now and once the transaction commits."""

    def renew() -> None:
        try:
            cache.set(_key(circle_id), uuid.uuid4().hex, None)
        except Exception:
            logger.warning("Tasks cache unreachable", exc_info=True)

    renew()
    transaction.on_commit(renew)
