"""Reading occurrences for the pages, the API and the feed. Callers check access first (tasks/access.py).

Every list costs the same few queries however many tasks there are: the tasks that can overlap the
window, their changes, and who's going, each in one query; occurrences are computed in Python.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from carecircle.circles.access import CircleAccess
from carecircle.circles.models import Membership
from carecircle.circles.permissions import capabilities_for
from carecircle.tasks.access import visible_in
from carecircle.tasks.cache import tasks_version
from carecircle.tasks.memo import Kept, for_caller, memo_get, memo_set
from carecircle.tasks.models import (
    AskedAs,
    Assignment,
    CalendarFeed,
    OccurrenceChange,
    StandInAsk,
    Status,
    Task,
    Unavailability,
    VisitLog,
    VisitOutcome,
)
from carecircle.tasks.schedule import DAY, TaskOccurrence, combine
from carecircle.tasks.services import MAX_DURATION_MINUTES

if TYPE_CHECKING:
    from carecircle.accounts.models import User
    from carecircle.circles.models import Circle

logger = logging.getLogger(__name__)
# Occurrences are keyed by their original date; a window of dates one day wider on each side than
# the UTC window covers every time zone.
MOVE_SLACK = 2 * DAY
CACHE_SECONDS = 300
ONE_OFF_REACH = datetime.timedelta(minutes=MAX_DURATION_MINUTES) + 2 * DAY


def occurrences_for(
    *,
    accesses: list[CircleAccess],
    window_start: datetime.datetime,
    window_end: datetime.datetime,
    going_user_id: int | None = None,
    needs_help: bool = False,
    version: str | None = None,
    keep: Callable[[str, object, int], None] | None = None,
) -> list[TaskOccurrence]:
    """Occurrences of the circles' visible tasks overlapping the window, in order of start.

    With going_user_id only those that person is going to; with needs_help only those that still
    need someone. One circle's list is cached under the circle's tasks version (tasks/cache.py),
    which every service that changes a task, an occurrence or who's going renews; names of people
    going may lag a renamed or removed member by the cache's lifetime. A caller that has read the
    version already (before reading anything else) passes it as `version`, and it isn't read again.
    A page that writes its drawn regions afterwards passes `keep` (circles.fragments.KeptRegions.keep),
    and a list worked out here is written with them, in the same round trip, instead of on its own.
    """
    seconds = getattr(settings, "TASKS_CACHE_SECONDS", CACHE_SECONDS)
    if len(accesses) != 1 or going_user_id is not None or not seconds:
        return _occurrences(
            accesses=accesses,
            window_start=window_start,
            window_end=window_end,
            going_user_id=going_user_id,
            needs_help=needs_help,
        )
    access = accesses[0]
    if version is None:
        version = tasks_version(access.circle.pk)
    key = _list_key(access, version, window_start, window_end)
    entry: Kept | None = None
    if version is not None:
        entry = memo_get(key)
        if entry is None:
            found = None
            try:
                found = cache.get(key)
            except Exception:
                # The cache is a shortcut: when it is unreachable the list is computed as usual.
                logger.warning("Tasks cache unreachable", exc_info=True)
            if isinstance(found, list):
                entry = memo_set(key, found, seconds)
    if entry is None:
        found = _occurrences(accesses=accesses, window_start=window_start, window_end=window_end)
        entry = Kept(found)
        if version is not None:
            entry = memo_set(key, found, seconds)
            if keep is not None:
                keep(key, found, seconds)
            else:
                try:
                    cache.set(key, found, seconds)
                except Exception:
                    logger.warning("Tasks cache unreachable", exc_info=True)
    return for_caller(access, entry, needs_help=needs_help)


def kept_occurrences(
    *,
    access: CircleAccess,
    window_start: datetime.datetime,
    window_end: datetime.datetime,
    version: str,
    needs_help: bool = False,
) -> list[TaskOccurrence] | None:
    """The circle's list under `version` if this process still has it (no cache read), else None.

    For reading ahead under a version this process saw last (tasks/cache.py `last_seen_version`): a
    guess the caller serves only once the version read from the cache turns out to be the same.
    """
    if not getattr(settings, "TASKS_CACHE_SECONDS", CACHE_SECONDS):
        return None
    entry = memo_get(_list_key(access, version, window_start, window_end))
    return None if entry is None else for_caller(access, entry, needs_help=needs_help)


def occurrences_read(
    *,
    access: CircleAccess,
    window_start: datetime.datetime,
    window_end: datetime.datetime,
    version: str,
    found: object,
    needs_help: bool = False,
) -> list[TaskOccurrence] | None:
    """The list read from the cache at `occurrences_key` under `version` (kept in this process too), or None."""
    seconds = getattr(settings, "TASKS_CACHE_SECONDS", CACHE_SECONDS)
    if not seconds or not isinstance(found, list):
        return None
    entry = memo_set(_list_key(access, version, window_start, window_end), found, seconds)
    return for_caller(access, entry, needs_help=needs_help)


def occurrences_key(
    *, access: CircleAccess, window_start: datetime.datetime, window_end: datetime.datetime, version: str
) -> str:
    """The cache key of the circle's list under `version`, for reading it with other keys in one round trip."""
    return _list_key(access, version, window_start, window_end)


def _list_key(
    access: CircleAccess, version: str | None, window_start: datetime.datetime, window_end: datetime.datetime
) -> str:
    return (
        f"tasks:occurrences:{access.circle.pk}:{version}:{int(access.can('tasks.manage'))}:"
        f"{window_start.timestamp():.0f}:{window_end.timestamp():.0f}"
    )


def _occurrences(
    *,
    accesses: list[CircleAccess],
    window_start: datetime.datetime,
    window_end: datetime.datetime,
    going_user_id: int | None = None,
    needs_help: bool = False,
) -> list[TaskOccurrence]:
    if not accesses:
        return []
    # A one-off task lasts at most MAX_DURATION, so only a narrow range of starts can overlap the
    # window and the (circle, start) index finds them; the few repeating series are checked by bounds.
    one_off = Q(rule="", first_start_utc__gte=window_start - ONE_OFF_REACH, first_start_utc__lt=window_end)
    repeating = (
        ~Q(rule="")
        & Q(first_start_utc__lt=window_end)
        & (Q(last_end_utc__isnull=True) | Q(last_end_utc__gt=window_start))
    )
    tasks = Task.objects.filter(visible_in(accesses), cancelled_at__isnull=True).filter(one_off | repeating)
    first_day = (window_start - MOVE_SLACK).date()
    last_day = (window_end + MOVE_SLACK).date()
    if going_user_id is not None:
        mine = Assignment.objects.filter(
            user_id=going_user_id, withdrawn_at__isnull=True, occurrence_date__range=(first_day, last_day)
        )
        tasks = tasks.filter(pk__in=mine.values("task_id"))
    # The circle comes from the access already loaded, not a join parsing its settings once per task.
    circles = {access.circle.pk: access.circle for access in accesses}
    task_list = list(tasks)
    for task in task_list:
        task.circle = circles[task.circle_id]
    # Tasks overlapping one window are few (a page's worth), so their ids make a short list.
    task_ids = [task.pk for task in task_list]
    changes: dict[int, list[OccurrenceChange]] = defaultdict(list)
    change_rows = OccurrenceChange.objects.filter(task_id__in=task_ids).filter(
        Q(original_date__range=(first_day, last_day)) | Q(moved_date__range=(first_day, last_day))
    )
    for change in change_rows:
        changes[change.task_id].append(change)
    going: dict[tuple[int, datetime.date], list[Assignment]] = defaultdict(list)
    going_rows = Assignment.objects.filter(
        task_id__in=task_ids, withdrawn_at__isnull=True, occurrence_date__range=(first_day, last_day)
    ).select_related("user")
    for assignment in going_rows:
        going[(assignment.task_id, assignment.occurrence_date)].append(assignment)
    found = combine(task_list, window_start=window_start, window_end=window_end, changes=changes, assignments=going)
    if going_user_id is not None:
        found = [item for item in found if going_user_id in item.going_ids()]
    if needs_help:
        found = [item for item in found if item.status == Status.NEEDS_HELP]
    return found


def occurrence_detail(task: Task, original_date: datetime.date) -> TaskOccurrence | None:
    """One occurrence of a task with its change and who's going (and who withdrew), or None."""
    from carecircle.tasks.schedule import local_midnight_utc, series_occurrence, task_occurrences

    change = OccurrenceChange.objects.filter(task=task, original_date=original_date).first()
    base = series_occurrence(task, original_date)
    if base is None:
        return None
    occurrence = base
    if change is not None and change.moved_date is not None:
        window_start = local_midnight_utc(change.moved_date - DAY, task.time_zone)
        window_end = local_midnight_utc(change.moved_date + 2 * DAY, task.time_zone)
        moved = [
            item
            for item in task_occurrences(task, window_start=window_start, window_end=window_end, changes=[change])
            if item.original_date == original_date
        ]
        occurrence = moved[0] if moved else base
    going = list(
        Assignment.objects.filter(task=task, occurrence_date=original_date, withdrawn_at__isnull=True).select_related(
            "user"
        )
    )
    return TaskOccurrence(task=task, occurrence=occurrence, change=change, going=going)


def withdrawals_for(task: Task, original_date: datetime.date) -> list[Assignment]:
    return list(
        Assignment.objects.filter(task=task, occurrence_date=original_date, withdrawn_at__isnull=False).select_related(
            "user"
        )
    )


def gave_up_part_way(
    items: list[TaskOccurrence], *, now: datetime.datetime
) -> dict[tuple[int, datetime.date], list[Assignment]]:
    """The withdrawals from the stays among `items` that have begun, by (task, original date).

    One query whatever the number of stays, none when no stay has begun; each one's `covered_days`
    says which days stay the member's (docs/architecture/tasks.md).
    """
    begun = [item for item in items if item.is_stay() and item.start_utc() < now]
    if not begun:
        return {}
    wanted = {(item.task.pk, item.original_date) for item in begun}
    found: dict[tuple[int, datetime.date], list[Assignment]] = defaultdict(list)
    rows = Assignment.objects.filter(
        task_id__in={task_id for task_id, _ in wanted},
        occurrence_date__in={on for _, on in wanted},
        withdrawn_at__isnull=False,
    ).select_related("user")
    for assignment in rows.order_by("withdrawn_at", "pk"):
        key = (assignment.task_id, assignment.occurrence_date)
        if key in wanted:
            found[key].append(assignment)
    return found


def next_occurrence_date(task: Task, *, after: datetime.datetime) -> datetime.date:
    """The original date of the task's next occurrence from `after`, else its first date."""
    from carecircle.tasks.schedule import task_occurrences

    window_end = after + datetime.timedelta(days=400)
    upcoming = task_occurrences(task, window_start=after, window_end=window_end, changes=task.changes.all())
    return upcoming[0].original_date if upcoming else task.start_date


def visit_logs_for(*, circle: Circle, start: datetime.datetime, end: datetime.datetime) -> list[VisitLog]:
    """Visit logs of a circle that began in [start, end), oldest first: for the record's daily notes."""
    return list(
        VisitLog.objects.filter(circle=circle, arrived_at__gte=start, arrived_at__lt=end)
        .select_related("author", "task")
        .order_by("arrived_at", "id")
    )


def members_with(*, circle: Circle, capability: str) -> list[tuple[int, str]]:
    """(user id, name) of the circle's members whose role has `capability`, by name."""
    members = Membership.objects.filter(circle=circle).select_related("user").order_by("user__display_name")
    return [
        (member.user_id, member.user.display_name)
        for member in members
        if capability in capabilities_for(role=member.role, consent=circle.consent, person_is_member=False)
    ]


def calendar_feeds_for(*, user: User) -> list[CalendarFeed]:
    """The user's private calendar addresses (one for all circles, one per circle), oldest first."""
    return list(CalendarFeed.objects.filter(user=user).select_related("circle").order_by("id"))


def visit_logs_of(*, task: Task, occurrence_date: datetime.date) -> list[VisitLog]:
    """The visit logs of one occurrence, oldest first: shown on the visit's own page."""
    return list(
        VisitLog.objects.filter(task=task, occurrence_date=occurrence_date).select_related("author").order_by("id")
    )


def visit_concerns_since(*, circle: Circle, since: datetime.datetime, limit: int = 5) -> list[VisitLog]:
    """The newest visits logged with a concern since `since`: for the organisers' circle home."""
    return list(
        VisitLog.objects.filter(circle=circle, outcome=VisitOutcome.CONCERN, arrived_at__gte=since)
        .select_related("author", "task")
        .order_by("-arrived_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class HandedBack:
    """One occurrence "I can't cover" handed back, and who has been asked about it since."""

    item: TaskOccurrence
    asked: list[str]
    everyone_asked: bool

    @property
    def still_needs_help(self) -> bool:
        return self.item.status == Status.NEEDS_HELP and self.item.start_utc() > timezone.now()


def away_handed_back(*, access: CircleAccess, period: Unavailability) -> list[HandedBack]:
    """The occurrences a period of "I can't cover" handed back (its places carry its moment), in a few queries."""
    keys = set(
        Assignment.objects.filter(
            task__circle=access.circle, user_id=period.user_id, withdrawn_at=period.created_at
        ).values_list("task_id", "occurrence_date")
    )
    if not keys:
        return []
    items = [
        item
        for item in occurrences_for(accesses=[access], window_start=period.starts_at, window_end=period.ends_at)
        if (item.task.pk, item.original_date) in keys
    ]
    asked: dict[tuple[int, datetime.date], list[StandInAsk]] = defaultdict(list)
    for ask in (
        StandInAsk.objects.filter(task_id__in={task_id for task_id, _ in keys}, asked_at__gte=period.created_at)
        .select_related("user")
        .order_by("asked_at", "id")
    ):
        asked[(ask.task_id, ask.occurrence_date)].append(ask)
    return [
        HandedBack(
            item=item,
            asked=[ask.user.display_name for ask in asked[(item.task.pk, item.original_date)]],
            everyone_asked=any(ask.asked_as == AskedAs.EVERYONE for ask in asked[(item.task.pk, item.original_date)]),
        )
        for item in items
    ]
