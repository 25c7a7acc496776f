"""Journey 2 (PRODUCT.md) in full: the organiser's open pages hear three ways of answering, live.

The daughter keeps two pages open (JavaScript on, never reloaded): the lift's task page and the
family conversation. Her brother takes the lift from the link in his email. The neighbour, who reads
texts only, gets the help request through the fake Twilio on 127.0.0.1 and answers `YES <code>` by
text: the fake provider posts it, signed as Twilio signs it, to the running server's webhook. The
brother's reply to a chat email comes over real SMTP to `carecircle mail-inbound`. Her task page
shows both going and her conversation shows the reply "sent by email", each without a reload.

The web server, the worker and mail-inbound are three processes; they share a private Redis as the
channel layer, as a deployment running mail-inbound does (the in-memory layer only reaches sockets
of its own process). axe checks every page. Nothing waits a fixed time.
"""

from __future__ import annotations

import re
import smtplib
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, expect

from carecircle.accounts.models import User
from carecircle.conversations.models import Message
from carecircle.conversations.services import family_conversation
from carecircle.notifications.models import Delivery, NotificationPreference
from carecircle.notifications.sms_fake import FakeCredentials, FakeSmsProvider, SentText
from carecircle.tasks.models import Assignment
from tests.browser.conftest import make_checked
from tests.browser.test_journey_2_email import DOMAIN, LIVE_MS, email_to, eventually, path_of, signed_in
from tests.cast import build_cast, invite_and_join, make_user
from tests.servers import BIN, ROOT, free_port, private_redis_server, running_server, server_environment, stop
from tests.tasks.conftest import make_task

ACCOUNT = "AC" + "2" * 32
AUTH_TOKEN = "journey-2-twilio-auth-token"
OUR_NUMBER = "+447700900999"
NEIGHBOUR_MOBILE = "+447700900456"


@dataclass
class Servers:
    base_url: str
    mail_port: int
    sms: FakeSmsProvider


@pytest.fixture
def servers(transactional_db: None, settings: Any) -> Iterator[Servers]:
    """Web server, worker and mail-inbound sharing a private Redis; texts go to the fake Twilio."""
    sms = FakeSmsProvider(FakeCredentials(twilio_account_sid=ACCOUNT, twilio_auth_token=AUTH_TOKEN)).start()
    port = free_port()
    twilio = {
        "SMS_BACKEND": "carecircle.notifications.sms_providers.TwilioSmsBackend",
        "TWILIO_API_BASE": sms.base_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": OUR_NUMBER,
    }
    # This process queues and (with immediate tasks) sends the help request, so it texts the same way.
    for name, value in {**twilio, "REPLY_DOMAIN": DOMAIN}.items():
        setattr(settings, name, value)
    with private_redis_server() as (redis_port, _restart):
        env = {
            **twilio,
            "REPLY_DOMAIN": DOMAIN,
            "SITE_URL": f"http://127.0.0.1:{port}",
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "REDIS_PREFIX": f"journey2-{uuid.uuid4().hex[:8]}",
        }
        with running_server(env=env, with_worker=True, port=port) as base_url:
            mail_port = free_port()
            mail = subprocess.Popen(
                [str(BIN / "carecircle"), "mail-inbound", "--port", str(mail_port)],
                cwd=ROOT,
                env=server_environment(env),
                stdout=subprocess.PIPE,
            )
            try:
                assert mail.stdout is not None
                line = mail.stdout.readline().decode()
                assert f"on 127.0.0.1:{mail_port}" in line, line
                yield Servers(base_url=base_url, mail_port=mail_port, sms=sms)
            finally:
                stop(mail)
                sms.stop()


def text_to(sms: FakeSmsProvider, number: str, *, containing: str) -> SentText:
    return eventually(
        lambda: next((text for text in sms.sent if text.to == number and containing in text.body), None),
        what=f"a text to {number} saying {containing!r}",
    )


def test_journey_2_the_organiser_sees_email_text_and_reply_live(servers: Servers, browser: Browser) -> None:
    server = servers.base_url
    cast = build_cast()
    brother, sister = cast.helper, cast.organiser
    neighbour = make_user("neighbour", display_name="Nina Neighbour")
    invite_and_join(inviter=sister, circle=cast.circle, user=neighbour, role="helper", relationship="neighbour")
    User.objects.filter(pk=neighbour.pk).update(phone=NEIGHBOUR_MOBILE)
    NotificationPreference.objects.create(user=neighbour, category="help_needed", channel="email", enabled=False)
    task = make_task(actor=sister, circle=cast.circle, title="Lift to hospital", people_needed=2)
    family = family_conversation(circle=cast.circle)

    # The daughter opens the lift and the family conversation, and keeps both open.
    her_context = signed_in(browser, server, sister)
    her_task = make_checked(her_context)
    her_task.page.goto(server + reverse("tasks:detail", kwargs={"circle_id": cast.circle.pk, "task_id": task.pk}))
    going = her_task.page.get_by_role("definition").filter(has_text="needed")
    expect(going).to_have_text("Nobody yet (2 needed)")
    expect(her_task.page.get_by_text("Live: changes appear as they happen.")).to_be_visible(timeout=LIVE_MS)
    her_task.check("the lift, as the organiser")
    her_chat = make_checked(her_context)
    her_chat.page.goto(server + reverse("conversations:family", kwargs={"circle_id": cast.circle.pk}))
    her_chat.check("family conversation")
    her_chat.page.get_by_label("Message").fill("Dad has his appointment letter.")
    her_chat.page.get_by_role("button", name="Send").click()
    expect(her_chat.page.locator("li[data-message]", has_text="appointment letter")).to_have_count(1)

    # The brother takes the lift from his email, without signing in.
    help_email = email_to(brother.pk, key=f"task-new-{task.pk}")
    take = next(line for line in help_email.body.splitlines() if line.startswith("I'll do it: "))
    his_context = browser.new_context()
    his = make_checked(his_context)
    his.page.goto(f"{server}{path_of(take.removeprefix("I'll do it: ").strip())}")
    his.check("I'll do it, confirm")
    his.page.get_by_role("button", name="I'll do it").click()
    expect(his.page.get_by_role("status")).to_contain_text("You're down for \u201cLift to hospital\u201d")
    his.check("I'll do it, done")
    expect(going).to_have_text(f"{brother.display_name} (2 needed)", timeout=LIVE_MS)

    # The neighbour's text came through the fake Twilio; she answers YES and the code, by text.
    asked = text_to(servers.sms, NEIGHBOUR_MOBILE, containing="Help needed: Lift to hospital")
    found = re.search(r"Reply YES ([0-9]{4}) to help", asked.body)
    assert found, asked.body
    status = FakeSmsProvider.reply_twilio(
        webhook_url=f"{server}/sms/inbound/twilio/",
        auth_token=AUTH_TOKEN,
        from_number=NEIGHBOUR_MOBILE,
        to_number=OUR_NUMBER,
        body=f"yes {found.group(1)}",
    )
    assert status == 200
    expect(going).to_have_text(f"{brother.display_name}, {neighbour.display_name} (2 needed)", timeout=LIVE_MS)
    her_task.check("the lift, covered live")
    # Her answer is queued before the webhook answers (the worker sends it; tests/web covers the send).
    assert Delivery.objects.filter(
        channel="sms", to=NEIGHBOUR_MOBILE, body__startswith="Thank you: you're down for Lift to hospital"
    ).exists()
    assert set(Assignment.objects.filter(task=task).values_list("user_id", flat=True)) == {brother.pk, neighbour.pk}

    # A forged text (wrong signature) changes nothing and says why.
    forged = FakeSmsProvider.reply_twilio(
        webhook_url=f"{server}/sms/inbound/twilio/",
        auth_token="not-the-token",
        from_number=NEIGHBOUR_MOBILE,
        to_number=OUR_NUMBER,
        body=f"NO {found.group(1)}",
    )
    assert forged == 403

    # The brother answers the chat email from his mail program; her open conversation shows it.
    chat_email = email_to(brother.pk, category="message")
    reply_to = chat_email.headers["Reply-To"]
    answer = EmailMessage()
    answer["From"] = f"{brother.display_name} <{brother.email}>"
    answer["To"] = reply_to
    answer["Subject"] = f"Re: {chat_email.subject}"
    answer["Message-ID"] = "<journey-2-text@mail.example>"
    quoted = "\n".join(f"> {line}" for line in chat_email.body.splitlines())
    answer.set_content(f"I'll pick Dad up at ten.\n\nOn Fri, CareCircle wrote:\n{quoted}\n")
    with smtplib.SMTP("127.0.0.1", servers.mail_port, timeout=60) as smtp:
        smtp.send_message(answer, from_addr=brother.email, to_addrs=[reply_to.rpartition("<")[2].rstrip(">")])
    said = her_chat.page.locator("li[data-message]", has_text="I'll pick Dad up at ten.")
    expect(said).to_have_count(1, timeout=LIVE_MS)
    expect(said).to_contain_text("sent by email")
    her_chat.check("family conversation with a reply by email, live")
    assert Message.objects.filter(conversation=family, via="email", author=brother).count() == 1

    # Neither of her pages was reloaded: the first navigation is still the only one.
    for checked in (her_task, her_chat):
        assert checked.page.evaluate("performance.getEntriesByType('navigation')[0].type") == "navigate"
        assert len(checked.transfer.documents) == 1, checked.transfer.documents
    his_context.close()
    her_context.close()
