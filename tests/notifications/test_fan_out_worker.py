"""Big circles: the change writes one FanOut row, the worker tells each member exactly once (issue 12).

notify() to NOTIFY_IN_WORKER_FROM members or more leaves the per-member rows to the worker
(carecircle/notifications/fan_out.py), FAN_OUT_CHUNK members per transaction. These tests make
the threshold and the chunk small so a circle of a few members takes that path.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.utils import timezone, translation

from carecircle.accounts.data_rights import account_erase
from carecircle.accounts.models import User
from carecircle.circles.models import Membership
from carecircle.conversations.models import Message, ReadMarker
from carecircle.notifications import notify as notify_module
from carecircle.notifications.categories import EMAIL, IN_APP
from carecircle.notifications.chat import BULLET
from carecircle.notifications.fan_out import fan_out_expand, fan_outs_resume
from carecircle.notifications.models import (
    Delivery,
    FanOut,
    Notification,
    NotificationPreference,
    NotificationSettings,
)
from carecircle.notifications.notify import language_of
from carecircle.notifications.privacy import subject_access
from tests.bursts import at_once
from tests.notifications.test_fan_out_cost import circle_of, post, queries_of

MEMBERS = 8  # an organiser and seven others
CHUNK = 3


@pytest.fixture
def big(settings: Any) -> Any:
    """Eight members count as a big circle; the worker tells three per transaction; tasks wait."""
    settings.NOTIFY_IN_WORKER_FROM = 5
    settings.FAN_OUT_CHUNK = CHUNK
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    return settings


def waiting() -> FanOut:
    return FanOut.objects.get()


def told_once(members: list[Any], key_start: str) -> None:
    """Each member has one notification and one email about it, and no one else has any."""
    notes = Notification.objects.filter(key__startswith=key_start)
    assert sorted(notes.values_list("recipient_id", flat=True)) == sorted(member.pk for member in members)
    emails = Delivery.objects.filter(category="message", channel="email")
    assert sorted(emails.values_list("recipient_id", flat=True)) == sorted(member.pk for member in members)


def test_the_post_writes_one_row_and_the_worker_tells_each_member_in_their_language(db: Any, big: Any) -> None:
    circle, organiser, members = circle_of(MEMBERS)

    post(circle, organiser, "Dad ate well")

    assert not Notification.objects.filter(category="message").exists()
    assert not Delivery.objects.exists()
    row = waiting()
    assert sorted(row.user_ids) == sorted(member.pk for member in members)
    assert fan_out_expand(row.pk) == 3  # seven members, three at a time
    assert not FanOut.objects.exists()
    told_once(members, row.key)
    for member in members:
        note = Notification.objects.get(recipient=member, key__startswith=row.key)
        with translation.override(language_of(member)):
            assert note.title == translation.gettext("%(name)s wrote in the family conversation") % {"name": "Olivia"}
        assert note.body == "Dad ate well"
        email = Delivery.objects.get(recipient=member, channel="email")
        assert email.subject == note.title
        assert "Dad ate well" in email.body


def test_a_later_message_joins_each_waiting_email_once(db: Any, big: Any) -> None:
    circle, organiser, members = circle_of(MEMBERS)
    post(circle, organiser, "Dad ate well")
    fan_out_expand(waiting().pk)

    post(circle, organiser, "He's asleep now")
    fan_out_expand(waiting().pk)

    lines = Delivery.objects.filter(channel="email").values_list("batch_lines", flat=True)
    assert list(lines) == [BULLET + "Olivia: He's asleep now"] * len(members)


def test_the_request_costs_the_same_queries_whatever_the_size_of_the_big_circle(db: Any, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    counts = []
    for size in (settings.NOTIFY_IN_WORKER_FROM + 1, 3 * settings.NOTIFY_IN_WORKER_FROM):
        circle, organiser, _members = circle_of(size)
        post(circle, organiser, "Warm-up")
        counts.append(queries_of(lambda circle=circle, organiser=organiser: post(circle, organiser, "Dad ate well")))
    # The message, its event, the members, the one FanOut row, and the finish finding it is the
    # worker's (in the test's transaction, a savepoint around that): no row per member. Who is
    # reading live is asked when the members are told, by the worker. The circle's lock and the
    # event's number are one UPDATE … RETURNING (they were a SELECT … FOR UPDATE, an UPDATE and a SELECT).
    assert counts == [counts[0], counts[0]]
    assert counts[0] == 12
    assert FanOut.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_workers_at_once_tell_each_member_once(big: Any) -> None:
    circle, organiser, members = circle_of(MEMBERS)
    post(circle, organiser, "Dad ate well")
    fan_out_expand(waiting().pk)
    post(circle, organiser, "He's asleep now")
    row = waiting()

    chunks = at_once([lambda: fan_out_expand(row.pk)] * 4)

    assert sum(chunks) == 3
    assert not FanOut.objects.exists()
    told_once(members, row.key)
    lines = Delivery.objects.filter(channel="email").values_list("batch_lines", flat=True)
    assert list(lines) == [BULLET + "Olivia: He's asleep now"] * len(members)


@pytest.mark.django_db(transaction=True)
def test_a_worker_dying_mid_way_loses_nothing_and_the_sweep_finishes_once(big: Any, monkeypatch: Any) -> None:
    circle, organiser, members = circle_of(MEMBERS)
    post(circle, organiser, "Dad ate well")
    fan_out_expand(waiting().pk)
    post(circle, organiser, "He's asleep now")
    row = waiting()
    tell = notify_module.tell
    calls: list[int] = []

    def dies_on_the_second_chunk(*args: Any, **kwargs: Any) -> list[int]:
        calls.append(1)
        told = tell(*args, **kwargs)
        if len(calls) == 2:
            raise ConnectionError("the worker died")
        return told

    monkeypatch.setattr(notify_module, "tell", dies_on_the_second_chunk)
    with pytest.raises(ConnectionError):
        fan_out_expand(row.pk)
    monkeypatch.setattr(notify_module, "tell", tell)

    assert waiting().position == CHUNK  # the first chunk stands; the second rolled back
    assert Notification.objects.filter(key__startswith=row.key).count() == CHUNK
    assert fan_outs_resume(now=timezone.now()) == 0  # too young: its own task may still come
    assert fan_outs_resume(now=timezone.now() + datetime.timedelta(minutes=1)) == 2
    assert not FanOut.objects.exists()
    told_once(members, row.key)
    lines = Delivery.objects.filter(channel="email").values_list("batch_lines", flat=True)
    assert list(lines) == [BULLET + "Olivia: He's asleep now"] * len(members)


@pytest.mark.django_db(transaction=True)
def test_after_the_commit_the_task_tells_everyone(settings: Any) -> None:
    settings.NOTIFY_IN_WORKER_FROM = 5
    settings.FAN_OUT_CHUNK = CHUNK
    circle, organiser, members = circle_of(MEMBERS)

    post(circle, organiser, "Dad ate well")  # tests run tasks at once: the worker's part follows the commit

    assert not FanOut.objects.exists()
    told_once(members, "message-")


def test_a_member_removed_before_the_worker_comes_is_not_told(db: Any, big: Any) -> None:
    circle, organiser, members = circle_of(MEMBERS)
    post(circle, organiser, "Dad ate well")
    Membership.objects.filter(user=members[0], circle=circle).delete()

    fan_out_expand(waiting().pk)

    told_once(members[1:], "message-")


def test_a_member_reading_live_when_the_worker_comes_is_not_told(db: Any, big: Any) -> None:
    """The worker asks conversations who is live (the conversation_live_readers hook) as it tells them."""
    circle, organiser, members = circle_of(MEMBERS)
    post(circle, organiser, "Dad ate well")
    row = waiting()
    message = Message.objects.get(body="Dad ate well")
    ReadMarker.objects.create(
        conversation_id=message.conversation_id, user=members[0], last_read_id=message.pk, updated_at=timezone.now()
    )

    fan_out_expand(row.pk)

    told_once(members[1:], "message-")


def test_what_the_author_just_did_is_in_their_download_and_goes_with_their_account(db: Any, big: Any) -> None:
    circle, _organiser, members = circle_of(MEMBERS)
    author = members[0]
    post(circle, author, "Dad ate well")

    [(_name, rows)] = [part for part in subject_access(author) if part[0] == "news-being-told.csv"]
    assert not callable(rows)
    text = b"".join(rows).decode()
    assert f"{author.display_name} wrote in the family conversation" in text
    assert "Dad ate well" in text

    account_erase(actor=author)

    assert not FanOut.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one array parameter on PostgreSQL only")
def test_a_chunk_sends_its_members_ids_as_one_parameter(db: Any, big: Any) -> None:
    """Each read and the chat batch's UPDATE take the chunk's 40 ids as one array (lib.one_of), not 40 parameters."""
    big.FAN_OUT_CHUNK = 40
    circle, organiser, members = circle_of(41)
    post(circle, organiser, "Dad ate well")
    post(circle, organiser, "and slept")
    fan_out_expand(FanOut.objects.order_by("id").values_list("pk", flat=True)[0])
    sent: list[tuple[str, int]] = []

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append((sql, len(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        assert fan_out_expand(waiting().pk) == 1

    assert len(sent) > 5
    assert [(sql, count) for sql, count in sent if count > 10 and not sql.startswith("INSERT")] == []
    assert Delivery.objects.filter(channel="email", batch_lines__contains="and slept").count() == len(members)


def instances_made(models: tuple[type, ...], run: Any) -> list[type]:
    """The model of each instance of these models made while `run()` runs (post_init)."""
    made: list[type] = []

    def counted(sender: type, **kwargs: Any) -> None:
        made.append(sender)

    for model in models:
        post_init.connect(counted, sender=model)
    try:
        run()
    finally:
        for model in models:
            post_init.disconnect(counted, sender=model)
    return made


def test_the_worker_reads_its_members_as_rows_not_as_accounts(db: Any, big: Any) -> None:
    """A chunk reads each member's few columns as a row: no Membership or User instance per member (issue 12)."""
    circle, organiser, members = circle_of(MEMBERS)
    post(circle, organiser, "Dad ate well")

    made = instances_made((User, Membership), lambda: fan_out_expand(waiting().pk))

    told_once(members, "message-")
    # The author's account, read with the row for each of the three chunks; none for the members.
    assert made.count(Membership) == 0
    assert made.count(User) == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="insert_values makes instances for bulk_create elsewhere")
def test_the_worker_writes_its_notifications_from_rows_not_instances(db: Any, big: Any) -> None:
    """A chunk's notifications go from tuples to the INSERT: no Notification instance per member (issue 12)."""
    circle, organiser, members = circle_of(MEMBERS)
    post(circle, organiser, "Dad ate well")

    made = instances_made((Notification,), lambda: fan_out_expand(waiting().pk))

    told_once(members, "message-")
    assert made == []


def test_a_member_deactivated_before_the_worker_comes_is_not_told(db: Any, big: Any) -> None:
    circle, organiser, members = circle_of(MEMBERS)
    post(circle, organiser, "Dad ate well")
    User.objects.filter(pk=members[0].pk).update(is_active=False)

    fan_out_expand(waiting().pk)

    told_once(members[1:], "message-")


def test_the_worker_keeps_each_members_quiet_hours_on_their_own_clock(db: Any, big: Any) -> None:
    """Quiet hours two hours wide around New York's time: only that member's email waits, until they end."""
    circle, organiser, members = circle_of(MEMBERS)
    quiet = next(member for member in members if member.time_zone == "America/New_York")
    local = timezone.now().astimezone(ZoneInfo("America/New_York"))
    NotificationSettings.objects.create(
        user=quiet,
        quiet_from=(local - datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0),
        quiet_until=(local + datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0),
    )
    post(circle, organiser, "Dad ate well")

    fan_out_expand(waiting().pk)

    waits = {
        recipient_id: moment
        for recipient_id, moment in Delivery.objects.filter(channel="email").values_list("recipient_id", "not_before")
        if moment is not None
    }
    quiet_end = waits.pop(quiet.pk)
    assert set(waits) == {member.pk for member in members if member != quiet}
    # The others' emails wait only for the chat batch; the quiet member's until their quiet hours end.
    assert quiet_end > max(waits.values()) + datetime.timedelta(minutes=30)
    assert quiet_end > timezone.now() + datetime.timedelta(minutes=50)


def test_in_one_chunk_each_member_is_told_by_their_own_choices_and_the_rest_by_their_roles(db: Any, big: Any) -> None:
    """One member turned messages off, one reads them in a daily digest, the others chose nothing."""
    circle, organiser, members = circle_of(MEMBERS)
    silent, digest, *others = members
    NotificationPreference.objects.bulk_create(
        NotificationPreference(user=silent, category="message", channel=channel, enabled=False)
        for channel in (IN_APP, EMAIL)
    )
    NotificationSettings.objects.create(user=digest, digest="daily")
    settings_before = {row.pk: row.digest for row in NotificationSettings.objects.all()}
    post(circle, organiser, "Dad ate well")

    # One chunk for everyone, the choosers among those who chose nothing.
    fan_out_expand(waiting().pk, chunk=MEMBERS)

    assert not Notification.objects.filter(recipient=silent).exists()
    assert not Delivery.objects.filter(recipient=silent).exists()
    held = Notification.objects.get(recipient=digest)
    assert held.held_for_digest
    assert not Delivery.objects.filter(recipient=digest).exists()
    for member in others:
        note = Notification.objects.get(recipient=member)
        assert not note.held_for_digest
        assert note.in_app
    emails = Delivery.objects.filter(channel="email").values_list("recipient_id", flat=True)
    assert sorted(emails) == sorted(member.pk for member in others)
    # Nobody's choices were changed by telling them.
    assert NotificationPreference.objects.filter(enabled=False).count() == 2
    assert {row.pk: row.digest for row in NotificationSettings.objects.all()} == settings_before
