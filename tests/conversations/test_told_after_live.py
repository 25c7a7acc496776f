"""A message's live event leaves at its commit; its notifications are written after (issue 12 point 3).

The post reads the circle's members once (for the mention names and the notices), writes one
FanOut row per notice in the message's transaction, and tells the members in a short transaction
of their own once the live event has left (notifications/fan_out.py `fan_outs_finish`), after the
request's answer (lib/after_response.py). A process that dies in between leaves the row to the
worker's sweep: nothing is lost or told twice.
"""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.accounts.services import api_token_create
from carecircle.circles.access import access_circle
from carecircle.circles.models import Circle
from carecircle.conversations import selectors, telling
from carecircle.conversations import services as conversations
from carecircle.conversations.models import Message, ReadMarker
from carecircle.lib import hooks
from carecircle.notifications.fan_out import fan_outs_finish, fan_outs_resume
from carecircle.notifications.models import Delivery, FanOut, Notification
from carecircle.realtime import events
from tests.bursts import at_once
from tests.notifications.test_fan_out_cost import circle_of

MEMBERS = 8  # an organiser and seven others: a small circle, told by the request itself
LATER = datetime.timedelta(minutes=1)  # past the sweep's RESUME_AFTER


def family(circle: Circle, actor: User) -> selectors.ConversationAccess:
    return selectors.conversation_access_for(
        access_circle(user=actor, circle_id=circle.pk), conversations.family_conversation(circle=circle)
    )


def post(circle: Circle, actor: User, body: str, client_id: uuid.UUID | None = None) -> int:
    where = family(circle, actor)
    return conversations.message_post(actor=actor, where=where, body=body, client_id=client_id).message.pk


def told_once(members: list[User], message_id: int) -> None:
    """Each member has one notification about the message, and nobody else has any."""
    notes = Notification.objects.filter(key__startswith=f"message-{message_id}-")
    assert sorted(notes.values_list("recipient_id", flat=True)) == sorted(member.pk for member in members)


@pytest.fixture
def crash_after_commit(monkeypatch: Any) -> None:
    """The process dies right after the message's commit: the request never tells anyone."""
    monkeypatch.setitem(hooks._functions, "notify_finish", lambda keys: None)


@pytest.mark.django_db(transaction=True)
def test_the_live_event_leaves_before_any_notification_and_the_members_are_read_once(monkeypatch: Any) -> None:
    circle, organiser, members = circle_of(MEMBERS)
    post(circle, organiser, "Warm-up")  # the family conversation exists from here on
    seen: dict[str, Any] = {}
    publish = events.publish

    def published(group: str, message: dict[str, Any]) -> None:
        if message.get("type") == "message.posted":
            seen["queries"] = [query["sql"] for query in captured.captured_queries]
            seen["notifications"] = Notification.objects.filter(
                key__startswith=f"message-{message['message']}-"
            ).count()
            seen["fan_outs"] = FanOut.objects.count()
        publish(group, message)

    monkeypatch.setattr(events, "publish", published)
    where = family(circle, organiser)  # access is checked before the post
    with CaptureQueriesContext(connection) as captured:
        message_id = conversations.message_post(actor=organiser, where=where, body="Dad ate well").message.pk

    membership_reads = [sql for sql in seen["queries"] if 'FROM "circles_membership"' in sql]
    assert len(membership_reads) == 1, membership_reads
    # Who is reading the conversation live is asked when the members are told, not before the event.
    assert not [sql for sql in seen["queries"] if "conversations_readmarker" in sql]
    # Published at the commit, when only the notice's row was written, not one notification.
    assert seen["fan_outs"] == 1
    assert seen["notifications"] == 0
    assert not FanOut.objects.exists()
    told_once(members, message_id)


@pytest.mark.django_db(transaction=True)
def test_the_answer_is_made_before_the_members_are_told() -> None:
    """Served as a WSGI server serves it: the body is whole before close(), which tells the members."""
    circle, organiser, members = circle_of(MEMBERS)
    conversation_id = conversations.family_conversation(circle=circle).pk
    _token, secret = api_token_create(actor=organiser, name="phone")
    environ = (
        RequestFactory()
        .post(
            f"/api/v1/circles/{circle.pk}/conversations/{conversation_id}/messages",
            data=json.dumps({"body": "Dad ate well"}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        .environ
    )
    started: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started.append(status)

    # As Django's test client does: the test's connection stays open across the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(environ, start_response)
        answer = b"".join(response)
        message_id = json.loads(answer)["id"]
        assert started == ["201 Created"]
        assert FanOut.objects.filter(key=f"message-{message_id}").exists()
        assert not Notification.objects.filter(key__startswith=f"message-{message_id}-").exists()

        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)

    assert not FanOut.objects.exists()
    told_once(members, message_id)


@pytest.mark.django_db(transaction=True)
def test_a_crash_between_the_commit_and_the_notifications_loses_nothing(crash_after_commit: None) -> None:
    circle, organiser, members = circle_of(MEMBERS)

    message_id = post(circle, organiser, "Dad ate well")

    assert not Notification.objects.filter(key__startswith=f"message-{message_id}-").exists()
    assert FanOut.objects.filter(key=f"message-{message_id}").exists()
    assert fan_outs_resume(now=timezone.now()) == 0  # too young: its own request may still tell them
    assert fan_outs_resume(now=timezone.now() + LATER) == 1
    assert fan_outs_resume(now=timezone.now() + LATER) == 0
    assert not FanOut.objects.exists()
    told_once(members, message_id)
    emails = Delivery.objects.filter(category="message", channel="email")
    assert sorted(emails.values_list("recipient_id", flat=True)) == sorted(member.pk for member in members)


@pytest.mark.django_db(transaction=True)
def test_when_the_after_work_fails_the_sweep_tells_each_member_once(monkeypatch: Any) -> None:
    """notify_finish raises after the commit (the database went away): the message stands, the sweep tells them."""

    def fails(keys: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setitem(hooks._functions, "notify_finish", fails)
    circle, organiser, members = circle_of(MEMBERS)

    message_id = post(circle, organiser, "Dad ate well")

    assert FanOut.objects.filter(key=f"message-{message_id}").exists()
    assert fan_outs_resume(now=timezone.now() + LATER) == 1
    told_once(members, message_id)


@pytest.mark.django_db(transaction=True)
def test_a_member_who_reads_the_message_live_before_they_are_told_gets_nothing_else(crash_after_commit: None) -> None:
    """Who is live is asked when the members are told: here the sweep, after the reader's page marked it read."""
    circle, organiser, members = circle_of(MEMBERS)
    post(circle, organiser, "Warm-up")
    resume_all()
    message_id = post(circle, organiser, "Dad ate well")
    reader = members[0]
    ReadMarker.objects.update_or_create(
        conversation_id=Message.objects.get(pk=message_id).conversation_id,
        user=reader,
        defaults={"last_read_id": message_id, "updated_at": timezone.now()},
    )

    assert fan_outs_resume(now=timezone.now() + LATER) == 1

    told_once(members[1:], message_id)


def resume_all() -> None:
    """The sweep, as if a minute had passed: every waiting notice told."""
    fan_outs_resume(now=timezone.now() + LATER)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time: no race to lose.")
@pytest.mark.django_db(transaction=True)
def test_the_request_and_sweeps_at_once_tell_each_member_once(crash_after_commit: None) -> None:
    circle, organiser, members = circle_of(MEMBERS)
    message_id = post(circle, organiser, "Dad ate well")
    key = f"message-{message_id}"

    chunks = at_once(
        [lambda: fan_outs_finish([key]), lambda: fan_outs_resume(now=timezone.now() + LATER)] * 3,
    )

    assert sum(chunks) == 1
    assert not FanOut.objects.exists()
    told_once(members, message_id)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time: no race to lose.")
@pytest.mark.django_db(transaction=True)
def test_posts_at_once_tell_each_member_once_per_message() -> None:
    circle, organiser, members = circle_of(MEMBERS)
    post(circle, organiser, "Warm-up")
    retried = uuid.uuid4()

    ids = at_once(
        [lambda: post(circle, organiser, "Same retry", client_id=retried)] * 3
        + [lambda number=number: post(circle, organiser, f"Message {number}") for number in range(3)]  # type: ignore[misc]
    )

    assert len(set(ids[:3])) == 1
    assert len(set(ids)) == 4
    assert not FanOut.objects.exists()
    for message_id in set(ids):
        told_once(members, message_id)


@pytest.mark.django_db(transaction=True)
def test_the_circle_lock_and_the_event_number_are_one_statement_before_the_publish(monkeypatch: Any) -> None:
    """Before its live event a post touches the circle's row once: UPDATE … RETURNING takes the lock and the number.

    It was a SELECT … FOR UPDATE, an UPDATE and a SELECT (three round trips, docs/performance.md).
    """
    circle, organiser, _members = circle_of(MEMBERS)
    post(circle, organiser, "Warm-up")
    seen: dict[str, Any] = {}
    publish = events.publish

    def published(group: str, message: dict[str, Any]) -> None:
        if message.get("type") == "message.posted":
            seen["queries"] = [query["sql"] for query in captured.captured_queries]
            seen["seq"] = message["seq"]
        publish(group, message)

    monkeypatch.setattr(events, "publish", published)
    message_title = telling.message_title

    def titled(**kwargs: Any) -> Any:
        seen["titled_after"] = [sql for sql in captured.captured_queries if "circles_circle" in sql["sql"]]
        return message_title(**kwargs)

    monkeypatch.setattr(telling, "message_title", titled)
    where = family(circle, organiser)
    before = Circle.objects.values_list("event_seq", flat=True).get(pk=circle.pk)
    with CaptureQueriesContext(connection) as captured:
        post_id = conversations.message_post(actor=organiser, where=where, body="Dad ate well").message.pk
    on_circle = [sql for sql in seen["queries"] if 'FROM "circles_circle"' in sql or '"circles_circle" SET' in sql]
    assert len(on_circle) == 1, on_circle
    assert on_circle[0].startswith('UPDATE "circles_circle"')
    assert "RETURNING" in on_circle[0]
    assert seen["seq"] == before + 1 == Circle.objects.values_list("event_seq", flat=True).get(pk=circle.pk)
    assert circle.events.get(seq=seen["seq"]).data["message"] == post_id
    # The members' names, the lock with the number, the message, the event, the notice's row.
    statements = [sql for sql in seen["queries"] if sql.split()[0] not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")]
    assert len(statements) == 5, statements
    # The notice's title was put in every language before the lock, not under it.
    assert seen["titled_after"] == [], seen["titled_after"]
