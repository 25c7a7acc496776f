"""The kept next start (Task.next_start_utc) that bounds the 48-hour scan (tasks/help_soon.py).

Every test sets the clock, so none depends on the hour it runs.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carecircle.tasks import help_soon
from carecircle.tasks.help_soon import ASK_BEFORE, next_starts_refresh, soon_tasks, wanted_soon
from carecircle.tasks.models import Assignment, OccurrenceChange, Status, Task
from carecircle.tasks.schedule import LOOK_AHEAD, NEVER, combine
from carecircle.tasks.services import TaskFields, occurrence_cancel, task_update, task_volunteer
from carecircle.tasks.tasks import scan_reminders
from tests.cast import Cast
from tests.tasks.conftest import ZONE, make_task

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo(ZONE)
MONDAY = datetime.date(2026, 3, 9)
SET_UP = datetime.datetime.combine(MONDAY - datetime.timedelta(days=3), datetime.time(9), tzinfo=LONDON)


def at(moment: datetime.datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def task(cast: Cast, title: str, start: datetime.date = MONDAY, **extra: Any) -> Task:
    with at(SET_UP):
        return make_task(actor=cast.organiser, circle=cast.circle, title=title, start_date=start, **extra)


def fields_of(item: Task, **changed: Any) -> TaskFields:
    values: dict[str, Any] = {
        "title": item.title,
        "start_date": item.start_date,
        "start_time": item.start_time,
        "duration_minutes": item.duration_minutes,
        "time_zone": item.time_zone,
    }
    return TaskFields(**(values | changed))


def every_wanted(now: datetime.datetime) -> list[tuple[int, datetime.date]]:
    """What the scan wants, read the long way: every shared task, all its changes, everyone going."""
    window_end = now + ASK_BEFORE
    tasks = list(Task.objects.filter(cancelled_at__isnull=True, private=False))
    changes: dict[int, list[OccurrenceChange]] = defaultdict(list)
    for change in OccurrenceChange.objects.all():
        changes[change.task_id].append(change)
    going: dict[tuple[int, datetime.date], list[Assignment]] = defaultdict(list)
    for assignment in Assignment.objects.filter(withdrawn_at__isnull=True):
        going[(assignment.task_id, assignment.occurrence_date)].append(assignment)
    found = combine(tasks, window_start=now, window_end=window_end, changes=changes, assignments=going)
    return [
        (item.task.pk, item.original_date)
        for item in found
        if item.status == Status.NEEDS_HELP and now < item.start_utc() <= window_end
    ]


def kept(item: Task) -> datetime.datetime | None:
    return Task.objects.values_list("next_start_utc", flat=True).get(pk=item.pk)


def test_a_series_whose_next_occurrence_is_further_off_is_not_read(cast: Cast) -> None:
    lift = task(cast, "Lift")  # Monday 10:30
    fridays = [task(cast, f"Friday visit {n}", rule="FREQ=WEEKLY;BYDAY=FR") for n in range(5)]
    monthly = task(cast, "Chiropodist", rule="FREQ=MONTHLY", start=SET_UP.date())  # 6 March, then 6 April
    daily = task(cast, "Tablets", rule="FREQ=DAILY")
    now = datetime.datetime.combine(MONDAY, datetime.time(8), tzinfo=LONDON)
    with at(now):
        # Not worked out yet: every task is read, so nothing is missed.
        assert len(soon_tasks(now=now)) == 8
        assert next_starts_refresh(now=now) == 8
        assert {item.pk for item in soon_tasks(now=now)} == {lift.pk, daily.pk}
        assert next_starts_refresh(now=now) == 0
    assert kept(fridays[0]) == datetime.datetime(2026, 3, 13, 10, 30, tzinfo=datetime.UTC)
    assert kept(monthly) == datetime.datetime(2026, 4, 6, 9, 30, tzinfo=datetime.UTC)  # summer time by then
    # Once Friday is within 48 hours, the Friday visits are read again.
    thursday = datetime.datetime(2026, 3, 12, 8, tzinfo=LONDON)
    with at(thursday):
        next_starts_refresh(now=thursday)
        assert {item.pk for item in soon_tasks(now=thursday)} == {daily.pk, *(item.pk for item in fridays)}


def test_the_kept_next_start_finds_what_reading_everything_finds(cast: Cast) -> None:
    """Three weeks of scans every three hours, over series of every shape, changed along the way."""
    task(cast, "Lift")
    task(cast, "Tablets", rule="FREQ=DAILY;COUNT=9", start_time=datetime.time(7, 45), duration_minutes=15)
    task(cast, "Shopping", rule="FREQ=WEEKLY;BYDAY=TU,SA")
    task(cast, "Every other Sunday", rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=SU", start=MONDAY + datetime.timedelta(6))
    task(cast, "Chiropodist", rule="FREQ=MONTHLY;BYDAY=3WE", start=MONDAY + datetime.timedelta(2))
    task(cast, "Stay with Dad", start_time=None, duration_minutes=3 * 1440, rule="FREQ=WEEKLY;UNTIL=20260330")
    task(cast, "Late lift", start=MONDAY + datetime.timedelta(days=12), start_time=datetime.time(23, 30))
    task(cast, "Private", private=True, rule="FREQ=DAILY")
    lunch = task(cast, "Sunday lunch", rule="FREQ=WEEKLY;BYDAY=SU", start=MONDAY + datetime.timedelta(6))
    gardening = task(cast, "Gardening", rule="FREQ=MONTHLY", start=MONDAY + datetime.timedelta(days=1))
    seen: set[tuple[int, datetime.date]] = set()
    changed = False
    moment = datetime.datetime.combine(MONDAY, datetime.time(0, 10), tzinfo=LONDON)
    end = moment + datetime.timedelta(weeks=3)
    while moment < end:
        with at(moment):
            if not changed and moment >= datetime.datetime(2026, 3, 11, 9, tzinfo=LONDON):
                changed = True
                # The April gardening comes forward into the window; a Sunday lunch is skipped, another taken.
                gardening = task_update(
                    actor=cast.organiser,
                    task=gardening,
                    fields=fields_of(gardening, start_date=datetime.date(2026, 3, 12)),
                    scope="one",
                    occurrence_date=datetime.date(2026, 4, 10),
                )
                occurrence_cancel(actor=cast.organiser, task=lunch, occurrence_date=datetime.date(2026, 3, 15))
                task_volunteer(actor=cast.helper, task=lunch, occurrence_date=datetime.date(2026, 3, 22))
            next_starts_refresh(now=moment)
            found = [(item.task.pk, item.original_date) for item in wanted_soon(now=moment)]
            assert found == every_wanted(moment), moment
            seen.update(found)
        moment += datetime.timedelta(hours=3, minutes=7)
    assert len(seen) > 20  # the sweep really met occurrences
    assert (gardening.pk, datetime.date(2026, 4, 10)) in seen
    assert (lunch.pk, datetime.date(2026, 3, 15)) not in seen
    assert (lunch.pk, datetime.date(2026, 3, 29)) in seen


def test_changing_a_task_forgets_its_next_start(cast: Cast) -> None:
    visit = task(cast, "Visit", rule="FREQ=WEEKLY")
    with at(SET_UP):
        next_starts_refresh(now=SET_UP)
        assert kept(visit) == datetime.datetime(2026, 3, 9, 10, 30, tzinfo=datetime.UTC)
        visit = task_update(actor=cast.organiser, task=visit, fields=fields_of(visit, start_time=datetime.time(9)))
        assert kept(visit) is None
        next_starts_refresh(now=SET_UP)
        assert kept(visit) == datetime.datetime(2026, 3, 9, 9, tzinfo=datetime.UTC)
        # Moving the visit of 30 March to tomorrow makes tomorrow the next start.
        task_update(
            actor=cast.organiser,
            task=visit,
            fields=fields_of(visit, start_date=SET_UP.date() + datetime.timedelta(days=1)),
            scope="one",
            occurrence_date=datetime.date(2026, 3, 30),
        )
        assert kept(visit) is None
        next_starts_refresh(now=SET_UP)
        assert kept(visit) == datetime.datetime(2026, 3, 7, 9, tzinfo=datetime.UTC)


def test_a_series_that_has_ended_has_nothing_to_come(cast: Cast) -> None:
    ended = task(cast, "Physio", rule="FREQ=DAILY;COUNT=3")
    rare = task(cast, "Every year", rule="FREQ=MONTHLY;INTERVAL=12")
    later = datetime.datetime(2026, 3, 20, 12, tzinfo=LONDON)
    with at(later):
        next_starts_refresh(now=later)
    assert kept(ended) == NEVER
    assert kept(rare) == datetime.datetime(2027, 3, 9, 10, 30, tzinfo=datetime.UTC)
    assert later + LOOK_AHEAD < NEVER


def test_the_scan_costs_a_fixed_number_of_queries(cast: Cast) -> None:
    task(cast, "Lift")
    now = datetime.datetime.combine(MONDAY, datetime.time(8), tzinfo=LONDON)
    with at(now):
        next_starts_refresh(now=now)
    with at(now), CaptureQueriesContext(connection) as few:
        assert next_starts_refresh(now=now) == 0
    for number in range(40):
        task(cast, f"Visit {number}", rule="FREQ=WEEKLY;BYDAY=FR" if number % 2 else "FREQ=DAILY")
    with at(now), CaptureQueriesContext(connection) as many:
        assert next_starts_refresh(now=now) == 40
    # Transaction savepoints aside: the tasks, their changes, one UPDATE.
    assert [q["sql"].split()[0] for q in few.captured_queries if "SAVEPOINT" not in q["sql"]] == ["SELECT"]
    assert len([q for q in many.captured_queries if "SAVEPOINT" not in q["sql"]]) == 3
    with at(now), CaptureQueriesContext(connection) as listed:
        assert len(wanted_soon(now=now)) == 1 + 20 * 2  # the lift, and two days of 20 daily series
    assert len(listed) == 3
    assert len(soon_tasks(now=now)) == 21  # the Friday visits aren't read


def test_a_scan_works_out_a_batch_at_a_time_and_misses_nothing_meanwhile(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(help_soon, "REFRESH_BATCH", 4)
    soon = task(cast, "Lift")
    for number in range(9):
        task(cast, f"Friday visit {number}", rule="FREQ=WEEKLY;BYDAY=FR")
    now = datetime.datetime.combine(MONDAY, datetime.time(8), tzinfo=LONDON)
    with at(now):
        assert [next_starts_refresh(now=now) for _ in range(4)] == [4, 4, 2, 0]
        assert [item.pk for item in soon_tasks(now=now)] == [soon.pk]


def test_the_reminder_scan_keeps_next_starts(cast: Cast) -> None:
    visit = task(cast, "Visit", rule="FREQ=WEEKLY")
    with at(datetime.datetime(2026, 3, 9, 12, tzinfo=LONDON)):
        scan_reminders.call()
    assert kept(visit) == datetime.datetime(2026, 3, 16, 10, 30, tzinfo=datetime.UTC)
