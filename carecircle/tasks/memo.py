"""A circle's occurrence lists kept in this process as objects, and what the pages work out from them.

A list is kept under its cache key (tasks/selectors.py `_list_key`), which holds the circle, its tasks
version (read from the shared cache on every call: any change, through any process, makes a new
one), whether the viewer may see private tasks, and the window. Everything a page works out from a
list alone (the days it falls on in a time zone and language, who is going to what) is kept with the
list (`worked_out`), so it lives and dies with it and can't outlast a change.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from django.conf import settings

from carecircle.tasks.models import Status, Task
from carecircle.tasks.schedule import TaskOccurrence

if TYPE_CHECKING:
    from carecircle.circles.access import CircleAccess

# Lists kept per process, the most recently used.
MEMO_SIZE = 128
# Things worked out per list (a time zone, language and page each): past this many, forgotten at once.
WORKED_OUT_SIZE = 64
_CIRCLE = Task._meta.get_field("circle")


@dataclass
class Kept:
    """One list, with what has been worked out from it: never changed once kept, only added to."""

    found: list[TaskOccurrence]
    expires: float = 0.0
    # Each task once (a series shares one), and the occurrences still needing someone.
    tasks: tuple[Task, ...] = ()
    needing: list[TaskOccurrence] = field(default_factory=list)
    worked: dict[Hashable, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tasks = tuple({id(item.task): item.task for item in self.found}.values())
        self.needing = [item for item in self.found if item.status == Status.NEEDS_HELP]


class Occurrences(list[TaskOccurrence]):
    """A caller's own copy of a kept list, which knows where it came from (for `worked_out`)."""

    __slots__ = ("kept", "needs_help")

    def __init__(self, items: list[TaskOccurrence], kept: Kept, needs_help: bool) -> None:
        super().__init__(items)
        self.kept = kept
        self.needs_help = needs_help


_memo: OrderedDict[str, Kept] = OrderedDict()
_lock = threading.Lock()


def memo_get(key: str) -> Kept | None:
    if not getattr(settings, "TASKS_MEMO", True):
        return None
    with _lock:
        entry = _memo.get(key)
        if entry is None:
            return None
        if entry.expires < time.monotonic():
            del _memo[key]
            return None
        _memo.move_to_end(key)
        return entry


def memo_set(key: str, found: list[TaskOccurrence], seconds: int) -> Kept:
    """`found` kept under `key` (unless the memo is off); the entry to serve it from either way."""
    entry = Kept(found, expires=time.monotonic() + seconds)
    if not getattr(settings, "TASKS_MEMO", True):
        return entry
    with _lock:
        _memo[key] = entry
        _memo.move_to_end(key)
        while len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)
    return entry


def memo_clear() -> None:
    """Forget this process's lists (tests that replace the shared cache)."""
    with _lock:
        _memo.clear()


def for_caller(access: CircleAccess, entry: Kept, *, needs_help: bool) -> Occurrences:
    """A list of its own for the caller; the occurrences are shared with the memo and not changed.

    Each task (a series has many occurrences sharing one) is given the caller's circle, as loaded
    for this request: the same row (the list's key holds the circle), without the descriptor's checks.
    """
    for task in entry.tasks:
        _CIRCLE.set_cached_value(task, access.circle)
    return Occurrences(entry.needing if needs_help else entry.found, entry, needs_help)


def worked_out[T](items: list[TaskOccurrence], what: tuple[Hashable, ...], work: Callable[[], T]) -> T:
    """`work()`, which reads nothing but `items` and what `what` names, kept with the list `items` came from.

    A list not kept in this process (several circles' lists) is worked out every time; one kept
    only for this request (the memo or the cache off) once per request.
    The caller must not change what it is given: the next request gets the same.
    """
    if not isinstance(items, Occurrences):
        return work()
    kept, key = items.kept, (items.needs_help, *what)
    with _lock:
        found = kept.worked.get(key, _MISSING)
    if found is not _MISSING:
        return cast("T", found)
    value = work()
    with _lock:
        if len(kept.worked) >= WORKED_OUT_SIZE:
            kept.worked.clear()
        kept.worked[key] = value
    return value


_MISSING = object()
