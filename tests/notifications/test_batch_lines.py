"""A batched chat email grows by its `batch_lines`, spliced in when it is sent (notifications/chat.py).

What a member receives is byte for byte what growing the body itself gave: each new line a bullet
before the link line, and the HTML what rendering that text in their language gives.
"""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import translation

from carecircle.accounts.models import User
from carecircle.conversations.models import Message, ReadMarker
from carecircle.notifications.chat import BULLET, _opener
from carecircle.notifications.emails import html_from_text
from carecircle.notifications.models import Delivery, DeliveryStatus
from carecircle.notifications.notify import language_of
from carecircle.notifications.privacy import subject_access
from carecircle.notifications.services import delivery_send
from tests.bursts import at_once
from tests.notifications.test_fan_out_cost import circle_of, post

LATER = ["Olivia: He's asleep now", "Olivia: Notes at http://127.0.0.1:8000/circles/ & <b>more</b>"]


def grown_the_old_way(email: Delivery, language: str, lines: list[str]) -> tuple[str, str]:
    """The text and HTML as the body itself used to grow: each line before the last link line, HTML rendered."""
    with translation.override(language):
        head, marker, tail = email.body.rpartition("\n\n" + _opener())
        assert marker
        text = head + "".join(BULLET + line for line in lines) + marker + tail
        return text, html_from_text(text, subject=email.subject)


def sent(email: Delivery) -> Any:
    mail.outbox.clear()
    assert email.not_before is not None
    with time_machine.travel(email.not_before, tick=False):
        assert delivery_send(delivery_id=email.pk) == "sent"
    [message] = mail.outbox
    return message


def test_the_sent_email_is_what_growing_the_body_gave_in_english_welsh_and_polish(db: Any, settings: Any) -> None:
    settings.REPLY_DOMAIN = "reply.example.org"
    circle, organiser, members = circle_of(4)
    assert len({language_of(member) for member in members}) == 3
    post(circle, organiser, "Dad ate well")
    first = {email.recipient_id: email for email in Delivery.objects.filter(category="message", channel="email")}
    for body in ("He's asleep now", "Notes at http://127.0.0.1:8000/circles/ & <b>more</b>"):
        post(circle, organiser, body)
    for member in members:
        email = Delivery.objects.get(pk=first[member.pk].pk)
        # The stored body and HTML are as queued; only the lines column grew.
        assert (email.body, email.html_body) == (first[member.pk].body, first[member.pk].html_body)
        assert email.batch_lines == "".join(BULLET + line for line in LATER)
        text, html = grown_the_old_way(email, language_of(member), LATER)
        message = sent(email)
        assert message.body == text
        assert message.alternatives[0][0] == html
        assert message.extra_headers["List-Unsubscribe"] == email.headers["List-Unsubscribe"]
        assert message.extra_headers["Reply-To"] == email.headers["Reply-To"]
        assert '<a href="http://127.0.0.1:8000/circles/">' in html
        assert "&amp; &lt;b&gt;more&lt;/b&gt;" in html


def test_a_member_who_changed_language_while_it_waited_still_gets_every_line(db: Any) -> None:
    circle, organiser, members = circle_of(2)
    [member] = members
    queued_in = language_of(member)
    post(circle, organiser, "Dad ate well")
    User.objects.filter(pk=member.pk).update(language="cy")
    assert queued_in != "cy"
    post(circle, organiser, "He's asleep now")
    email = Delivery.objects.get(recipient=member, category="message", channel="email")
    text, html = grown_the_old_way(email, queued_in, ["Olivia: He's asleep now"])
    message = sent(email)
    assert (message.body, message.alternatives[0][0]) == (text, html)


def test_a_message_read_meanwhile_drops_the_grown_email(db: Any) -> None:
    circle, organiser, members = circle_of(2)
    post(circle, organiser, "Dad ate well")
    post(circle, organiser, "He's asleep now")
    email = Delivery.objects.get(recipient=members[0], category="message", channel="email")
    assert email.batch_lines
    newest = Message.objects.order_by("-id").first()
    assert newest is not None
    ReadMarker.objects.create(conversation_id=newest.conversation_id, user=members[0], last_read_id=newest.pk)
    assert email.not_before is not None
    with time_machine.travel(email.not_before, tick=False):
        assert delivery_send(delivery_id=email.pk) == "cancelled"
    assert Delivery.objects.get(pk=email.pk).status == DeliveryStatus.CANCELLED


@pytest.mark.django_db(transaction=True)
def test_two_messages_posted_at_once_each_join_the_email_once() -> None:
    circle, organiser, members = circle_of(3)
    post(circle, organiser, "Dad ate well")
    at_once([lambda: post(circle, organiser, "He's asleep now"), lambda: post(circle, organiser, "Back tomorrow")])
    for member in members:
        [email] = Delivery.objects.filter(recipient=member, category="message", channel="email")
        message = sent(email)
        bullets = [line for line in message.body.splitlines() if line.startswith("• ")]
        assert bullets[0] == "• Olivia: Dad ate well"
        assert sorted(bullets[1:]) == ["• Olivia: Back tomorrow", "• Olivia: He's asleep now"]
        with translation.override(language_of(member)):
            assert message.alternatives[0][0] == html_from_text(message.body, subject=email.subject)


def test_a_members_copy_of_their_messages_holds_the_lines_that_joined_the_email(db: Any) -> None:
    circle, organiser, members = circle_of(2)
    post(circle, organiser, "Dad ate well")
    post(circle, organiser, "He's asleep now")
    [(_name, rows)] = [part for part in subject_access(members[0]) if part[0] == "messages-we-sent-you.csv"]
    assert not callable(rows)
    exported = b"".join(rows).decode()
    assert "• Olivia: Dad ate well" in exported
    assert "• Olivia: He's asleep now" in exported
