"""Property tests for what tasks adds on top of lib/recurrence: a task's stored bounds always hold
every occurrence (window queries rely on them), and the calendar feed, expanded by
recurring-ical-events, gives exactly the occurrences dateutil and our expansion give, with skipped
and moved occurrences, in zones with daylight saving."""

from __future__ import annotations

import datetime
import re
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

import icalendar  # type: ignore[import-untyped]
import recurring_ical_events  # type: ignore[import-untyped]
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from carecircle.circles.models import Circle
from carecircle.lib.recurrence import check_series, occurrences
from carecircle.lib.repeat_rule import Frequency, Rule, Weekday
from carecircle.lib.wall_clock import wall_clock_to_utc
from carecircle.tasks.feeds import task_events, vtimezone
from carecircle.tasks.models import OccurrenceChange, Task
from carecircle.tasks.schedule import FAR_FUTURE, ONCE, series_bounds, task_occurrences

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]
WINDOW_START = datetime.datetime(2026, 1, 1, tzinfo=UTC)
WINDOW_END = datetime.datetime(2027, 1, 1, tzinfo=UTC)


@st.composite
def rules(draw: st.DrawFn) -> Rule:
    frequency = draw(st.sampled_from(list(Frequency)))
    interval = draw(st.integers(1, 3))
    weekdays: tuple[Weekday, ...] = ()
    if frequency is Frequency.WEEKLY:
        weekdays = tuple(draw(st.sets(st.sampled_from(list(Weekday)), max_size=3)))
    month_day = draw(st.sampled_from([None, 1, 15, 28, -1])) if frequency is Frequency.MONTHLY else None
    end = draw(st.sampled_from(["count", "until"]))
    count = draw(st.integers(1, 40)) if end == "count" else None
    until = draw(st.dates(datetime.date(2026, 3, 1), datetime.date(2026, 12, 31))) if end == "until" else None
    return Rule(frequency, interval=interval, weekdays=weekdays, month_day=month_day, count=count, until=until)


@st.composite
def tasks(draw: st.DrawFn) -> Task:
    rule = draw(rules())
    start_date = draw(st.dates(datetime.date(2026, 1, 1), datetime.date(2026, 2, 28)))
    all_day = draw(st.booleans())
    start_time = None if all_day else draw(st.times().map(lambda t: t.replace(second=0, microsecond=0)))
    task = Task(
        pk=draw(st.integers(1, 10_000)),
        circle=Circle(person_name="Dad"),
        title="Visit",
        start_date=start_date,
        start_time=start_time,
        duration_minutes=1440 if all_day else draw(st.integers(15, 240)),
        time_zone=draw(st.sampled_from(ZONES)),
        rule=rule.to_rrule_string(),
    )
    try:
        check_series(rule=rule, start_local=task.start_local)
    except ValueError:
        # The services refuse such a series, so it is never stored.
        assume(False)
    task.first_start_utc, task.last_end_utc = series_bounds(task)
    return task


def _changes(task: Task, draw: Any) -> list[OccurrenceChange]:
    found = task_occurrences(task, window_start=WINDOW_START, window_end=FAR_FUTURE)
    assume(found)
    picked = draw(st.lists(st.sampled_from(found), max_size=3, unique_by=lambda item: item.original_date))
    changes = []
    for occurrence in picked:
        change = OccurrenceChange(task=task, original_date=occurrence.original_date)
        if draw(st.booleans()):
            change.cancelled = True
        else:
            change.moved_date = occurrence.original_date + datetime.timedelta(days=draw(st.integers(0, 2)))
            change.moved_time = None if task.all_day else datetime.time(draw(st.integers(6, 20)), 0)
        changes.append(change)
    return changes


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(task=tasks())
def test_stored_bounds_hold_every_occurrence(task: Task) -> None:
    found = task_occurrences(task, window_start=WINDOW_START - datetime.timedelta(days=2), window_end=FAR_FUTURE)
    assert found
    for occurrence in found:
        start = occurrence.start_utc or wall_clock_to_utc(
            datetime.datetime.combine(occurrence.original_date, datetime.time()), task.time_zone
        )
        assert start >= task.first_start_utc
        assert task.last_end_utc is not None
        assert start < task.last_end_utc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(task=tasks(), data=st.data())
def test_the_feed_expands_to_our_occurrences_and_to_dateutils(task: Task, data: st.DataObject) -> None:
    note(f"{task.rule} from {task.start_date} {task.start_time} {task.time_zone}")
    changes = _changes(task, data.draw)
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", "-//test//")
    if not task.all_day:
        calendar.add_component(vtimezone(task.time_zone, first_year=2025, last_year=2028))
    stamp = datetime.datetime(2026, 1, 1, tzinfo=UTC)
    for event in task_events(task, changes, stamp=stamp):
        calendar.add_component(event)
    parsed = icalendar.Calendar.from_ical(calendar.to_ical())
    ours = task_occurrences(task, window_start=WINDOW_START, window_end=WINDOW_END, changes=changes)
    theirs = recurring_ical_events.of(parsed).between(WINDOW_START, WINDOW_END)
    # Compared away from the window's edges (an all-day date near midnight UTC is in or out depending
    # on whose midnight counts), and as wall-clock times: for the hour that happens twice when the
    # clocks go back, RFC 5545 and our expansion take the first, recurring-ical-events the second.
    inner = (datetime.date(2026, 1, 3), datetime.date(2026, 12, 29))
    zone = ZoneInfo(task.time_zone)
    if task.all_day:
        feed_days = sorted(e["DTSTART"].dt for e in theirs)
        our_days = sorted(o.start_date for o in ours if o.start_date is not None)
        assert [d for d in feed_days if inner[0] <= d <= inner[1]] == [d for d in our_days if inner[0] <= d <= inner[1]]
    else:
        feed_times = sorted(e["DTSTART"].dt.astimezone(UTC).astimezone(zone).replace(tzinfo=None) for e in theirs)
        our_times = [o.start_utc.astimezone(zone).replace(tzinfo=None) for o in ours if o.start_utc is not None]
        assert [t for t in feed_times if inner[0] <= t.date() <= inner[1]] == [
            t for t in our_times if inner[0] <= t.date() <= inner[1]
        ]
    # Without changes, the series' local dates are exactly dateutil's.
    plain = task_occurrences(task, window_start=WINDOW_START, window_end=WINDOW_END)
    # Our UNTIL is the whole local day; dateutil reads a bare date as its midnight.
    rule_text = (
        f"DTSTART:{task.start_local:%Y%m%dT%H%M%S}\nRRULE:{re.sub(r'UNTIL=(\d{8})', r'UNTIL=\1T235959', task.rule)}"
    )
    expected = [
        d.date()
        for d in rrulestr(rule_text).between(datetime.datetime(2025, 12, 30), datetime.datetime(2027, 1, 2), inc=True)
    ]
    assert [o.original_date for o in plain] == [d for d in expected if d in {o.original_date for o in plain}]
    assert {o.original_date for o in plain} <= set(expected)


@settings(max_examples=80, deadline=None)
@given(
    start_date=st.dates(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),
    start_time=st.one_of(st.none(), st.times().map(lambda t: t.replace(second=0, microsecond=0))),
    minutes=st.integers(1, 3 * 1440),
    zone=st.sampled_from(ZONES),
    window_day=st.dates(datetime.date(2025, 12, 25), datetime.date(2027, 1, 5)),
    window_hours=st.integers(1, 24 * 20),
)
def test_the_one_off_shortcut_gives_what_the_general_expansion_gives(
    start_date: datetime.date,
    start_time: datetime.time | None,
    minutes: int,
    zone: str,
    window_day: datetime.date,
    window_hours: int,
) -> None:
    task = Task(
        start_date=start_date,
        start_time=start_time,
        duration_minutes=minutes if start_time else (minutes // 1440 + 1) * 1440,
        time_zone=zone,
        rule="",
    )
    window_start = datetime.datetime.combine(window_day, datetime.time(), tzinfo=UTC)
    window_end = window_start + datetime.timedelta(hours=window_hours)
    general = occurrences(
        rule=ONCE,
        start_local=task.start_local,
        time_zone=zone,
        window_start=window_start,
        window_end=window_end,
        duration=task.duration,
        all_day=task.all_day,
    )
    assert task_occurrences(task, window_start=window_start, window_end=window_end) == general
