"""Between the stored task and carecircle.lib.recurrence: rules, overrides, bounds and statuses."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from zoneinfo import ZoneInfo

from carecircle.lib.recurrence import Occurrence, Override, occurrences
from carecircle.lib.repeat_rule import Frequency, Rule
from carecircle.lib.wall_clock import wall_clock_to_utc
from carecircle.tasks.models import Assignment, OccurrenceChange, Status, Task

# A one-off task is a series that happens once: the same expansion, overrides and feed code apply.
ONCE = Rule(Frequency.DAILY, count=1)
DAY = datetime.timedelta(days=1)
FAR_FUTURE = datetime.datetime(9000, 1, 1, tzinfo=UTC)
# Task.next_start_utc when nothing more is to come (migration 0009 writes the same moment).
NEVER = FAR_FUTURE
# How far ahead next_start looks before settling for "not before then": widening windows, each
# expanded only near itself (lib/recurrence.py), so a monthly or yearly pattern costs a few calls.
FIRST_LOOK = 2 * DAY
LOOK_AHEAD = 512 * DAY


def task_rule(task: Task) -> Rule:
    return _parsed(task.rule) if task.rule else ONCE


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> Rule:
    # Rules are immutable and a circle reuses a handful of patterns, so each is parsed once.
    return Rule.parse(text)


def change_override(change: OccurrenceChange) -> Override | None:
    """The recurrence override a stored change stands for; a change that only marks done has none."""
    if change.cancelled:
        return Override.cancel()
    if change.moved_date is not None:
        start = datetime.datetime.combine(change.moved_date, change.moved_time or datetime.time())
        minutes = change.moved_duration_minutes
        return Override.move(start, None if minutes is None else datetime.timedelta(minutes=minutes))
    return None


def task_occurrences(
    task: Task,
    *,
    window_start: datetime.datetime,
    window_end: datetime.datetime,
    changes: Iterable[OccurrenceChange] = (),
) -> list[Occurrence]:
    if not task.rule and not any(change_override(change) for change in changes):
        return _once(task, window_start, window_end)
    overrides = {}
    for change in changes:
        override = change_override(change)
        if override is not None:
            overrides[change.original_date] = override
    return occurrences(
        rule=task_rule(task),
        start_local=task.start_local,
        time_zone=task.time_zone,
        window_start=window_start,
        window_end=window_end,
        overrides=overrides,
        duration=task.duration,
        all_day=task.all_day,
    )


def _once(task: Task, window_start: datetime.datetime, window_end: datetime.datetime) -> list[Occurrence]:
    """A one-off task without changes: its single occurrence, if it overlaps the window (the same
    result as the general expansion, which a test checks, at a fraction of the cost)."""
    if task.all_day:
        start = local_midnight_utc(task.start_date, task.time_zone)
        days = max(task.duration_minutes // 1440, 1)
        end = local_midnight_utc(task.start_date + datetime.timedelta(days=days), task.time_zone)
        if start < window_end and (end > window_start or start >= window_start):
            end_date = task.start_date + datetime.timedelta(days=days)
            return [Occurrence(task.start_date, None, None, False, start_date=task.start_date, end_date=end_date)]
        return []
    start = wall_clock_to_utc(task.start_local, task.time_zone)
    end = start + task.duration
    if start < window_end and (end > window_start or start >= window_start):
        return [Occurrence(task.start_date, start, end, False)]
    return []


def local_midnight_utc(day: datetime.date, time_zone: str) -> datetime.datetime:
    return wall_clock_to_utc(datetime.datetime.combine(day, datetime.time()), time_zone)


def series_occurrence(task: Task, original_date: datetime.date) -> Occurrence | None:
    """The series' own occurrence on that date (before any override), or None if it has none."""
    window_start = local_midnight_utc(original_date - DAY, task.time_zone)
    window_end = local_midnight_utc(original_date + 2 * DAY, task.time_zone)
    for occurrence in task_occurrences(task, window_start=window_start, window_end=window_end):
        if occurrence.original_date == original_date:
            return occurrence
    return None


def occurrence_start(occurrence: Occurrence, time_zone: str) -> datetime.datetime:
    """When an occurrence starts, in UTC; all-day ones start at local midnight."""
    if occurrence.start_utc is not None:
        return occurrence.start_utc
    assert occurrence.start_date is not None
    return local_midnight_utc(occurrence.start_date, time_zone)


def occurrence_end(occurrence: Occurrence, time_zone: str) -> datetime.datetime:
    """When an occurrence ends, in UTC; all-day ones end at local midnight after their last day."""
    if occurrence.end_utc is not None:
        return occurrence.end_utc
    assert occurrence.end_date is not None
    return local_midnight_utc(occurrence.end_date, time_zone)


def occurrence_days(occurrence: Occurrence, time_zone: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day an occurrence covers on the task's clock (the same day unless it's a stay)."""
    if occurrence.start_date is not None and occurrence.end_date is not None:
        return occurrence.start_date, max(occurrence.start_date, occurrence.end_date - DAY)
    zone = ZoneInfo(time_zone)
    first = occurrence_start(occurrence, time_zone).astimezone(zone).date()
    # An end at midnight closes the day before: a visit until 00:00 doesn't reach the next day.
    last = (occurrence_end(occurrence, time_zone) - datetime.timedelta(microseconds=1)).astimezone(zone).date()
    return first, max(first, last)


def is_running_stay(occurrence: Occurrence, time_zone: str, now: datetime.datetime) -> bool:
    """A stay (it runs past the end of its first day) that has begun and not yet ended."""
    first, last = occurrence_days(occurrence, time_zone)
    return last > first and occurrence_start(occurrence, time_zone) <= now < occurrence_end(occurrence, time_zone)


def rest_from(occurrence: Occurrence, time_zone: str, moment: datetime.datetime) -> datetime.date:
    """The first day of what is left of a stay at `moment`: that day on the task's clock, within the stay's days.

    Someone giving up a stay under way keeps the days before it (docs/architecture/tasks.md).
    """
    first, last = occurrence_days(occurrence, time_zone)
    return min(max(first, moment.astimezone(ZoneInfo(time_zone)).date()), last)


def occurrence_as_changed(
    task: Task, original_date: datetime.date, change: OccurrenceChange | None
) -> Occurrence | None:
    """The occurrence of that original date where it now falls (moved, with its new length), or None."""
    base = series_occurrence(task, original_date)
    if base is None or change is None or change.moved_date is None:
        return base
    window_start = local_midnight_utc(change.moved_date - DAY, task.time_zone)
    window_end = local_midnight_utc(change.moved_date + 2 * DAY, task.time_zone)
    for item in task_occurrences(task, window_start=window_start, window_end=window_end, changes=[change]):
        if item.original_date == original_date:
            return item
    return base


def series_bounds(task: Task) -> tuple[datetime.datetime, datetime.datetime | None]:
    """The UTC start of the first occurrence and the end of the last (None when it never ends)."""
    rule = task_rule(task)
    start_utc = (
        local_midnight_utc(task.start_date, task.time_zone)
        if task.all_day
        else wall_clock_to_utc(task.start_local, task.time_zone)
    )
    if rule.until is None and rule.count is None:
        return start_utc, None
    if rule.until is not None:
        last_day = rule.until
    else:
        # COUNT is at most 500, so expanding the whole series is cheap.
        found = task_occurrences(task, window_start=start_utc - DAY, window_end=FAR_FUTURE)
        last_day = found[-1].original_date if found else task.start_date
    last_end_local = datetime.datetime.combine(last_day, task.start_time or datetime.time()) + task.duration
    # Padded by a day: an all-day end or a daylight-saving shift never cuts an occurrence off.
    return start_utc, wall_clock_to_utc(last_end_local, task.time_zone) + DAY


def next_start(task: Task, *, after: datetime.datetime, changes: Iterable[OccurrenceChange] = ()) -> datetime.datetime:
    """The earliest UTC start after `after` of any occurrence (moved ones where they now fall, cancelled
    ones left out); NEVER when none is to come; `after` + LOOK_AHEAD when none starts before then.

    `changes` must hold every change of the task whose original or moved date is on or after the
    day before `after`: a moved occurrence left out would be missed.
    """
    changes = list(changes)
    span = FIRST_LOOK
    while True:
        window_end = after + span
        starts = [
            start
            for occurrence in task_occurrences(task, window_start=after, window_end=window_end, changes=changes)
            if (start := occurrence_start(occurrence, task.time_zone)) > after
        ]
        if starts:
            return min(starts)
        if task.last_end_utc is not None and window_end >= task.last_end_utc:
            return NEVER
        if span >= LOOK_AHEAD:
            return window_end  # Nothing starts before then: a safe lower bound, looked at again then.
        span *= 4


@dataclass
class TaskOccurrence:
    """One occurrence as the pages, the API and the feed show it."""

    task: Task
    occurrence: Occurrence
    change: OccurrenceChange | None
    going: list[Assignment] = field(default_factory=list)

    @property
    def original_date(self) -> datetime.date:
        return self.occurrence.original_date

    @property
    def status(self) -> Status:
        return occurrence_status(self.task, self.change, len(self.going))

    @property
    def places_left(self) -> int:
        return max(self.task.people_needed - len(self.going), 0)

    def start_utc(self) -> datetime.datetime:
        return occurrence_start(self.occurrence, self.task.time_zone)

    def end_utc(self) -> datetime.datetime:
        return occurrence_end(self.occurrence, self.task.time_zone)

    def last_day(self) -> datetime.date:
        return occurrence_days(self.occurrence, self.task.time_zone)[1]

    def is_stay(self) -> bool:
        """Whether it runs past the end of its first day (an all-day stay of days, an overnight)."""
        first, last = occurrence_days(self.occurrence, self.task.time_zone)
        return last > first

    def running_stay(self, now: datetime.datetime) -> bool:
        """A stay that has begun and not yet ended: someone may still take on the rest of it."""
        return is_running_stay(self.occurrence, self.task.time_zone, now)

    def first_day(self) -> datetime.date:
        return occurrence_days(self.occurrence, self.task.time_zone)[0]

    def covered_days(self, assignment: Assignment) -> tuple[datetime.date, datetime.date] | None:
        """The first and last day someone covered before giving up the rest of this stay; None if no whole day.

        From the stay's first day, or from the day they took it on if that was while it ran.
        """
        withdrawn = assignment.withdrawn_at
        if not self.is_stay() or withdrawn is None or withdrawn <= self.start_utc():
            return None
        first, rest = self.covered_from(assignment), self.rest_from(withdrawn)
        return (first, rest - DAY) if rest > first else None

    def covered_from(self, assignment: Assignment) -> datetime.date:
        """The first day of this stay that counts as someone's: its first, or the day they took it on while it ran."""
        took = assignment.created_at
        return self.rest_from(took) if took is not None and took > self.start_utc() else self.first_day()

    def ended_stay(self, now: datetime.datetime) -> bool:
        """A stay that is over: nobody gives up any of it any more (docs/architecture/tasks.md)."""
        return self.is_stay() and self.end_utc() <= now

    def rest_from(self, moment: datetime.datetime) -> datetime.date:
        """The first day of what is left of this stay at `moment` (the days before it were covered)."""
        return rest_from(self.occurrence, self.task.time_zone, moment)

    def local_start(self, zone: ZoneInfo) -> datetime.datetime:
        return self.start_utc().astimezone(zone)

    def going_ids(self) -> set[int]:
        return {assignment.user_id for assignment in self.going}


def occurrence_status(task: Task, change: OccurrenceChange | None, going: int) -> Status:
    if task.cancelled_at is not None or (change is not None and change.cancelled):
        return Status.CANCELLED
    if change is not None and change.done_at is not None:
        return Status.DONE
    if going >= task.people_needed:
        return Status.COVERED
    return Status.NEEDS_HELP


def combine(
    tasks: Iterable[Task],
    *,
    window_start: datetime.datetime,
    window_end: datetime.datetime,
    changes: Mapping[int, list[OccurrenceChange]],
    assignments: Mapping[tuple[int, datetime.date], list[Assignment]],
) -> list[TaskOccurrence]:
    """Every occurrence of these tasks in the window, with its change and who's going, by start time."""
    found = []
    for task in tasks:
        task_changes = changes.get(task.pk, [])
        by_date = {change.original_date: change for change in task_changes}
        for occurrence in task_occurrences(
            task, window_start=window_start, window_end=window_end, changes=task_changes
        ):
            found.append(
                TaskOccurrence(
                    task=task,
                    occurrence=occurrence,
                    change=by_date.get(occurrence.original_date),
                    going=assignments.get((task.pk, occurrence.original_date), []),
                )
            )
    found.sort(key=lambda item: (item.start_utc(), item.task.title, item.task.pk))
    return found
