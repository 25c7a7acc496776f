"""Chat without spam: one batched email per conversation per quiet period, none for readers who are live."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine
from django.utils import timezone

from carecircle.conversations import services as conversations
from carecircle.conversations.models import ReadMarker
from carecircle.notifications.chat import CHAT_BATCH_DELAY, CHAT_QUIET_PERIOD
from carecircle.notifications.models import Delivery, DeliveryStatus, Notification
from carecircle.notifications.services import delivery_send
from tests.cast import Cast
from tests.conversations.conftest import family_of


def chat_emails(user: Any) -> list[Delivery]:
    return list(Delivery.objects.filter(recipient=user, category="message", channel="email").order_by("id"))


def post(cast: Cast, body: str) -> int:
    return conversations.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body=body).message.pk


def test_three_messages_make_one_email_with_all_three_sent_after_a_pause(cast: Cast) -> None:
    for body in ("Dad ate well", "He's asleep now", "Back tomorrow"):
        post(cast, body)
    [email] = chat_emails(cast.organiser)
    assert email.status == DeliveryStatus.QUEUED
    assert email.not_before is not None
    assert email.not_before >= email.created_at + CHAT_BATCH_DELAY - datetime.timedelta(seconds=1)
    text, _html = email.composed()
    for body in ("Dad ate well", "He's asleep now", "Back tomorrow"):
        assert f"• Helper: {body}" in text
    assert text.index("Back tomorrow") < text.index("Stop these emails")
    assert Notification.objects.filter(recipient=cast.organiser, category="message").count() == 3
    # Sent when due, once; a message within the quiet period after that sends nothing more.
    with time_machine.travel(email.not_before, tick=False):
        assert delivery_send(delivery_id=email.pk) == "sent"
        post(cast, "One more thing")
    assert len(chat_emails(cast.organiser)) == 1
    # After the quiet period a new message starts a new email.
    with time_machine.travel(email.not_before + CHAT_QUIET_PERIOD + datetime.timedelta(minutes=1), tick=False):
        post(cast, "Next day")
    assert len(chat_emails(cast.organiser)) == 2


def test_reading_the_conversation_before_the_email_is_due_drops_it(cast: Cast, as_user: Any) -> None:
    post(cast, "Dad ate well")
    [email] = chat_emails(cast.organiser)
    # The organiser opens the family conversation: the page moves their read marker.
    as_user(cast.organiser).get(f"/circles/{cast.circle.pk}/talk/")
    assert email.not_before is not None
    with time_machine.travel(email.not_before, tick=False):
        assert delivery_send(delivery_id=email.pk) == "cancelled"
    email.refresh_from_db()
    assert email.status == DeliveryStatus.CANCELLED


def organiser_on_the_page(cast: Cast, newest: int) -> None:
    """The organiser is on the family conversation's page: their marker moved to the newest message just now."""
    ReadMarker.objects.update_or_create(
        conversation_id=family_of(cast, cast.helper).conversation.pk,
        user=cast.organiser,
        defaults={"last_read_id": newest, "updated_at": timezone.now()},
    )


def test_a_member_live_on_the_page_gets_nothing_else(cast: Cast) -> None:
    first = post(cast, "Dad ate well")
    organiser_on_the_page(cast, first)
    second = post(cast, "He's asleep now")
    assert not Notification.objects.filter(recipient=cast.organiser, key__startswith=f"message-{second}-").exists()
    assert Notification.objects.filter(recipient=cast.person, key__startswith=f"message-{second}-").exists()
    # A marker left long ago is not "live".
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=10), tick=False):
        third = post(cast, "Back tomorrow")
    assert Notification.objects.filter(recipient=cast.organiser, key__startswith=f"message-{third}-").exists()


def test_a_mentioned_member_live_on_the_page_gets_neither_the_mention_nor_the_message(cast: Cast) -> None:
    first = post(cast, "Dad ate well")
    organiser_on_the_page(cast, first)
    second = post(cast, "@Olivia Organiser and @Person, he's asleep now")

    about_it = [f"mention-{second}-{cast.organiser.pk}", f"message-{second}-{cast.organiser.pk}"]
    assert not Notification.objects.filter(recipient=cast.organiser, key__in=about_it).exists()
    assert Notification.objects.filter(recipient=cast.person, key=f"mention-{second}-{cast.person.pk}").exists()


def test_the_batched_email_has_an_html_twin_that_fits_a_phone(cast: Cast) -> None:
    post(cast, "Dad ate <b>well</b>")
    post(cast, "He's asleep")
    [email] = chat_emails(cast.organiser)
    text, html = email.composed()
    assert text.startswith("New messages you haven't read yet:")
    assert f"Open it in CareCircle: http://127.0.0.1:8000/circles/{cast.circle.pk}/talk/" in text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "Dad ate &lt;b&gt;well&lt;/b&gt;" in html
    assert "He&#x27;s asleep" in html
    assert f'<a href="http://127.0.0.1:8000/circles/{cast.circle.pk}/talk/' in html
