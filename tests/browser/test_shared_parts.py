"""The record a share link opens, a part at a time, in Chromium without JavaScript.

A practice nurse opens a link made with a code on a big record, gives the code (the real form, as
issue 9's lesson asks), reads the first page of every shared section, goes on through the key
contacts with "Show more" from the keyboard, back to the start and to the whole record. axe runs on
each page, and each page's HTML is weighed as sent (≤ 14,336 bytes uncompressed, and compressed on
the wire by Checked).
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from carecircle.notifications.models import Delivery
from carecircle.records.sections import SECTION_BY_KEY
from carecircle.records.services import entry_create, share_link_create
from tests.browser.conftest import make_checked
from tests.cast import build_cast

FIRST_HTML = 14_336
CONTACTS = 40


def test_a_nurse_reads_a_big_shared_record_a_part_at_a_time_without_javascript(server: str, browser: Browser) -> None:
    cast = build_cast()
    long_note = "Ask for the pharmacist on duty; the repeat prescription goes in on the first Monday. " * 2
    for number in range(CONTACTS):
        values = {"name": f"Contact {number:02}", "role": "pharmacy", "phone": "+442079460000", "notes": long_note}
        entry_create(actor=cast.organiser, circle=cast.circle, section=SECTION_BY_KEY["contacts"], values=values)
    for number in range(30):
        values = {"name": f"Medicine {number:02}", "strength": "5 mg", "schedule": "every morning"}
        if number % 3 == 0:
            values["stopped"] = "2024-01-01"
        entry_create(actor=cast.organiser, circle=cast.circle, section=SECTION_BY_KEY["medications"], values=values)
    _, token = share_link_create(
        actor=cast.organiser,
        circle=cast.circle,
        recipient="Practice nurse",
        sections=["medications", "contacts"],
        hours=24,
        code_channel="sms",
        code_to="+447700900123",
    )
    code = re.search(r"\b(\d{6})\b", Delivery.objects.get(to="+447700900123").body)
    assert code is not None
    link = f"{server}/shared/{token}/"
    nurse = make_checked(browser.new_context(java_script_enabled=False), axe_page=browser.new_context().new_page())
    page = nurse.page

    def weighed(label: str) -> None:
        nurse.check(label)
        body = page.context.request.get(page.url.split("#")[0]).body()
        assert len(body) <= FIRST_HTML, f"{label}: {len(body)} bytes"

    try:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(link)
        page.get_by_label("The code you were sent").fill(code.group(1))
        page.get_by_role("button", name="Open the record").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Dad's care record")
        contacts = page.locator("section", has=page.get_by_role("heading", level=2, name="Key contacts"))
        expect(contacts).to_be_visible()
        weighed("the shared record's first page")
        more = contacts.locator("p.pager a")
        expect(more).to_contain_text(re.compile("Show more|Show the list"))
        more.focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"\?section=contacts(&from=\d+)?#part-contacts$"))
        expect(page.get_by_role("heading", level=2)).to_have_text("Key contacts")
        expect(page.get_by_text(re.compile(rf"^\d+ to \d+ of {CONTACTS} key contacts\.$"))).to_be_visible()
        weighed("a part of the shared key contacts")
        seen = set(page.locator("li.entry h3").all_inner_texts())
        page.get_by_role("link", name="Show more of key contacts").click()
        expect(page).to_have_url(re.compile(r"\?section=contacts&from=\d+#part-contacts$"))
        later = set(page.locator("li.entry h3").all_inner_texts())
        assert later
        assert not later & seen, "a part never repeats the one before"
        weighed("the next part of the shared key contacts")
        page.get_by_role("link", name="Back to the start of key contacts").click()
        expect(page).to_have_url(re.compile(r"\?section=contacts#part-contacts$"))
        page.get_by_role("link", name="The whole shared record").click()
        expect(page.get_by_role("heading", level=2, name="Medications")).to_be_visible()
        # The medicines taken now and those stopped are two lists, as on the member's page.
        medications = page.locator("section", has=page.get_by_role("heading", level=2, name="Medications"))
        expect(medications.get_by_role("heading", level=3, name="Taken now")).to_be_visible()
        medications.get_by_role("link", name=re.compile("Show (more|the list)")).click()
        expect(page).to_have_url(re.compile(r"\?section=medications(&from=\d+)?#part-medications$"))
        expect(page.get_by_role("heading", level=3, name="Taken now")).to_be_visible()
        weighed("a part of the shared medications")
        while page.get_by_role("heading", level=3, name="Stopped").count() == 0:
            page.get_by_role("link", name="Show more of medications").click()
        stopped = page.locator("h3:text-is('Stopped') + ul li.entry h4").all_inner_texts()
        assert stopped
        assert all(int(name.split()[-1]) % 3 == 0 for name in stopped), stopped
        weighed("the shared medications' stopped part")
        # No part shows anything to change.
        expect(page.get_by_role("button", name=re.compile("Delete"))).to_have_count(0)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        nurse.close()
