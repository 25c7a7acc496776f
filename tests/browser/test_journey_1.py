"""Journey 1 (PRODUCT.md): a daughter signs up, creates a circle for her dad, invites her two
brothers by email and a neighbour by text message; a brother joins from the email, and he appears
on her open page without a reload."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Browser, expect

from carecircle.notifications.models import Channel, OutboxMessage
from tests.browser.conftest import FIRST_VISIT_BUDGET_BYTES, Checked, make_checked
from tests.cast import PASSWORD

LINK = re.compile(r"https?://\S+/join/[\w-]+/")


def sign_up(checked: Checked, server: str, *, name: str, email: str) -> None:
    page = checked.page
    checked.transfer.reset()
    page.goto(server + "/")
    checked.check("start page")
    assert checked.transfer.total <= FIRST_VISIT_BUDGET_BYTES, f"the first visit took {checked.transfer.total} bytes"
    page.get_by_role("link", name="Create an account").first.click()
    checked.check("create an account")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()


def create_circle_and_invite(checked: Checked, server: str) -> None:
    page = checked.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Who are you helping?")
    checked.check("who are you helping")
    page.get_by_label("Their name").fill("Dad")
    page.get_by_label("How are you related to them?").fill("daughter")
    page.get_by_role("button", name="Create the circle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The people helping Dad")
    checked.check("circle home")
    # Each invitation starts from the people page's "Invite someone", one link away from the form;
    # after it the people page counts it, with "Invite someone" ready for the next one.
    for count, (name, relationship, channel, address) in enumerate(
        [
            ("Raj", "son", "Email", "raj@example.org"),
            ("Dev", "son", "Email", "dev@example.org"),
            ("Mrs Patel", "neighbour", "Text message", "07911 123456"),
        ]
    ):
        page.get_by_role("main").get_by_role("link", name="Invite someone").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Invite someone to help Dad")
        checked.check(f"invite someone, {name}")
        page.get_by_label("Their name").fill(name)
        page.get_by_label("How do they know Dad?").fill(relationship)
        page.get_by_label(channel, exact=True).check()
        if channel == "Email":
            page.get_by_label("Their email address").fill(address)
        else:
            page.get_by_label("Their mobile number").fill(address)
        page.get_by_role("button", name="Send the invitation").click()
        expect(page.locator(".message").first).to_contain_text("invitation")
        expect(page.get_by_role("heading", level=1)).to_have_text("The people helping Dad")
        waiting = "1 invitation is" if count == 0 else f"{count + 1} invitations are"
        expect(page.get_by_role("main")).to_contain_text(f"{waiting} waiting for an answer.")
        checked.check(f"after inviting {name}")


def wait_for_outbox(channel: str, to: str, timeout: float = 20.0) -> OutboxMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = OutboxMessage.objects.filter(channel=channel, to__contains=to).first()
        if message is not None:
            return message
        time.sleep(0.2)
    raise AssertionError(f"no {channel} to {to} reached the outbox within {timeout} s")


def test_journey_1_invite_the_family_and_see_them_join_live(server: str, browser: Browser) -> None:
    daughter_context = browser.new_context()
    daughter = make_checked(daughter_context)
    sign_up(daughter, server, name="Priya Shah", email="priya@example.org")
    create_circle_and_invite(daughter, server)

    # The worker sends the invitations; on one box they land in the outbox.
    email = wait_for_outbox(Channel.EMAIL, "raj@example.org")
    assert "Priya Shah" in email.body
    assert "help look after Dad" in email.subject
    assert "CareCircle is a free, private website" in email.body
    text = wait_for_outbox(Channel.SMS, "+447911123456")
    assert "Priya Shah" in text.body
    assert LINK.search(text.body)
    wait_for_outbox(Channel.EMAIL, "dev@example.org")

    # The daughter keeps her circle page open while her brother joins from the email.
    daughter.page.get_by_role("navigation", name="Main").get_by_role("link", name="Your circles").click()
    daughter.page.get_by_role("link", name=re.compile("Dad")).first.click()
    people = daughter.page.locator("[data-live-src*='/people/']")
    expect(people).not_to_contain_text("Raj Shah")

    brother_context = browser.new_context()
    brother = make_checked(brother_context)
    link = LINK.search(email.body)
    assert link is not None
    brother.page.goto(link.group(0).replace("http://127.0.0.1:8000", server))
    expect(brother.page.get_by_role("heading", level=1)).to_contain_text("Priya Shah invited you")
    brother.check("invitation")
    brother.page.get_by_role("main").get_by_role("link", name="Create an account").click()
    expect(brother.page.get_by_label("Email address")).to_have_value("raj@example.org")
    brother.page.get_by_label("Your name").fill("Raj Shah")
    brother.page.get_by_label("Choose a password").fill(PASSWORD)
    brother.page.get_by_role("button", name="Create account").click()
    brother.page.get_by_role("button", name=re.compile("Join Dad")).click()
    expect(brother.page.get_by_role("heading", level=1)).to_have_text("The people helping Dad")
    brother.check("circle home as a helper")

    # Live: the new member appears on the daughter's open page without a reload.
    expect(people).to_contain_text("Raj Shah", timeout=10_000)
    daughter.check("circle home after a live update")
    brother_context.close()
    daughter_context.close()


def test_journey_1_works_without_javascript(server: str, no_js_page: Checked) -> None:
    sign_up(no_js_page, server, name="Priya Shah", email="priya@example.org")
    create_circle_and_invite(no_js_page, server)
    expect(no_js_page.page.get_by_role("heading", name="Invitations waiting for an answer")).to_be_visible()
    expect(no_js_page.page.get_by_text("3 invitations are waiting for an answer.")).to_be_visible()
    no_js_page.page.get_by_role("link", name="See them, or cancel one").click()
    for name in ("Raj", "Dev", "Mrs Patel"):
        expect(no_js_page.page.get_by_role("main")).to_contain_text(name)
