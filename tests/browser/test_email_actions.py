"""Acting from an email in Chromium, without signing in: the confirm page, its button, and thanks.

The helper opens "I'll do it" from the help-needed email: the page says what will happen and
changes nothing until the button is pressed; pressing it puts them down, and the same link then
says it has been used. The organiser opens "Say thank you" from the done email, writes a note and
sends it. axe checks each page.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from carecircle.conversations.models import ThankYou
from carecircle.notifications.models import Delivery
from carecircle.tasks.models import Assignment
from carecircle.tasks.services import occurrence_done, task_volunteer
from tests.browser.conftest import make_checked
from tests.cast import build_cast
from tests.tasks.conftest import circle_today, make_task

LINK = re.compile(r"(?:I'll do it|Say thank you to [^:]+): (\S+)")


def _link(recipient_id: int, key: str) -> str:
    body = Delivery.objects.get(recipient_id=recipient_id, channel="email", idempotency_key__startswith=key).body
    found = LINK.search(body)
    assert found is not None, body
    return found.group(1)


def test_a_helper_takes_help_and_an_organiser_says_thanks_from_emails(server: str, browser: Browser) -> None:
    cast = build_cast()
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to hospital")
    # The link points at SITE_URL; the same path on the test server.
    take = _link(cast.helper.pk, f"task-new-{task.pk}")
    path = take[take.index("/act/") :]
    checked = make_checked(browser.new_context())
    page = checked.page
    page.goto(f"{server}{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text("I'll do it: Lift to hospital")
    expect(page.get_by_text("Nothing changes until you press the button.")).to_be_visible()
    checked.check("email action confirm")
    assert not Assignment.objects.filter(task=task).exists()
    page.get_by_role("button", name="I'll do it").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("You're down for \u201cLift to hospital\u201d")
    checked.check("email action done")
    assert list(Assignment.objects.filter(task=task).values_list("user_id", flat=True)) == [cast.helper.pk]
    page.goto(f"{server}{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link doesn't work")
    expect(page.get_by_text("already been used")).to_be_visible()

    today = circle_today()
    visit = make_task(actor=cast.organiser, circle=cast.circle, title="Morning visit", start_date=today)
    task_volunteer(actor=cast.helper, task=visit, occurrence_date=today)
    occurrence_done(actor=cast.helper, task=visit, occurrence_date=today)
    thank = _link(cast.organiser.pk, f"task-done-{visit.pk}")
    page.goto(f"{server}{thank[thank.index('/act/') :]}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Say thank you: Morning visit")
    page.get_by_label("A few words of thanks (optional)").fill("Thank you for this morning")
    checked.check("email thanks confirm")
    page.get_by_role("button", name="Say thank you").click()
    expect(page.get_by_role("status")).to_contain_text(f"on their way to {cast.helper.display_name}")
    thanks = ThankYou.objects.get()
    assert (thanks.sender_id, thanks.recipient_id, thanks.note) == (
        cast.organiser.pk,
        cast.helper.pk,
        "Thank you for this morning",
    )
