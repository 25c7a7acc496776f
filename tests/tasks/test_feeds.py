"""Calendar feeds: private, revocable, only what the member may see, and right across daylight saving."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import icalendar  # type: ignore[import-untyped]
import pytest
import recurring_ical_events  # type: ignore[import-untyped]
import time_machine
from django.urls import reverse

from carecircle.lib.repeat_rule import Rule
from carecircle.tasks.feed_services import calendar_feed_renew, calendar_feed_revoke
from carecircle.tasks.models import CalendarFeed, ReminderSetting, Task
from carecircle.tasks.schedule import task_occurrences
from carecircle.tasks.services import (
    TaskFields,
    occurrence_cancel,
    task_create,
    task_update,
)
from tests.cast import Cast
from tests.tasks.conftest import make_task

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def fetch(client: Any, feed: CalendarFeed) -> icalendar.Calendar:
    response = client.get(reverse("tasks:feed", kwargs={"token": feed.token}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def expanded(calendar: icalendar.Calendar, start: datetime.datetime, end: datetime.datetime) -> list[Any]:
    return sorted(recurring_ical_events.of(calendar).between(start, end), key=lambda event: event["DTSTART"].dt)


@time_machine.travel(datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_a_weekly_series_across_the_clock_change_matches_our_occurrences(cast: Cast, client: Any) -> None:
    # Saturdays at 10:30 London time from 7 March: the clocks go forward on 29 March.
    task = make_task(
        actor=cast.organiser,
        circle=cast.circle,
        title="Sunday lunch visit",
        start_date=datetime.date(2026, 3, 7),
        rule="FREQ=WEEKLY;UNTIL=20260425",
    )
    occurrence_cancel(actor=cast.organiser, task=task, occurrence_date=datetime.date(2026, 3, 21))
    moved = datetime.date(2026, 4, 4)
    task_update(
        actor=cast.organiser,
        task=task,
        fields=TaskFields(
            title=task.title,
            start_date=moved,
            start_time=datetime.time(15, 0),
            duration_minutes=60,
            time_zone="Europe/London",
        ),
        scope="one",
        occurrence_date=moved,
    )
    feed = calendar_feed_renew(actor=cast.helper, circle=cast.circle)
    calendar = fetch(client, feed)
    start = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    end = datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)
    from_feed = [event["DTSTART"].dt.astimezone(datetime.UTC) for event in expanded(calendar, start, end)]
    task.refresh_from_db()
    ours = [
        item.start_utc
        for item in task_occurrences(task, window_start=start, window_end=end, changes=task.changes.all())
    ]
    assert from_feed == ours
    # 10:30 GMT before the change, 09:30 UTC (10:30 BST) after it; the moved one at 15:00 BST.
    assert from_feed[0] == datetime.datetime(2026, 3, 7, 10, 30, tzinfo=datetime.UTC)
    assert datetime.datetime(2026, 3, 28, 10, 30, tzinfo=datetime.UTC) in from_feed
    assert datetime.datetime(2026, 4, 11, 9, 30, tzinfo=datetime.UTC) in from_feed
    assert datetime.datetime(2026, 4, 4, 14, 0, tzinfo=datetime.UTC) in from_feed
    assert datetime.datetime(2026, 3, 21, 10, 30, tzinfo=datetime.UTC) not in from_feed
    text = bytes(calendar.to_ical()).decode()
    assert "RRULE:FREQ=WEEKLY;UNTIL=20260425T093000Z" in text
    assert "EXDATE;TZID=Europe/London:20260321T103000" in text
    assert "RECURRENCE-ID;TZID=Europe/London:20260404T103000" in text
    assert "BEGIN:VTIMEZONE" in text
    assert "TZOFFSETTO:+0100" in text


@time_machine.travel(datetime.datetime(2026, 10, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_a_daily_series_in_new_york_through_the_autumn_change(cast: Cast, client: Any) -> None:
    task = task_create(
        actor=cast.organiser,
        circle=cast.circle,
        fields=TaskFields(
            title="Medication check",
            start_date=datetime.date(2026, 10, 28),
            start_time=datetime.time(8, 0),
            duration_minutes=15,
            time_zone="America/New_York",
            rule=Rule.parse("FREQ=DAILY;COUNT=10"),
        ),
    )
    feed = calendar_feed_renew(actor=cast.organiser, circle=None)
    calendar = fetch(client, feed)
    start = datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC)
    end = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
    from_feed = [event["DTSTART"].dt.astimezone(datetime.UTC) for event in expanded(calendar, start, end)]
    ours = [item.start_utc for item in task_occurrences(task, window_start=start, window_end=end)]
    assert from_feed == ours
    assert len(from_feed) == 10
    # 08:00 EDT is 12:00 UTC; after 1 November 08:00 EST is 13:00 UTC.
    assert from_feed[0].hour == 12
    assert from_feed[-1].hour == 13


@time_machine.travel(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_all_day_tasks_are_dates(cast: Cast, client: Any) -> None:
    make_task(
        actor=cast.organiser,
        circle=cast.circle,
        title="Bins",
        start_date=datetime.date(2026, 6, 2),
        start_time=None,
        rule="FREQ=WEEKLY;COUNT=3",
    )
    calendar = fetch(client, calendar_feed_renew(actor=cast.organiser, circle=cast.circle))
    events = expanded(
        calendar, datetime.datetime(2026, 6, 1, tzinfo=LONDON), datetime.datetime(2026, 7, 1, tzinfo=LONDON)
    )
    assert [event["DTSTART"].dt for event in events] == [
        datetime.date(2026, 6, 2),
        datetime.date(2026, 6, 9),
        datetime.date(2026, 6, 16),
    ]


def test_a_feed_only_holds_what_the_member_may_see(cast: Cast, client: Any) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Open task")
    make_task(actor=cast.organiser, circle=cast.circle, title="Private paperwork", private=True)
    make_task(actor=cast.outsider, circle=cast.other_circle, title="Another family's task")
    helper_text = bytes(fetch(client, calendar_feed_renew(actor=cast.helper, circle=None)).to_ical()).decode()
    assert "Open task" in helper_text
    assert "Private paperwork" not in helper_text
    assert "Another family" not in helper_text
    organiser_text = bytes(fetch(client, calendar_feed_renew(actor=cast.organiser, circle=None)).to_ical()).decode()
    assert "Private paperwork" in organiser_text
    # A well-wisher sees no tasks by default, so their feed is empty.
    well_wisher = fetch(client, calendar_feed_renew(actor=cast.well_wisher, circle=None))
    assert not well_wisher.walk("VEVENT")


def test_renewing_or_revoking_stops_the_old_address(cast: Cast, client: Any) -> None:
    first = calendar_feed_renew(actor=cast.helper, circle=cast.circle)
    old_token = first.token
    second = calendar_feed_renew(actor=cast.helper, circle=cast.circle)
    assert second.token != old_token
    assert client.get(reverse("tasks:feed", kwargs={"token": old_token})).status_code == 404
    assert calendar_feed_revoke(actor=cast.helper, circle=cast.circle)
    assert client.get(reverse("tasks:feed", kwargs={"token": second.token})).status_code == 404


def test_a_member_who_leaves_stops_seeing_the_circle_in_their_feed(cast: Cast, client: Any) -> None:
    from carecircle.circles.services import membership_remove

    make_task(actor=cast.organiser, circle=cast.circle, title="Open task")
    feed = calendar_feed_renew(actor=cast.helper, circle=None)
    membership_remove(actor=cast.organiser, member=cast.membership("helper"))
    assert "Open task" not in bytes(fetch(client, feed).to_ical()).decode()


def test_the_settings_page_makes_and_stops_addresses(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.helper)
    url = reverse("tasks:feeds")
    response = client.post(url, {"action": "renew", "circle": str(cast.circle.pk)}, follow=True)
    feed = CalendarFeed.objects.get(user=cast.helper)
    assert feed.token in response.content.decode()
    other = client.post(url, {"action": "renew", "circle": str(cast.other_circle.pk)})
    assert other.status_code == 404
    client.post(url, {"action": "revoke", "circle": str(cast.circle.pk)})
    assert not CalendarFeed.objects.exists()
    saved = client.post(url, {"action": "reminders", "day_before": "on", "hours_before": "3"})
    assert saved.status_code == 302
    assert ReminderSetting.objects.get(user=cast.helper).hours_before == 3
    bad = client.post(url, {"action": "reminders", "hours_before": "500"})
    assert bad.status_code == 400


def test_tasks_are_not_lost_from_the_feed_when_tasks_are_cancelled(cast: Cast, client: Any) -> None:
    from carecircle.tasks.services import task_cancel

    task = make_task(actor=cast.organiser, circle=cast.circle, title="Cancelled lift")
    task_cancel(actor=cast.organiser, task=task)
    text = bytes(fetch(client, calendar_feed_renew(actor=cast.organiser, circle=None)).to_ical()).decode()
    assert "Cancelled lift" not in text
    assert Task.objects.filter(pk=task.pk).exists()


@pytest.mark.parametrize(
    ("language", "calendar_name", "event_name"),
    [
        ("cy", "Yn helpu Dad", "Lift to hospital (helpu Dad)"),
        ("pl", "Pomoc dla: Dad", "Lift to hospital (dla: Dad)"),
        ("en-gb", "Helping Dad", "Lift to hospital (Dad)"),
    ],
)
def test_the_feed_is_named_in_its_owners_language(
    cast: Cast, client: Any, language: str, calendar_name: str, event_name: str
) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to hospital")
    cast.helper.language = language
    cast.helper.save(update_fields=["language"])
    feed = calendar_feed_renew(actor=cast.helper, circle=cast.circle)

    # The calendar app asks in no language of its own, or in another one: the owner's language wins.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "pl" if language != "pl" else "cy"
    calendar = fetch(client, feed)

    assert str(calendar["X-WR-CALNAME"]) == calendar_name
    assert [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")] == [event_name]
