"""The record's long lists a part at a time: "Show more", delete and undo from a later part, with and without JS.

The organiser, without JavaScript, opens a list of 30 contacts, goes on with the keyboard to the
second part, deletes a contact found there (the card's button submits the list's one form), and
restores it from the line under "Deleted". On the medications page the summary line counts the
medicines taken now and stopped, and the stopped ones are a link away. With JavaScript, a later
part follows a change made elsewhere without a reload. axe and the first-HTML budget (14,336
bytes) are checked on each page.
"""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import Browser, expect

from carecircle.records.models import RecordEntry
from carecircle.records.sections import SECTION_BY_KEY
from carecircle.records.services import entry_create
from tests.browser.conftest import make_checked, sign_in, signed_in_without_javascript
from tests.cast import build_cast

CONTACTS = 30
MEDICINES = 24


def test_show_more_contacts_delete_and_undo_with_and_without_javascript(server: str, browser: Browser) -> None:
    cast = build_cast()
    for number in range(CONTACTS):
        values = {"name": f"Contact {number:02}", "role": "pharmacy", "phone": "01632 960001"}
        entry_create(actor=cast.organiser, circle=cast.circle, section=SECTION_BY_KEY["contacts"], values=values)
    for number in range(MEDICINES):
        values = {"name": f"Medicine {number:02}", "dose": "1 tablet", "stopped": "2024-01-01" if number % 3 else ""}
        entry_create(actor=cast.organiser, circle=cast.circle, section=SECTION_BY_KEY["medications"], values=values)
    contacts = f"{server}{reverse('records:section', args=[cast.circle.pk, 'contacts'])}"
    medications = f"{server}{reverse('records:section', args=[cast.circle.pk, 'medications'])}"
    cards = "[data-live-src] li.entry"

    without_script = signed_in_without_javascript(browser, server, cast.organiser)
    try:
        page = without_script.page
        page.goto(contacts)
        shown = page.locator(cards).count()
        assert 1 < shown <= 10
        expect(page.get_by_text(f"1 to {shown} of {CONTACTS} key contacts.")).to_be_visible()
        without_script.check("contacts, first part")
        pages = page.get_by_role("navigation", name="Pages of key contacts")
        more = pages.get_by_role("link", name="Show more of key contacts")
        more.focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(rf"\?from={shown}#entries$"))
        expect(page.get_by_text(re.compile(rf"^{shown + 1} to \d+ of {CONTACTS} key contacts\.$"))).to_be_visible()
        without_script.check("contacts, second part")
        name = page.locator(cards).first.locator("h2").inner_text()
        page.get_by_role("button", name=f"Delete {name}").click()
        expect(page.locator(".messages")).to_contain_text(f"Deleted {name}.")
        deleted = page.locator("#deleted + p + ul li").first
        expect(deleted).to_contain_text(name)
        without_script.check("contacts after a delete")
        deleted.get_by_role("button", name=f"Undo: restore {name}").click()
        expect(page.locator(".messages")).to_contain_text(f"Restored {name}.")
        page.goto(f"{contacts}?from={shown}")
        page.get_by_role("link", name="Back to the start of key contacts").click()
        expect(page.get_by_text(f"1 to {shown} of {CONTACTS} key contacts.")).to_be_visible()

        page.goto(medications)
        expect(page.get_by_text(f"{MEDICINES} medicines: 8 taken now, 16 stopped.")).to_be_visible()
        page.get_by_role("link", name="Show the stopped medicines").click()
        expect(page.get_by_role("heading", level=2, name="Stopped")).to_be_visible()
        expect(page.get_by_text(re.compile(r"^1 to \d+ of 16 stopped medicines\.$"))).to_be_visible()
        without_script.check("stopped medicines, first part")
    finally:
        without_script.close()
    assert RecordEntry.objects.filter(section="contacts", deleted_at__isnull=True).count() == CONTACTS

    organiser = make_checked(sign_in(browser.new_context(), server, cast.organiser))
    other_tab = make_checked(sign_in(browser.new_context(), server, cast.organiser))
    try:
        page = organiser.page
        page.goto(contacts)
        page.get_by_role("link", name="Show more of key contacts").click()
        expect(page).to_have_url(re.compile(r"\?from=\d+#entries$"))
        last = int((page.locator(cards).last.get_attribute("id") or "").removeprefix("entry-"))
        edit = reverse("records:entry_edit", args=[cast.circle.pk, "contacts", last])
        other_tab.page.goto(f"{server}{edit}")
        other_tab.page.locator("input[name=phone]").fill("01632 960999")
        other_tab.page.get_by_role("button", name="Save").click()
        expect(other_tab.page.locator(".messages")).to_contain_text("Saved the changes")
        # The later part follows the change without a reload, and stays the same part.
        expect(page.locator(f"#entry-{last}")).to_contain_text("+441632960999", timeout=10_000)
        expect(page.get_by_role("link", name="Back to the start of key contacts")).to_be_visible()
        organiser.check("contacts, second part after a live update")
    finally:
        organiser.close()
        other_tab.close()
