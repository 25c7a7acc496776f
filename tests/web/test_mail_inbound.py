"""Replies by email: posted once as the member, refused with at most one answer, never answered to robots."""

from __future__ import annotations

import base64
import json
import smtplib
import subprocess
import time
from email.message import EmailMessage
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from carecircle.circles.models import Membership
from carecircle.circles.services import membership_remove
from carecircle.conversations import services as conversations
from carecircle.conversations.models import ConversationKind, Message
from carecircle.notifications.models import Delivery, InboundEmail, Notification
from carecircle.notifications.reply_mail import reply_address
from carecircle.notifications.services import delivery_send
from carecircle.web.mail_inbound import InboundMail, mail_receive
from tests.bursts import at_once
from tests.cast import Cast, build_cast
from tests.conversations.conftest import family_of, news_of
from tests.servers import BIN, ROOT, free_port, server_environment, stop

DOMAIN = "reply.care.example"
SECRET = "postmark:inbound-secret"


@pytest.fixture(autouse=True)
def reply_domain(settings: Any) -> None:
    settings.REPLY_DOMAIN = DOMAIN
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


def family_address(cast: Cast, user: Any) -> str:
    conversation = conversations.family_conversation(circle=cast.circle)
    return reply_address(user_id=user.pk, kind="conversation", object_id=conversation.pk)


def reply(
    to: str,
    text: str = "I'll bring soup on Tuesday.",
    *,
    sender: str = "helper@example.org",
    message_id: str = "<reply-1@mail.example>",
    **headers: str,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Re: Organiser wrote in the family conversation"
    if message_id:
        message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(f"{text}\n\nOn Fri, 4 Dec 2026, CareCircle wrote:\n> Dad had a good day.\n")
    return message


def receive(message: EmailMessage, *, to: str = "", envelope_sender: str | None = "helper@example.org") -> str:
    recipients = (to or str(message["To"]),)
    return mail_receive(
        InboundMail(
            message=message,
            recipients=recipients,
            envelope_sender=envelope_sender,
            source="smtp",
            size=len(message.as_bytes()),
        )
    )


def posted_by_email() -> list[Message]:
    return list(Message.objects.filter(via="email").order_by("id"))


def answers(to: str) -> list[Delivery]:
    return list(Delivery.objects.filter(category="mail_reply", to=to).order_by("id"))


def test_a_reply_is_posted_as_the_member_without_the_quoted_email(cast: Cast, as_user: Any) -> None:
    assert receive(reply(family_address(cast, cast.helper))) == "posted"

    [message] = posted_by_email()
    assert message.author_id == cast.helper.pk
    assert message.body == "I'll bring soup on Tuesday."
    assert message.conversation.kind == ConversationKind.CIRCLE
    record = InboundEmail.objects.get()
    assert (record.outcome, record.user_id, record.conversation_id) == (
        "posted",
        cast.helper.pk,
        message.conversation_id,
    )
    # The others are told as for any message, through notify(); the page says it came by email.
    assert Notification.objects.filter(recipient=cast.organiser, key__startswith=f"message-{message.pk}-").exists()
    page = as_user(cast.organiser).get(reverse("conversations:family", kwargs={"circle_id": cast.circle.pk}))
    assert "sent by email" in page.content.decode()


def test_the_same_mail_delivered_again_posts_once(cast: Cast) -> None:
    address = family_address(cast, cast.helper)
    assert receive(reply(address)) == "posted"
    assert receive(reply(address)) == "replayed"
    assert len(posted_by_email()) == 1


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_the_same_mail_at_once_posts_it_once() -> None:
    cast = build_cast()
    address = family_address(cast, cast.helper)
    burst = 6

    outcomes = at_once([lambda: receive(reply(address, message_id="<burst@mail.example>"))] * burst)

    assert sorted(outcomes) == ["posted"] + ["replayed"] * (burst - 1)
    assert len(posted_by_email()) == 1
    assert InboundEmail.objects.count() == 1


def test_a_member_who_left_can_no_longer_post_and_is_told_once(cast: Cast) -> None:
    address = family_address(cast, cast.helper)
    membership_remove(actor=cast.organiser, member=Membership.objects.get(circle=cast.circle, user=cast.helper))

    assert receive(reply(address, message_id="<one@mail.example>")) == "refused"
    assert receive(reply(address, message_id="<two@mail.example>")) == "refused"
    assert posted_by_email() == []
    [answer] = answers("helper@example.org")
    assert "no longer in that circle" in answer.body


def test_a_role_that_cant_write_there_is_refused(cast: Cast) -> None:
    # A well-wisher reads updates and sends support, but doesn't write in the family conversation.
    address = family_address(cast, cast.well_wisher)
    assert receive(reply(address, sender=cast.well_wisher.email)) == "refused"
    assert posted_by_email() == []
    assert len(answers(cast.well_wisher.email)) == 1


def test_a_reply_from_another_address_is_not_posted_and_the_member_is_told_in_the_app(cast: Cast) -> None:
    address = family_address(cast, cast.helper)

    assert receive(reply(address, sender="someone.else@example.net")) == "wrong-sender"
    assert posted_by_email() == []
    # Nothing is emailed to a From that may be forged; the member sees it in the app.
    assert answers("someone.else@example.net") == []
    note = Notification.objects.get(recipient=cast.helper, key__startswith="mail-wrong-sender-")
    assert "someone.else@example.net" in note.body


def test_an_unknown_or_forged_address_gets_one_answer_ever(cast: Cast) -> None:
    forged = f"reply+{'a' * 40}@{DOMAIN}"
    for number in range(3):
        assert receive(reply(forged, message_id=f"<forged-{number}@mail.example>")) == "unknown-address"
    assert len(answers("helper@example.org")) == 1
    assert posted_by_email() == []


@pytest.mark.parametrize(
    "headers",
    [{"Auto_Submitted": "auto-replied"}, {"Precedence": "bulk"}, {"X_Autoreply": "yes"}],
)
def test_out_of_office_replies_are_neither_posted_nor_answered(cast: Cast, headers: dict[str, str]) -> None:
    assert receive(reply(family_address(cast, cast.helper), "I'm away until Monday", **headers)) == "auto-reply"
    forged = f"reply+{'b' * 40}@{DOMAIN}"
    assert receive(reply(forged, message_id="<auto-2@mail.example>", **headers)) == "auto-reply"
    assert posted_by_email() == []
    assert answers("helper@example.org") == []


def test_a_bounce_with_a_null_sender_is_never_answered(cast: Cast) -> None:
    forged = f"reply+{'c' * 40}@{DOMAIN}"
    assert receive(reply(forged), envelope_sender="") == "auto-reply"
    assert answers("helper@example.org") == []


def test_a_reply_with_only_a_photo_posts_nothing_and_says_why(cast: Cast) -> None:
    message = reply(family_address(cast, cast.helper), "")
    message.add_attachment(b"\xff\xd8photo", maintype="image", subtype="jpeg", filename="dad.jpg")

    assert receive(message) == "empty"
    assert posted_by_email() == []
    [answer] = answers("helper@example.org")
    assert "Photos and files sent by email aren't posted" in answer.body


def test_words_with_a_photo_are_posted_and_the_sender_is_told_the_photo_was_not(cast: Cast) -> None:
    message = reply(family_address(cast, cast.helper), "Here's Dad in the garden")
    message.add_attachment(b"\xff\xd8photo", maintype="image", subtype="jpeg", filename="dad.jpg")

    assert receive(message) == "posted"
    assert posted_by_email()[0].body == "Here's Dad in the garden"
    [answer] = answers("helper@example.org")
    assert answer.subject == "Your reply was posted without its attachments"


def test_a_reply_too_long_for_a_message_is_refused_with_the_reason(cast: Cast) -> None:
    assert receive(reply(family_address(cast, cast.helper), "word " * 1200)) == "refused"
    [answer] = answers("helper@example.org")
    assert "Keep it under 5,000" in answer.body


def test_a_reply_to_news_goes_to_the_replies_of_that_update(cast: Cast) -> None:
    update = conversations.message_post(
        actor=cast.organiser, where=news_of(cast, cast.organiser), title="Home again", body="Dad is home."
    ).message
    address = reply_address(user_id=cast.well_wisher.pk, kind="update", object_id=update.pk)

    assert receive(reply(address, "Wonderful news!", sender=cast.well_wisher.email)) == "posted"
    [message] = posted_by_email()
    assert message.conversation.kind == ConversationKind.THREAD
    assert (message.conversation.subject_kind, message.conversation.subject_id) == ("update", update.pk)


def test_an_address_for_another_circles_conversation_is_refused_for_an_outsider(cast: Cast) -> None:
    # A signed address for the outsider and this circle's conversation: access says 404, nothing is posted.
    address = family_address(cast, cast.outsider)
    assert receive(reply(address, sender=cast.outsider.email)) == "refused"
    assert posted_by_email() == []


def postmark_payload(to: str, *, text: str = "See you at three.", sender: str = "helper@example.org") -> dict[str, Any]:
    return {
        "FromFull": {"Email": sender, "Name": "Helper"},
        "ToFull": [{"Email": to, "Name": ""}],
        "CcFull": [],
        "OriginalRecipient": to,
        "Subject": "Re: news",
        "MessageID": "22c74902-a0c1-4511-804f-341342852c90",
        "TextBody": f"{text}\n\nOn Fri, CareCircle wrote:\n> Old",
        "HtmlBody": "",
        "Headers": [
            {"Name": "Return-Path", "Value": f"<{sender}>"},
            {"Name": "Message-ID", "Value": "<postmark-1@mail.example>"},
        ],
        "Attachments": [],
    }


def basic(secret: str) -> str:
    return "Basic " + base64.b64encode(secret.encode()).decode()


def post_webhook(client: Client, payload: Any, *, secret: str = SECRET) -> Any:
    body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
    return client.post(
        reverse("web:mail-inbound-postmark"),
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=basic(secret),
    )


def test_the_postmark_webhook_posts_the_reply_once(cast: Cast, client: Client) -> None:
    payload = postmark_payload(family_address(cast, cast.helper))

    assert post_webhook(client, payload).status_code == 200
    assert post_webhook(client, payload).status_code == 200
    [message] = posted_by_email()
    assert message.body == "See you at three."
    assert InboundEmail.objects.get().source == "postmark"


def test_the_webhook_refuses_a_wrong_secret_or_none_configured(cast: Cast, client: Client, settings: Any) -> None:
    payload = postmark_payload(family_address(cast, cast.helper))

    response = post_webhook(client, payload, secret="postmark:wrong")
    assert response.status_code == 403
    assert "not valid" in response.content.decode()
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    assert post_webhook(client, payload).status_code == 403
    assert posted_by_email() == []


@pytest.mark.parametrize(
    "body",
    ["not json", "[1, 2]", json.dumps({"RecordType": "Bounce"}), json.dumps({"Headers": "nope"}), b"\xff\xfe"],
)
def test_the_webhook_answers_bad_input_with_400(cast: Cast, client: Client, body: Any) -> None:
    response = post_webhook(client, body)
    assert response.status_code == 400
    assert response.content.decode().startswith("The body must be")


def test_the_webhook_refuses_a_mail_over_the_size_limit_with_413(cast: Cast, client: Client, settings: Any) -> None:
    settings.MAIL_INBOUND_MAX_BYTES = 2000
    payload = postmark_payload(family_address(cast, cast.helper), text="x" * 3000)
    response = post_webhook(client, payload)
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert post_webhook(client, "").status_code == 400


def test_mail_inbound_takes_a_reply_over_real_smtp(transactional_db: None) -> None:
    """End to end: `carecircle mail-inbound` on 127.0.0.1, a reply sent with smtplib, the message posted."""
    cast = build_cast()
    address = family_address(cast, cast.helper)
    port = free_port()
    environment = server_environment({"REPLY_DOMAIN": DOMAIN, "MAIL_INBOUND_MAX_BYTES": "100000"})
    process = subprocess.Popen(
        [str(BIN / "carecircle"), "mail-inbound", "--port", str(port)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        assert f"on 127.0.0.1:{port}" in line, line
        with smtplib.SMTP("127.0.0.1", port, timeout=20) as smtp:
            smtp.ehlo()
            # Only reply addresses at the reply domain are taken.
            code, _ = smtp.mail("helper@example.org")
            assert code == 250
            assert smtp.rcpt("someone@example.org")[0] == 550
            assert smtp.rcpt(f"reply+{'d' * 40}@{DOMAIN}")[0] == 550
            smtp.rset()
            smtp.send_message(reply(address, "Over real SMTP"), from_addr="helper@example.org", to_addrs=[address])
            # Too big is refused by the listener itself.
            with pytest.raises(smtplib.SMTPSenderRefused):
                smtp.send_message(reply(address, "x" * 200_000, message_id="<big@mail.example>"), to_addrs=[address])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not posted_by_email():
            time.sleep(0.1)
        [message] = posted_by_email()
        assert message.body == "Over real SMTP"
        assert message.author_id == cast.helper.pk
        assert message.conversation_id == family_of(cast, cast.helper).conversation.pk
    finally:
        stop(process)


def test_replying_to_the_email_as_sent_posts_only_the_new_words(cast: Cast, settings: Any) -> None:
    """Round trip: the chat email leaves with the member's Reply-To; a reply quoting all of it posts one line."""
    mail.outbox.clear()
    conversations.message_post(actor=cast.organiser, where=family_of(cast, cast.organiser), body="Dad had a good day")
    delivery = Delivery.objects.get(recipient=cast.helper, category="message", channel="email")
    assert delivery.not_before is not None
    with time_machine.travel(delivery.not_before, tick=False):
        assert delivery_send(delivery_id=delivery.pk) == "sent"
    [sent] = [message for message in mail.outbox if message.to == [cast.helper.email]]
    reply_to = sent.message()["Reply-To"]
    assert reply_to is not None
    address = str(reply_to).rpartition("<")[2].rstrip(">")

    answer = EmailMessage()
    answer["From"] = f"Helper <{cast.helper.email}>"
    answer["To"] = str(reply_to)
    answer["Subject"] = f"Re: {sent.subject}"
    answer["Message-ID"] = "<round-trip@mail.example>"
    answer["In-Reply-To"] = str(sent.message()["Message-ID"])
    quoted = "\n".join(f"> {line}" for line in str(sent.body).splitlines())
    answer.set_content(f"So glad to hear it.\n\nHelper\n\nOn Fri, 4 Dec 2026, CareCircle wrote:\n{quoted}\n")

    assert receive(answer, to=address) == "posted"
    [message] = posted_by_email()
    assert message.body == "So glad to hear it.\n\nHelper"
    assert message.conversation_id == conversations.family_conversation(circle=cast.circle).pk


def test_replies_over_the_hourly_limit_are_kept_not_posted_and_the_member_is_told_once(
    cast: Cast, settings: Any
) -> None:
    settings.MAIL_INBOUND_PER_HOUR_PER_MEMBER = 2
    address = family_address(cast, cast.helper)
    outcomes = [
        receive(reply(address, f"Note {number}", message_id=f"<n{number}@mail.example>")) for number in range(4)
    ]

    assert outcomes == ["posted", "posted", "limited", "limited"]
    assert [message.body for message in posted_by_email()] == ["Note 0", "Note 1"]
    assert InboundEmail.objects.filter(outcome="limited").count() == 2
    [answer] = answers("helper@example.org")
    assert "more than 2 replies by email in an hour" in answer.body


def test_the_hourly_limit_of_one_reply_is_said_in_the_singular(cast: Cast, settings: Any) -> None:
    settings.MAIL_INBOUND_PER_HOUR_PER_MEMBER = 1
    address = family_address(cast, cast.helper)
    outcomes = [receive(reply(address, f"Note {n}", message_id=f"<s{n}@mail.example>")) for n in range(2)]
    assert outcomes == ["posted", "limited"]
    [answer] = answers("helper@example.org")
    assert "more than 1 reply by email in an hour" in answer.body


RELAY = "mx.care.example"


@pytest.mark.parametrize(
    ("results", "authentic"),
    [
        (f"{RELAY}; dkim=pass header.d=example.org header.s=s1; spf=pass; dmarc=pass header.from=example.org", True),
        (f"{RELAY}; dmarc=pass (p=reject dis=none) header.from=example.org", True),
        (f"{RELAY}; dkim=pass header.d=example.org; dmarc=none", True),
        (f"{RELAY.upper()} 1; dkim=pass (2048-bit key) header.d=example.org", True),
        (f"{RELAY}; dkim=pass header.d=mail.example.org; dmarc=fail header.from=example.org", False),
        (f"{RELAY}; dkim=pass header.d=forger.example; dmarc=fail header.from=example.org", False),
        (f"{RELAY}; dkim=fail header.d=example.org; dmarc=fail header.from=example.org", False),
        (f"{RELAY}; dmarc=pass header.from=other.example", False),
        (f"{RELAY}; none", False),
        ("mx.forger.example; dkim=pass header.d=example.org; dmarc=pass header.from=example.org", False),
    ],
)
def test_only_the_relays_own_passing_results_for_the_from_domain_count(results: str, authentic: bool) -> None:
    from carecircle.notifications.mail_authenticity import sender_authenticated

    message = reply("reply+x@reply.care.example", sender="helper@example.org", Authentication_Results=results)
    assert sender_authenticated(message, sender="helper@example.org", authserv_id=RELAY) is authentic


def test_the_topmost_header_of_the_relay_is_the_one_believed() -> None:
    from carecircle.notifications.mail_authenticity import sender_authenticated

    message = reply("reply+x@reply.care.example")
    message["Authentication-Results"] = f"{RELAY}; dmarc=fail header.from=example.org"  # added by our relay
    message["Authentication-Results"] = f"{RELAY}; dmarc=pass header.from=example.org"  # forged further down
    assert sender_authenticated(message, sender="helper@example.org", authserv_id=RELAY) is False


def test_with_a_relay_set_an_unauthenticated_reply_is_refused_and_the_member_told_in_their_language(
    cast: Cast, settings: Any
) -> None:
    settings.MAIL_INBOUND_AUTHSERV_ID = RELAY
    from carecircle.accounts.models import User

    User.objects.filter(pk=cast.helper.pk).update(language="cy")
    address = family_address(cast, cast.helper)
    forged = reply(address, Authentication_Results=f"{RELAY}; dkim=none; dmarc=fail header.from=example.org")

    assert receive(forged) == "unauthenticated"

    assert posted_by_email() == []
    assert answers("helper@example.org") == []
    notice = Notification.objects.get(recipient=cast.helper, key__startswith="mail-unauthenticated-")
    assert notice.title == "Ni chafodd ateb drwy e-bost i'ch cyfeiriad CareCircle ei bostio"
    genuine = reply(
        address,
        message_id="<reply-2@mail.example>",
        Authentication_Results=f"{RELAY}; dkim=pass header.d=example.org; dmarc=pass header.from=example.org",
    )
    assert receive(genuine) == "posted"
    assert len(posted_by_email()) == 1


def test_without_a_relay_set_replies_are_not_checked(cast: Cast) -> None:
    assert receive(reply(family_address(cast, cast.helper))) == "posted"


def test_the_answers_are_written_in_the_members_language(cast: Cast) -> None:
    cast.helper.language = "cy"
    cast.helper.save(update_fields=["language"])
    message = reply(family_address(cast, cast.helper), "Dyma Dad yn yr ardd")
    message.add_attachment(b"\xff\xd8photo", maintype="image", subtype="jpeg", filename="dad.jpg")
    assert receive(message) == "posted"
    assert receive(reply(family_address(cast, cast.helper), "gair " * 1200, message_id="<long@mail>")) == "refused"

    attachments, refused = answers("helper@example.org")
    assert attachments.subject == "Cafodd eich ateb ei bostio heb ei atodiadau"
    assert "Cafodd eich ateb ei bostio, ond nid y 1 ffeil" in attachments.body
    assert refused.subject == "Chafodd eich ateb i CareCircle mo'i bostio"
    assert refused.body.startswith("Doedd dim modd postio eich ateb.")


def test_the_wrong_sender_notice_is_in_the_members_language(cast: Cast) -> None:
    cast.helper.language = "cy"
    cast.helper.save(update_fields=["language"])
    address = family_address(cast, cast.helper)

    assert receive(reply(address, sender="someone.else@example.net")) == "wrong-sender"

    note = Notification.objects.get(recipient=cast.helper, key__startswith="mail-wrong-sender-")
    assert note.title == "Ni chafodd ateb drwy e-bost i'ch cyfeiriad CareCircle ei bostio"
    assert note.body.startswith(f"Daeth o someone.else@example.net, nid o {cast.helper.email}.")
