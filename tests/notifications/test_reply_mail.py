"""Reply addresses (signed, per member and conversation) and reading a member's new words out of a reply."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from carecircle.conversations import services as conversations
from carecircle.notifications.models import Delivery
from carecircle.notifications.reply_mail import (
    TOKEN_CHARACTERS,
    is_reply_domain,
    reply_address,
    reply_address_read,
)
from carecircle.notifications.reply_parsing import is_automatic, reply_text, sender_address, strip_quotes
from tests.cast import Cast
from tests.conversations.conftest import family_of, news_of

DOMAIN = "reply.care.example"


@pytest.fixture(autouse=True)
def reply_domain(settings: Any) -> None:
    settings.REPLY_DOMAIN = DOMAIN


def test_an_address_names_its_member_and_conversation_and_nothing_else_reads() -> None:
    address = reply_address(user_id=42, kind="conversation", object_id=7)
    local, _, domain = address.partition("@")

    assert domain == DOMAIN
    assert local.startswith("reply+")
    assert len(local) == len("reply+") + TOKEN_CHARACTERS <= 64
    assert local == local.lower()
    named = reply_address_read(address)
    assert named is not None
    assert (named.user_id, named.kind, named.object_id) == (42, "conversation", 7)
    # Mail servers may fold case or add angle brackets: still the same address.
    assert reply_address_read(f"<{address.upper()}>") == named


def test_a_changed_made_up_or_foreign_address_is_not_read(settings: Any) -> None:
    address = reply_address(user_id=42, kind="conversation", object_id=7)
    local, _, domain = address.partition("@")
    other_member = reply_address(user_id=43, kind="conversation", object_id=7)

    # One character changed anywhere in the token breaks the signature.
    for position in range(len("reply+"), len(local)):
        changed = local[:position] + ("a" if local[position] != "a" else "b") + local[position:]
        changed = changed[: len(local)]
        if changed != local:
            assert reply_address_read(f"{changed}@{domain}") is None
    assert reply_address_read(f"reply+{'a' * TOKEN_CHARACTERS}@{domain}") is None
    assert reply_address_read(f"reply+short@{domain}") is None
    assert reply_address_read(f"{local}@elsewhere.example") is None
    assert reply_address_read("not an address") is None
    assert reply_address_read(other_member) != reply_address_read(address)
    # Another site's key (or a rotated one without the old key kept as a fallback) can't read it.
    settings.SECRET_KEY = "another-site-secret-key-that-is-long-enough-for-django-1234567890"
    assert reply_address_read(address) is None
    settings.SECRET_KEY_FALLBACKS = ["django-insecure-x"]
    assert reply_address_read(address) is None


def test_the_old_key_kept_as_a_fallback_still_reads_addresses_made_before_rotation(settings: Any) -> None:
    old = settings.SECRET_KEY
    address = reply_address(user_id=5, kind="update", object_id=9)
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-0123456789-abcdefghijklmnopqrstuv"
    settings.SECRET_KEY_FALLBACKS = [old]

    named = reply_address_read(address)
    assert named is not None
    assert (named.user_id, named.kind, named.object_id) == (5, "update", 9)


def test_only_the_reply_domain_is_ours(settings: Any) -> None:
    assert is_reply_domain(f"anything@{DOMAIN.upper()}")
    assert not is_reply_domain(f"anything@sub.{DOMAIN}")
    assert not is_reply_domain("someone@example.org")
    settings.REPLY_DOMAIN = ""
    assert not is_reply_domain("anything@")


def _reply_to(email: Delivery) -> str:
    return str(email.headers.get("Reply-To", ""))


def test_message_emails_carry_each_members_own_reply_address(cast: Cast) -> None:
    posted = conversations.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Dad ate well")
    conversation_id = posted.message.conversation_id
    emails = {email.recipient_id: email for email in Delivery.objects.filter(category="message", channel="email")}

    addresses = {user_id: _reply_to(email) for user_id, email in emails.items()}
    assert cast.organiser.pk in addresses
    assert len(set(addresses.values())) == len(addresses)
    for user_id, header in addresses.items():
        named = reply_address_read(header.rpartition("<")[2].rstrip(">"))
        assert named is not None
        assert (named.user_id, named.kind, named.object_id) == (user_id, "conversation", conversation_id)
    assert "Reply to this email to write back in CareCircle" in emails[cast.organiser.pk].body


def test_news_emails_reply_to_the_update_and_only_for_those_who_may_answer(cast: Cast) -> None:
    update = conversations.message_post(
        actor=cast.organiser, where=news_of(cast, cast.organiser), title="Home again", body="Dad is home."
    ).message
    emails = {email.recipient_id: email for email in Delivery.objects.filter(category="news", channel="email")}

    named = reply_address_read(_reply_to(emails[cast.helper.pk]).rpartition("<")[2].rstrip(">"))
    assert named is not None
    assert (named.kind, named.object_id) == ("update", update.pk)
    # Whoever can't send support gets the news without a reply address that would only bounce.
    for user_id, email in emails.items():
        if user_id not in (cast.helper.pk, cast.person.pk, cast.paid_carer.pk, cast.well_wisher.pk):
            continue
        assert _reply_to(email), user_id


def test_without_a_reply_domain_emails_have_no_reply_address(cast: Cast, settings: Any) -> None:
    settings.REPLY_DOMAIN = ""
    conversations.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Dad ate well")
    email = Delivery.objects.filter(category="message", channel="email").first()
    assert email is not None
    assert "Reply-To" not in email.headers
    assert "Reply to this email" not in email.body


def mail(text: str = "", html: str = "", **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Helper <helper@example.org>")
    message["To"] = "reply+x@reply.care.example"
    message["Subject"] = "Re: Helper wrote in the family conversation"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    if text:
        message.set_content(text)
        if html:
            message.add_alternative(html, subtype="html")
    elif html:
        message.set_content(html, subtype="html")
    return message


def test_quoted_text_and_signatures_are_left_out() -> None:
    written = strip_quotes(
        "I'll bring soup on Tuesday.\n\nSam\n--\nSam Jones\n07700 900123\n\n"
        "On Fri, 4 Dec 2026 at 15:00, CareCircle <no-reply@care.example> wrote:\n"
        "> Olivia wrote in the family conversation\n> Dad had a good day.\n"
    )
    assert written == "I'll bring soup on Tuesday.\n\nSam"
    assert strip_quotes("Yes please\r\n\r\nSent from my iPhone\r\n\r\n> earlier\r\n") == "Yes please"
    assert strip_quotes("Lovely\n\n-----Original Message-----\nFrom: CareCircle\nSent: Friday\n\nOld") == "Lovely"
    # A list the member wrote is kept; a line quoting the email is not.
    assert strip_quotes("Shopping:\n- milk\n- bread\n> quoted line") == "Shopping:\n- milk\n- bread"
    assert strip_quotes("Danke!\n\nAm 4. Dezember 2026 um 15:00 schrieb CareCircle:\n> Hallo") == "Danke!"


def test_an_html_only_reply_is_read_without_its_quoted_part() -> None:
    message = mail(
        html=(
            "<html><head><style>p{color:red}</style></head><body><div dir='ltr'>See you at <b>3</b> &amp; "
            "thanks!<br>Tom</div><div class='gmail_quote'>On Fri wrote:<blockquote>Old news</blockquote></div>"
            "</body></html>"
        )
    )
    assert reply_text(message).text == "See you at 3 & thanks!\nTom"


def test_the_plain_part_is_preferred_and_attachments_are_counted_not_kept() -> None:
    message = mail(text="Plain words", html="<p>HTML words</p>")
    message.add_attachment(b"\xff\xd8photo", maintype="image", subtype="jpeg", filename="dad.jpg")
    reply = reply_text(message)
    assert reply.text == "Plain words"
    assert reply.attachments == 1


def test_a_wrong_or_unknown_charset_is_read_rather_than_refused() -> None:
    raw = (
        b"From: helper@example.org\r\nTo: x@reply.care.example\r\nSubject: hi\r\n"
        b"Content-Type: text/plain; charset=x-unknown\r\n\r\nCaf\xc3\xa9 at ten\r\n"
    )
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert reply_text(message).text == "Café at ten"


@pytest.mark.parametrize(
    ("headers", "envelope_sender"),
    [
        ({"Auto_Submitted": "auto-replied"}, "helper@example.org"),
        ({"Auto_Submitted": "auto-generated; owner-email=x@y"}, "helper@example.org"),
        ({"Precedence": "bulk"}, "helper@example.org"),
        ({"Precedence": "auto_reply"}, "helper@example.org"),
        ({"X_Autoreply": "yes"}, "helper@example.org"),
        ({"List_Id": "<family.lists.example>"}, "helper@example.org"),
        ({"From": "MAILER-DAEMON@mx.example"}, "helper@example.org"),
        ({}, ""),
    ],
)
def test_automatic_mail_is_recognised(headers: dict[str, str], envelope_sender: str) -> None:
    assert is_automatic(mail(text="Out of office", **headers), envelope_sender=envelope_sender)


def test_a_person_writing_is_not_automatic() -> None:
    assert not is_automatic(mail(text="Hello", Auto_Submitted="no"), envelope_sender="helper@example.org")
    assert not is_automatic(mail(text="Hello"), envelope_sender=None)


def test_the_sender_is_the_one_address_in_from() -> None:
    assert sender_address(mail(text="x", From="Helper <Helper@Example.ORG>")) == "helper@example.org"
    assert sender_address(mail(text="x", From="a@example.org, b@example.org")) == ""
    assert sender_address(mail(text="x", From="nobody")) == ""
