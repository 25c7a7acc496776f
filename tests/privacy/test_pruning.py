"""Pruning the tables that only grow, on the clock: what the daily job keeps and what it removes.

The clock is moved with time-machine; each test builds rows "now" and runs the job days later.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carecircle.circles.services import circle_update
from carecircle.realtime.models import CircleEvent
from carecircle.realtime.selectors import circle_events_since
from carecircle.tasks.email_actions import MAX_AGE as ACTION_LINK_MAX_AGE
from carecircle.tasks.models import ActionLinkUse, ReminderSent
from carecircle.web.jobs import privacy_maintenance
from tests.cast import Cast

START = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC)


def days(number: float) -> datetime.timedelta:
    return datetime.timedelta(days=number)


def rename(cast: Cast, name: str) -> None:
    circle_update(actor=cast.organiser, circle=cast.circle, person_name=name, person_date_of_birth=None)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_live_events_go_after_30_days_and_recent_ones_stay(clock, cast: Cast, settings) -> None:
    settings.RETENTION_EVENTS_DAYS = 30
    rename(cast, "Old name")
    old = set(CircleEvent.objects.values_list("pk", flat=True))
    clock.shift(days(20))
    rename(cast, "Newer name")
    clock.shift(days(10) + datetime.timedelta(minutes=1))

    result = privacy_maintenance()

    assert result["retention"]["live events"] == len(old)
    kept = CircleEvent.objects.filter(circle=cast.circle)
    assert kept.exists()
    assert not kept.filter(pk__in=old).exists()
    assert all(event.created_at >= timezone.now() - days(30) for event in kept)


def test_a_client_behind_the_pruned_events_is_told_to_refetch(clock, cast: Cast, as_user, settings) -> None:
    settings.RETENTION_EVENTS_DAYS = 30
    cast.circle.refresh_from_db()
    seen = cast.circle.event_seq  # a page opened now, then the laptop closed
    rename(cast, "Changed while away")
    clock.shift(days(31))
    privacy_maintenance()
    cast.circle.refresh_from_db()

    catch_up = circle_events_since(circle=cast.circle, since=seen)
    body = as_user(cast.helper).get(reverse("realtime:events", args=[cast.circle.pk]), {"since": seen}).json()

    assert catch_up.rows == []
    assert catch_up.gap is True
    assert body["gap"] is True
    assert body["latest"] == cast.circle.event_seq > seen


def test_a_client_within_the_kept_events_replays_them_without_a_gap(clock, cast: Cast, settings) -> None:
    settings.RETENTION_EVENTS_DAYS = 30
    clock.shift(days(31))
    privacy_maintenance()
    cast.circle.refresh_from_db()
    seen = cast.circle.event_seq
    rename(cast, "A recent change")
    cast.circle.refresh_from_db()

    catch_up = circle_events_since(circle=cast.circle, since=seen)

    assert [row.seq for row in catch_up.rows] == [seen + 1]
    assert catch_up.gap is False


def test_expired_sessions_go_in_batches_and_live_ones_stay(clock, db, monkeypatch) -> None:
    from carecircle.web import jobs

    monkeypatch.setattr(jobs, "BATCH", 2)
    for _ in range(5):
        session = SessionStore()
        session.set_expiry(60)
        session.create()
    lasting = SessionStore()
    lasting.set_expiry(int(days(14).total_seconds()))
    lasting.create()
    clock.shift(days(1))

    result = privacy_maintenance()

    assert result["expired_sessions"] == 5
    assert list(Session.objects.values_list("pk", flat=True)) == [lasting.session_key]


def test_a_used_email_button_is_remembered_while_its_link_still_works(clock, db, settings) -> None:
    settings.RETENTION_DELIVERIES_DAYS = 1  # shorter than the link's life: the link's life wins
    ActionLinkUse.objects.create(nonce="used-once")
    clock.shift(ACTION_LINK_MAX_AGE)

    privacy_maintenance()
    assert ActionLinkUse.objects.filter(nonce="used-once").exists()

    clock.shift(days(2))
    privacy_maintenance()
    assert not ActionLinkUse.objects.filter(nonce="used-once").exists()


def test_sent_reminder_keys_go_after_the_deliveries_period(clock, db, settings) -> None:
    settings.RETENTION_DELIVERIES_DAYS = 90
    ReminderSent.objects.create(key="reminder:old")
    clock.shift(days(60))
    ReminderSent.objects.create(key="reminder:recent")
    clock.shift(days(31))

    result = privacy_maintenance()

    assert result["retention"]["reminders sent"] == 1
    assert list(ReminderSent.objects.values_list("key", flat=True)) == ["reminder:recent"]


def test_zero_keeps_used_links_forever(clock, db, settings) -> None:
    settings.RETENTION_DELIVERIES_DAYS = 0
    ActionLinkUse.objects.create(nonce="kept")
    clock.shift(days(400))

    privacy_maintenance()

    assert ActionLinkUse.objects.filter(nonce="kept").exists()


def test_pages_still_work_after_pruning_everything_old(clock, cast: Cast, client: Client, settings) -> None:
    settings.RETENTION_EVENTS_DAYS = 30
    clock.shift(days(400))
    privacy_maintenance()
    client.force_login(cast.helper)

    assert client.get(reverse("circles:home", args=[cast.circle.pk])).status_code == 200
