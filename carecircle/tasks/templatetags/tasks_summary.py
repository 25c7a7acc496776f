"""The tasks part of the circle home page: what's next, how many things need help (three queries), and
for organisers the concerns raised at visits this week (one more)."""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from django import template
from django.conf import settings
from django.utils import timezone

from carecircle.circles.access import CircleAccess
from carecircle.circles.registries import HOLDS_UNTIL, HomeSectionAhead, Keep
from carecircle.tasks.cache import last_seen_version, tasks_version, version_from, version_key
from carecircle.tasks.models import Status, VisitLog
from carecircle.tasks.schedule import TaskOccurrence, local_midnight_utc
from carecircle.tasks.selectors import CACHE_SECONDS, occurrences_for, visit_concerns_since

register = template.Library()

SUMMARY_DAYS = 14
NEXT_ITEMS = 5
# Concerns from visits stay on the organisers' home page this long.
CONCERN_DAYS = 7
# What ended longer ago than this leaves the summary.
SHOWN_AFTER_END = datetime.timedelta(hours=2)


@dataclass(frozen=True)
class Summary:
    upcoming: list[TaskOccurrence]
    needs_help: int
    days: int
    # Everything the section shows besides the circle's state and the viewer's rights, for its cache
    # key (circles' {% region %}): the list's version and how long it holds, and "you're going".
    key: str = ""
    # When the list would next read otherwise with nothing recorded (what ended two hours ago leaves
    # it): the home's ETag holds until then. Concerns are left to the date in the ETag: one leaves the
    # organisers' list on a reload by the next day at the latest (the kept region, within the hour).
    until: datetime.datetime | None = None


def _end(item: TaskOccurrence) -> datetime.datetime:
    occurrence = item.occurrence
    if occurrence.end_utc is not None:
        return occurrence.end_utc
    assert occurrence.end_date is not None
    return local_midnight_utc(occurrence.end_date, item.task.time_zone)


@register.simple_tag
def tasks_summary(access: CircleAccess) -> Summary:
    return _summary(access, tasks_version(access.circle.pk))


def _window_start() -> datetime.datetime:
    return datetime.datetime.combine(timezone.localdate(), datetime.time(), tzinfo=timezone.get_current_timezone())


def _memo_key(access: CircleAccess, version: str | None, start: datetime.datetime) -> str:
    return f"{access.circle.pk}:{version}:{int(access.can('tasks.manage'))}:{start.isoformat()}"


def _summary(access: CircleAccess, version: str | None, keep: Keep | None = None) -> Summary:
    """The summary under the circle's tasks `version` (None: the cache is unreachable, nothing kept).

    With `keep`, a list worked out here is written with the page's drawn sections (`occurrences_for`).
    """
    start, now = _window_start(), timezone.now()
    found = _summary_get(_memo_key(access, version, start), now) if version is not None else None
    if found is None:
        # The window starts at local midnight, so the list is the same all day (and cached);
        # what ended more than two hours ago is then left out.
        # The version was read already (with the home's kept sections): not read again.
        items = occurrences_for(
            accesses=[access],
            window_start=start,
            window_end=start + datetime.timedelta(days=SUMMARY_DAYS),
            version=version,
            keep=keep,
        )
        items = [item for item in items if _end(item) > now - SHOWN_AFTER_END]
        # The summary holds until the first of them is left out (or the day or the version changes).
        until = min((_end(item) + SHOWN_AFTER_END for item in items), default=start + datetime.timedelta(days=1))
        found = _Kept(
            upcoming=items[:NEXT_ITEMS],
            needs_help=sum(1 for item in items if item.status == Status.NEEDS_HELP),
            until=until,
        )
        if version is not None:
            _summary_set(_memo_key(access, version, start), found)
    return _for_viewer(access, version, found, now)


def _kept_summary(access: CircleAccess, version: str) -> Summary | None:
    """The summary under `version` if this process still has it worked out, else None."""
    now = timezone.now()
    found = _summary_get(_memo_key(access, version, _window_start()), now)
    return None if found is None else _for_viewer(access, version, found, now)


def _for_viewer(access: CircleAccess, version: str | None, found: _Kept, now: datetime.datetime) -> Summary:
    going = ",".join(
        f"{item.task.pk}@{item.original_date}" for item in found.upcoming if access.user_id in item.going_ids()
    )
    # Concerns leave the organisers' list CONCERN_DAYS after the visit: the hour bounds how long a
    # kept section can still show one.
    concerns = f"{now:%Y-%m-%dT%H}" if access.can("tasks.manage") else ""
    return Summary(
        upcoming=list(found.upcoming),
        needs_help=found.needs_help,
        days=SUMMARY_DAYS,
        key=f"{version}|{found.until.timestamp():.0f}|{going}|{concerns}",
        until=found.until,
    )


def home_section(access: CircleAccess) -> HomeSectionAhead | None:
    """The home's help-needed section (circles.registries.register_home_section), read with the others.

    Its key holds the circle's tasks version, which is read in the same round trip as the kept
    sections: the section is read with them under the key the version this process saw last gives
    (when this process still has that version's summary), and served only if the version read is
    that one. Otherwise it is drawn from the summary under the version read, and kept for the next.
    """
    if not access.can("tasks.view"):
        return None
    circle_id = access.circle.pk
    seen = last_seen_version(circle_id)
    guessed = _kept_summary(access, seen) if seen is not None else None

    def settle(found: Mapping[str, object], keep: Keep) -> tuple[list[str], dict[str, object]]:
        version = version_from(circle_id, found.get(version_key(circle_id)))
        summary = guessed if guessed is not None and version == seen else _summary(access, version, keep)
        return [summary.key], {"help_summary": summary, HOLDS_UNTIL: summary.until}

    return HomeSectionAhead(
        keys=[version_key(circle_id)], parts=None if guessed is None else [guessed.key], settle=settle
    )


@dataclass(frozen=True)
class _Kept:
    upcoming: list[TaskOccurrence]
    needs_help: int
    until: datetime.datetime


# The summaries last worked out in this process, under the circle's tasks version (read from the
# shared cache on every call, so a change through any process retires them), whether the viewer
# manages tasks (private tasks) and the window's start: expanding and filtering a busy circle's
# fortnight cost a millisecond a page.
_summaries: OrderedDict[str, _Kept] = OrderedDict()
_summaries_lock = threading.Lock()
SUMMARIES_KEPT = 128


def _memo_on() -> bool:
    """Off with the lists' caches (TASKS_CACHE_SECONDS=0, or TASKS_MEMO=False)."""
    return bool(getattr(settings, "TASKS_MEMO", True) and getattr(settings, "TASKS_CACHE_SECONDS", CACHE_SECONDS))


def _summary_get(key: str, now: datetime.datetime) -> _Kept | None:
    if not _memo_on():
        return None
    with _summaries_lock:
        found = _summaries.get(key)
        if found is None or found.until <= now:
            return None
        _summaries.move_to_end(key)
        return found


def _summary_set(key: str, kept: _Kept) -> None:
    if not _memo_on():
        return
    with _summaries_lock:
        _summaries[key] = kept
        _summaries.move_to_end(key)
        while len(_summaries) > SUMMARIES_KEPT:
            _summaries.popitem(last=False)


@register.simple_tag
def visit_concerns(access: CircleAccess) -> list[VisitLog]:
    """Concerns raised at visits in the last week, newest first, for those who manage tasks (one query)."""
    if not access.can("tasks.manage"):
        return []
    since = timezone.now() - datetime.timedelta(days=CONCERN_DAYS)
    return visit_concerns_since(circle=access.circle, since=since)
