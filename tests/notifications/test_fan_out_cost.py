"""The request's share of a fan-out hardly grows with the circle (issues 10 and 12).

A message in a big circle: the emails of members with one already waiting grow in the database
(one UPDATE appending the line to each one's `batch_lines`, spliced in when it is sent), and the
HTML template is rendered once per language, not per member.
What each member gets stays theirs: language, links, reply address.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from carecircle.accounts.models import User
from carecircle.circles.access import access_circle
from carecircle.circles.models import Circle, Membership, Role
from carecircle.conversations import selectors
from carecircle.conversations import services as conversations
from carecircle.notifications.emails import html_from_text
from carecircle.notifications.models import Delivery
from carecircle.notifications.notify import language_of, notify

LANGUAGES = ["en", "cy", "pl"]


def circle_of(size: int) -> tuple[Circle, User, list[User]]:
    """An organiser and size - 1 helpers reading English, Welsh and Polish, in two time zones."""
    organiser = User.objects.create_user(f"organiser{size}@example.org", display_name="Olivia")
    circle = Circle.objects.create(person_name="Mum")
    Membership.objects.create(circle=circle, user=organiser, role=Role.ORGANISER)
    User.objects.bulk_create(
        User(
            email=f"c{size}-{number}@example.org",
            display_name=f"Member {number}",
            language=LANGUAGES[number % 3],
            time_zone="Europe/London" if number % 2 else "America/New_York",
        )
        for number in range(size - 1)
    )
    members = list(User.objects.filter(email__startswith=f"c{size}-").order_by("id"))
    Membership.objects.bulk_create(Membership(circle=circle, user=user, role=Role.HELPER) for user in members)
    return circle, organiser, members


def post(circle: Circle, actor: User, body: str) -> None:
    where = selectors.conversation_access_for(
        access_circle(user=actor, circle_id=circle.pk), conversations.family_conversation(circle=circle)
    )
    conversations.message_post(actor=actor, where=where, body=body)


def queries_of(run: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


def test_a_message_costs_the_same_queries_in_a_circle_of_5_or_60(db: Any) -> None:
    counts = {}
    for size in (5, 60):
        circle, organiser, _members = circle_of(size)
        post(circle, organiser, "Warm-up")  # the family conversation exists from here on
        Delivery.objects.all().delete()
        first = queries_of(lambda circle=circle, organiser=organiser: post(circle, organiser, "Dad ate well"))
        later = queries_of(lambda circle=circle, organiser=organiser: post(circle, organiser, "He's asleep now"))
        counts[size] = (first, later)
        assert Delivery.objects.filter(category="message", channel="email").count() == size - 1
    assert counts[5] == counts[60]


def test_the_email_template_is_rendered_once_per_language_not_per_member(db: Any) -> None:
    renders: list[str] = []

    def seen(sender: Any, template: Any, **kwargs: Any) -> None:
        if template.name == "notifications/email.html":
            renders.append(template.name)

    template_rendered.connect(seen)
    try:
        for size in (5, 60):
            circle, organiser, _members = circle_of(size)
            renders.clear()
            notify(
                category="news", circle=circle, key=f"news-{size}", title="News", body="Mum is home", actor=organiser
            )
            assert Delivery.objects.filter(idempotency_key__startswith=f"news-{size}-email-").count() == size - 1
            assert len(renders) == len(LANGUAGES)
    finally:
        template_rendered.disconnect(seen)


def test_each_member_s_batched_email_stays_their_own(db: Any, settings: Any) -> None:
    settings.REPLY_DOMAIN = "reply.example.org"
    circle, organiser, members = circle_of(7)
    for body in ("Dad ate <b>well</b>", "He's asleep now", "Back tomorrow"):
        post(circle, organiser, body)
    emails = {email.recipient_id or 0: email for email in Delivery.objects.filter(category="message", channel="email")}
    assert sorted(emails) == sorted(member.pk for member in members)
    intro = {
        "en": "New messages you haven't read yet:",
        "cy": translation.override("cy")(lambda: translation.gettext("New messages you haven't read yet:"))(),
        "pl": translation.override("pl")(lambda: translation.gettext("New messages you haven't read yet:"))(),
    }
    assert intro["cy"] != intro["en"]
    assert intro["pl"] != intro["en"]
    for member in members:
        email = emails[member.pk]
        text, html = email.composed()
        assert text.startswith(intro[member.language])
        bullets = [line for line in text.splitlines() if line.startswith("• ")]
        assert bullets == ["• Olivia: Dad ate <b>well</b>", "• Olivia: He's asleep now", "• Olivia: Back tomorrow"]
        # The HTML with the lines spliced in is what rendering the grown text in their language gives.
        with translation.override(language_of(member)):
            assert html == html_from_text(text, subject=email.subject)
        assert f'<html lang="{language_of(member)}">' in html
        assert email.headers["List-Unsubscribe"].strip("<>") in text
        assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Links and reply addresses are each member's own.
    assert len({email.headers["List-Unsubscribe"] for email in emails.values()}) == len(members)
    assert len({email.headers["Reply-To"] for email in emails.values()}) == len(members)


@pytest.mark.parametrize("lines", [19, 20])
def test_a_batched_email_stops_growing_at_twenty_messages(db: Any, lines: int) -> None:
    circle, organiser, _members = circle_of(3)
    for number in range(lines + 1):
        post(circle, organiser, f"Message {number}")
    for email in Delivery.objects.filter(category="message", channel="email"):
        text, html = email.composed()
        assert text.count("\n• ") == 20
        assert html.count("• Olivia: Message") == 20
        assert "Message 19" in text
        assert "Message 20" not in text


def test_a_chat_batch_s_first_emails_are_each_made_into_html_once(db: Any, monkeypatch: Any) -> None:
    # chat.batch rewrites the first email of a batch: notify makes no HTML for the draft it replaces.
    from carecircle.notifications.emails import EmailHtml

    made: list[str] = []
    real = EmailHtml.__call__

    def counted(self: EmailHtml, text: str, *, subject: str) -> str:
        made.append(subject)
        return real(self, text, subject=subject)

    circle, organiser, members = circle_of(9)
    post(circle, organiser, "Warm-up")
    Delivery.objects.all().delete()
    monkeypatch.setattr(EmailHtml, "__call__", counted)
    post(circle, organiser, "Dad ate well")
    emails = Delivery.objects.filter(category="message", channel="email")
    assert emails.count() == len(members)
    assert len(made) == len(members)
    for email in emails:
        assert "Dad ate well" in email.html_body


def test_each_member_s_links_are_the_bytes_reversing_them_one_by_one_gives(db: Any) -> None:
    from django.urls import reverse

    from carecircle.notifications.notify import Links, absolute
    from carecircle.notifications.preferences import mute_token, unsubscribe_token

    links = Links()
    for user_id in (1, 42, 987654321):
        # The tokens carry the second they were signed: the same token, reversed both ways.
        stop = unsubscribe_token(user_id=user_id, category="message")
        assert links.url("notifications:stop_emails", stop) == absolute(
            reverse("notifications:stop_emails", kwargs={"token": stop})
        )
        mute = mute_token(user_id=user_id, conversation_id=7)
        assert links.url("notifications:mute", mute) == absolute(reverse("notifications:mute", kwargs={"token": mute}))
