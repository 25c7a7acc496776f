"""Private iCalendar feeds: every task a member may see, with RRULE, EXDATE and RECURRENCE-ID.

A repeating task is one VEVENT with its rule; a skipped occurrence is an EXDATE and a moved one
a second VEVENT with the same UID and a RECURRENCE-ID, so calendar apps show each series as a
series. Times carry the task's TZID with a VTIMEZONE that lists that zone's real transitions.
The calendar's and events' names are in the feed owner's language: a calendar app fetches the feed
with no language of its own.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from icalendar import (  # type: ignore[import-untyped]
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vRecur,
)

from carecircle.accounts.emails import in_language_of
from carecircle.circles.access import CircleAccess
from carecircle.circles.permissions import capabilities_for
from carecircle.circles.selectors import circle_memberships_for
from carecircle.lib.recurrence import first_start
from carecircle.tasks.access import visible_in
from carecircle.tasks.models import CalendarFeed, OccurrenceChange, Task
from carecircle.tasks.schedule import task_rule

# Tasks that ended longer ago than this are left out, so a feed stays small for years.
KEEP_PAST = datetime.timedelta(days=90)
YEARS_AHEAD = 3


def feed_accesses(feed: CalendarFeed) -> list[CircleAccess]:
    """The circles a feed covers, each with the member's current capabilities (never more than now)."""
    accesses = []
    for membership in circle_memberships_for(viewer=feed.user):
        if feed.circle_id is not None and membership.circle_id != feed.circle_id:
            continue
        capabilities = capabilities_for(role=membership.role, consent=membership.circle.consent, person_is_member=False)
        if "tasks.view" in capabilities:
            accesses.append(CircleAccess(membership.circle, membership, capabilities, person_is_member=False))
    return accesses


def feed_calendar(feed: CalendarFeed, *, now: datetime.datetime | None = None) -> bytes:
    """The feed as iCalendar bytes, named in its owner's language."""
    with in_language_of(feed.user):
        return _feed_calendar(feed, now=now)


def _feed_calendar(feed: CalendarFeed, *, now: datetime.datetime | None = None) -> bytes:
    moment = now or timezone.now()
    accesses = feed_accesses(feed)
    calendar = Calendar()
    calendar.add("prodid", "-//CareCircle//Tasks//EN")
    calendar.add("version", "2.0")
    name = "CareCircle" if feed.circle is None else gettext("Helping %(name)s") % {"name": feed.circle.person_name}
    calendar.add("x-wr-calname", name)
    if not accesses:
        return bytes(calendar.to_ical())
    tasks = list(
        Task.objects.filter(visible_in(accesses), cancelled_at__isnull=True)
        .filter(Q(last_end_utc__isnull=True) | Q(last_end_utc__gt=moment - KEEP_PAST))
        .select_related("circle")
    )
    changes: dict[int, list[OccurrenceChange]] = defaultdict(list)
    for change in OccurrenceChange.objects.filter(task__in=[task.pk for task in tasks]):
        changes[change.task_id].append(change)
    zones: dict[str, int] = {}
    events = []
    for task in tasks:
        if not task.all_day:
            zones[task.time_zone] = min(zones.get(task.time_zone, moment.year), task.start_date.year)
        events.extend(task_events(task, changes.get(task.pk, []), stamp=moment))
    # Time zones first: some calendar apps read the file in one pass.
    for name, first_year in sorted(zones.items()):
        calendar.add_component(vtimezone(name, first_year=first_year - 1, last_year=moment.year + YEARS_AHEAD))
    for event in events:
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def _uid(task: Task) -> str:
    hosts = [host for host in settings.ALLOWED_HOSTS if host and "*" not in host and not host.startswith(".")]
    return f"task-{task.pk}@{hosts[0] if hosts else 'carecircle'}"


def _start(task: Task, day: datetime.date, time: datetime.time | None) -> datetime.datetime | datetime.date:
    if task.all_day:
        return day
    return datetime.datetime.combine(day, time or datetime.time(), tzinfo=ZoneInfo(task.time_zone))


def _base_event(task: Task, stamp: datetime.datetime) -> Event:
    event = Event()
    event.add("uid", _uid(task))
    event.add("dtstamp", stamp)
    # Translators: the name of an event in a member's calendar app: what to do, and whom it helps.
    summary = pgettext("event in a calendar feed", "%(title)s (%(person)s)")
    event.add("summary", summary % {"title": task.title, "person": task.circle.person_name})
    if task.notes:
        event.add("description", task.notes)
    if task.address:
        event.add("location", task.address)
    return event


def task_events(task: Task, changes: Iterable[OccurrenceChange], *, stamp: datetime.datetime) -> list[Event]:
    """The VEVENTs of one task: the series with its rule and EXDATEs, then one per moved occurrence."""
    series = _base_event(task, stamp)
    # RFC 5545 counts DTSTART as the first occurrence even when the rule doesn't match it (a weekly
    # Monday series entered from a Thursday); the first real occurrence keeps the two in step.
    first = first_start(rule=task_rule(task), start_local=task.start_local) or task.start_local
    series.add("dtstart", _start(task, first.date(), task.start_time))
    series.add("duration", task.duration)
    if task.rule:
        rule = task_rule(task)
        text = rule.to_calendar_rrule_string(
            start_local=task.start_local, time_zone=task.time_zone, all_day=task.all_day
        )
        series.add("rrule", vRecur.from_ical(text))
    events = [series]
    for change in sorted(changes, key=lambda item: item.original_date):
        original = _start(task, change.original_date, task.start_time)
        if change.cancelled:
            series.add("exdate", original)
        elif change.moved_date is not None:
            moved = _base_event(task, stamp)
            moved.add("recurrence-id", original)
            moved.add("dtstart", _start(task, change.moved_date, change.moved_time))
            minutes = change.moved_duration_minutes
            moved.add("duration", task.duration if minutes is None else datetime.timedelta(minutes=minutes))
            events.append(moved)
    return events


def _offset(zone: ZoneInfo, moment: datetime.datetime) -> datetime.timedelta:
    return moment.astimezone(zone).utcoffset() or datetime.timedelta(0)


def transitions(
    zone: ZoneInfo, first_year: int, last_year: int
) -> list[tuple[datetime.datetime, datetime.timedelta, datetime.timedelta]]:
    """(UTC instant, offset before, offset after) of each change of the zone's offset in those years."""
    found = []
    moment = datetime.datetime(first_year, 1, 1, tzinfo=datetime.UTC)
    end = datetime.datetime(last_year + 1, 1, 1, tzinfo=datetime.UTC)
    step = datetime.timedelta(days=1)
    while moment < end:
        following = moment + step
        before, after = _offset(zone, moment), _offset(zone, following)
        if before != after:
            low, high = moment, following
            while high - low > datetime.timedelta(minutes=1):
                middle = low + (high - low) / 2
                if _offset(zone, middle) == before:
                    low = middle
                else:
                    high = middle
            found.append((high.replace(second=0, microsecond=0), before, after))
        moment = following
    return found


def vtimezone(name: str, *, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for an IANA zone with one STANDARD or DAYLIGHT part per real transition."""
    zone = ZoneInfo(name)
    component = Timezone()
    component.add("tzid", name)
    changes = transitions(zone, first_year, last_year)
    if not changes:
        offset = _offset(zone, datetime.datetime(first_year, 1, 1, tzinfo=datetime.UTC))
        part = TimezoneStandard()
        part.add("dtstart", datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC).replace(tzinfo=None))
        part.add("tzoffsetfrom", offset)
        part.add("tzoffsetto", offset)
        part.add("tzname", name)
        component.add_component(part)
        return component
    for instant, before, after in changes:
        local = instant.astimezone(zone)
        part = TimezoneDaylight() if local.dst() else TimezoneStandard()
        # DTSTART of a transition is the local time just before it, in the offset it comes from.
        part.add("dtstart", (instant + before).replace(tzinfo=None))
        part.add("tzoffsetfrom", before)
        part.add("tzoffsetto", after)
        part.add("tzname", local.tzname() or name)
        component.add_component(part)
    return component
