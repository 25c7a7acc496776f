"""Journey 2 (PRODUCT.md) for a brother who only reads email, in Chromium against real servers.

Help is needed: his email carries "I'll do it"; the link opens a confirm page that changes
nothing, and its button puts him down, which his sister then sees on the task. She writes in the
family conversation: his email about it has his own reply address, and his reply, sent over real
SMTP to `carecircle mail-inbound` on 127.0.0.1, appears on her conversation page "sent by email".
Last, he stops those emails from the email's List-Unsubscribe link (confirm page, then the
button), and a mail program's one-click POST (RFC 8058) stops another kind. axe checks each page.

Nothing waits a fixed time: each step waits for the condition it needs, so a loaded machine
only makes it slower.
"""

from __future__ import annotations

import smtplib
import subprocess
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, expect

from carecircle.conversations.models import Message
from carecircle.conversations.services import family_conversation
from carecircle.notifications.models import Delivery, NotificationPreference
from carecircle.notifications.reply_mail import ReplyAddress, reply_address_read
from carecircle.tasks.models import Assignment
from tests.browser.conftest import make_checked, sign_in
from tests.cast import build_cast
from tests.servers import BIN, ROOT, free_port, running_server, server_environment, stop
from tests.tasks.conftest import make_task

DOMAIN = "reply.care.example"
LIVE_MS = 30_000


def eventually[T](probe: Callable[[], T | None], *, what: str, timeout: float = 30.0) -> T:
    """Poll `probe` until it gives a value (not a fixed wait: it returns as soon as it can)."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"Waited {timeout:.0f} s for {what}.")
        time.sleep(0.05)


def email_to(user_id: int, *, key: str = "", category: str = "") -> Delivery:
    """The member's email delivery row (the outbox the worker sends from)."""

    def probe() -> Delivery | None:
        rows = Delivery.objects.filter(recipient_id=user_id, channel="email")
        if key:
            rows = rows.filter(idempotency_key__startswith=key)
        if category:
            rows = rows.filter(category=category)
        return rows.order_by("-id").first()

    return eventually(probe, what=f"an email to member {user_id} ({key or category})")


def path_of(url: str) -> str:
    """The path of a link made with SITE_URL, to open on the test server."""
    return url[url.index("/", url.index("//") + 2) :]


def email_off(user_id: int, category: str) -> bool:
    return NotificationPreference.objects.filter(
        user_id=user_id, category=category, channel="email", enabled=False
    ).exists()


@pytest.fixture
def reply_server(transactional_db: None, settings: Any) -> Iterator[str]:
    """The web server and worker with replies by email on (and the same setting in this process)."""
    settings.REPLY_DOMAIN = DOMAIN
    with running_server(env={"REPLY_DOMAIN": DOMAIN}, with_worker=True) as base_url:
        yield base_url


@pytest.fixture
def mail_inbound(reply_server: str) -> Iterator[int]:
    """`carecircle mail-inbound` on 127.0.0.1, on the test database; yields its port."""
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "carecircle"), "mail-inbound", "--port", str(port)],
        cwd=ROOT,
        env=server_environment({"REPLY_DOMAIN": DOMAIN}),
        stdout=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        assert f"on 127.0.0.1:{port}" in line, line
        yield port
    finally:
        stop(process)


def signed_in(browser: Browser, server: str, user: Any) -> BrowserContext:
    context = browser.new_context()
    sign_in(context, server, user)
    return context


def test_journey_2_a_brother_who_only_reads_email(reply_server: str, mail_inbound: int, browser: Browser) -> None:
    server = reply_server
    cast = build_cast()
    brother, sister = cast.helper, cast.organiser
    task = make_task(actor=sister, circle=cast.circle, title="Lift to hospital")

    # His email about the help carries "I'll do it"; he opens it without signing in.
    help_email = email_to(brother.pk, key=f"task-new-{task.pk}")
    take = next(line for line in help_email.body.splitlines() if line.startswith("I'll do it: "))
    take_url = take.removeprefix("I'll do it: ").strip()
    his_context = browser.new_context()
    his = make_checked(his_context)
    his.page.goto(f"{server}{path_of(take_url)}")
    expect(his.page.get_by_role("heading", level=1)).to_have_text("I'll do it: Lift to hospital")
    expect(his.page.get_by_text("Nothing changes until you press the button.")).to_be_visible()
    his.check("I'll do it, confirm")
    # A bare GET (what a mail scanner does) changed nothing.
    assert not Assignment.objects.filter(task=task).exists()
    his.page.get_by_role("button", name="I'll do it").click()
    expect(his.page.get_by_role("status")).to_contain_text("You're down for \u201cLift to hospital\u201d")
    his.check("I'll do it, done")
    assert list(Assignment.objects.filter(task=task).values_list("user_id", flat=True)) == [brother.pk]

    # His sister sees him going.
    her_context = signed_in(browser, server, sister)
    her = make_checked(her_context)
    her.page.goto(server + reverse("tasks:detail", kwargs={"circle_id": cast.circle.pk, "task_id": task.pk}))
    expect(her.page.get_by_role("heading", level=1)).to_have_text("Lift to hospital")
    expect(her.page.get_by_role("definition").filter(has_text="needed")).to_contain_text(brother.display_name)
    her.check("the lift, as the organiser")

    # She writes in the family conversation; his email about it has his own reply address.
    family = family_conversation(circle=cast.circle)
    her.page.goto(server + reverse("conversations:family", kwargs={"circle_id": cast.circle.pk}))
    her.page.get_by_label("Message").fill("Dad had a good day at the clinic.")
    her.page.get_by_role("button", name="Send").click()
    expect(her.page.locator("li[data-message]", has_text="good day at the clinic")).to_have_count(1, timeout=LIVE_MS)
    her.check("family conversation")
    chat_email = email_to(brother.pk, category="message")
    assert "Dad had a good day at the clinic." in chat_email.body
    reply_to = chat_email.headers["Reply-To"]
    address = reply_to.rpartition("<")[2].rstrip(">")
    assert reply_address_read(address) == ReplyAddress(user_id=brother.pk, kind="conversation", object_id=family.pk)
    assert "Reply to this email" in chat_email.body

    # He replies from his mail program, quoting the email as mail programs do.
    answer = EmailMessage()
    answer["From"] = f"{brother.display_name} <{brother.email}>"
    answer["To"] = reply_to
    answer["Subject"] = f"Re: {chat_email.subject}"
    answer["Message-ID"] = "<journey-2-reply@mail.example>"
    quoted = "\n".join(f"> {line}" for line in chat_email.body.splitlines())
    answer.set_content(f"Good news. I'll bring soup on Sunday.\n\nOn Fri, CareCircle wrote:\n{quoted}\n")
    with smtplib.SMTP("127.0.0.1", mail_inbound, timeout=60) as smtp:
        smtp.send_message(answer, from_addr=brother.email, to_addrs=[address])
    posted = eventually(
        lambda: Message.objects.filter(conversation=family, via="email").first(), what="the reply to be posted"
    )
    assert (posted.author_id, posted.body) == (brother.pk, "Good news. I'll bring soup on Sunday.")

    # Her conversation page shows it, sent by email (live where the servers share a channel layer).
    said = her.page.locator("li[data-message]", has_text="I'll bring soup on Sunday")
    if said.count() == 0:
        her.page.reload()
    expect(said).to_have_count(1, timeout=LIVE_MS)
    expect(said).to_contain_text("sent by email")
    expect(said).to_contain_text(brother.display_name)
    her.check("family conversation with a reply by email")

    # "Stop these emails" from the chat email's List-Unsubscribe: a page that asks, then the button.
    stop_link = chat_email.headers["List-Unsubscribe"].strip("<>")
    assert chat_email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    his.page.goto(f"{server}{path_of(stop_link)}")
    expect(his.page.get_by_role("heading", level=1)).to_contain_text("Stop emails about")
    his.check("stop these emails, confirm")
    assert not email_off(brother.pk, "message")
    his.page.get_by_role("button", name="Stop these emails").click()
    expect(his.page.get_by_role("heading", level=1)).to_have_text("You won't get these emails any more")
    his.check("stop these emails, done")
    assert email_off(brother.pk, "message")

    # A mail program's one-click unsubscribe (RFC 8058): a POST with no session and no form token.
    help_stop = help_email.headers["List-Unsubscribe"].strip("<>")
    assert help_email.category != "message"
    assert not email_off(brother.pk, help_email.category)
    response = browser.new_context().request.post(
        f"{server}{path_of(help_stop)}", form={"List-Unsubscribe": "One-Click"}
    )
    assert response.status == 200, response.text()
    assert email_off(brother.pk, help_email.category)
    his_context.close()
    her_context.close()
