"""The people page of a 60-member circle: a part at a time, with "Show more people", with and without JavaScript.

The organiser, without JavaScript, sees the first PEOPLE_LIMIT members and a summary by role, goes
on with the keyboard to the next part, changes the role of someone found there and is brought back
to that part, moves through the invitations waiting ten at a time, and comes back to the start.
With JavaScript, a later part follows a change made elsewhere without a reload. axe and
the first-HTML budget (14,336 bytes) are checked on each page.
"""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import Browser, expect

from carecircle.circles.models import InvitationChannel, Membership, Role
from carecircle.circles.pages import INVITATIONS_LIMIT, PEOPLE_LIMIT
from carecircle.circles.services import invitation_create
from tests.browser.conftest import make_checked, sign_in, signed_in_without_javascript
from tests.cast import build_cast
from tests.circles.conftest import add_members

MEMBERS = 60
INVITED = 15


def test_show_more_people_with_and_without_javascript(server: str, browser: Browser) -> None:
    cast = build_cast()
    add_members(circle=cast.circle, actor=cast.organiser, how_many=MEMBERS - cast.circle.memberships.count())
    for number in range(INVITED):
        invitation_create(
            actor=cast.organiser,
            circle=cast.circle,
            role=Role.HELPER,
            channel=InvitationChannel.LINK,
            name=f"Guest {number}",
        )
    url = f"{server}{reverse('circles:members', kwargs={'circle_id': cast.circle.pk})}"
    rows = "[data-live-src] li[data-member]"

    without_script = signed_in_without_javascript(browser, server, cast.organiser)
    try:
        page = without_script.page
        page.goto(url)
        expect(page.locator(rows)).to_have_count(PEOPLE_LIMIT)
        expect(page.get_by_text(f"Showing 1 to {PEOPLE_LIMIT} of {MEMBERS} people.")).to_be_visible()
        expect(page.get_by_role("link", name="Invite someone")).to_be_visible()
        without_script.check("people, first part")
        more = page.get_by_role("navigation", name="More people").get_by_role("link", name="Show more people")
        more.focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(rf"\?from={PEOPLE_LIMIT}#people$"))
        expect(page.locator(rows)).to_have_count(PEOPLE_LIMIT)
        without_script.check("people, second part")
        row = page.locator(rows).first
        name = row.locator("strong").inner_text()
        row.get_by_role("link", name=f"Change role of {name}").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Change {name}'s role")
        page.locator("select[name=role]").select_option(Role.PAID_CARER.value)
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".messages")).to_contain_text(name)
        # Back on the part the role was changed from, not the first part.
        expect(page).to_have_url(re.compile(rf"\?from={PEOPLE_LIMIT}#people$"))
        expect(
            page.get_by_text(f"Showing {PEOPLE_LIMIT + 1} to {2 * PEOPLE_LIMIT} of {MEMBERS} people.")
        ).to_be_visible()
        without_script.check("people, second part after saving a role")
        # The invitations waiting: their count here, ten at a time on their own page; cancelling one
        # from a later part comes back to that part.
        expect(page.get_by_text(f"{INVITED} invitations are waiting for an answer.")).to_be_visible()
        page.get_by_role("link", name="See them, or cancel one").click()
        expect(page.get_by_text(f"Showing 1 to {INVITATIONS_LIMIT} of {INVITED} invitations.")).to_be_visible()
        page.get_by_role("navigation", name="More invitations").get_by_role(
            "link", name="Show more invitations"
        ).click()
        expect(
            page.get_by_text(f"Showing {INVITATIONS_LIMIT + 1} to {INVITED} of {INVITED} invitations.")
        ).to_be_visible()
        without_script.check("later invitations")
        page.get_by_role("button", name="Cancel the invitation for Guest 0").click()
        expect(page.locator(".messages")).to_contain_text("Cancelled the invitation for Guest 0.")
        expect(page).to_have_url(re.compile(rf"\?invited_from={INVITATIONS_LIMIT}$"))
        expect(
            page.get_by_text(f"Showing {INVITATIONS_LIMIT + 1} to {INVITED - 1} of {INVITED - 1} invitations.")
        ).to_be_visible()
        page.get_by_role("link", name="Back to the newest invitations").click()
        expect(page.get_by_text(f"Showing 1 to {INVITATIONS_LIMIT} of {INVITED - 1} invitations.")).to_be_visible()
        page.get_by_role("link", name="People", exact=True).click()
        page.get_by_role("link", name="Show more people").click()
        page.get_by_role("link", name="Back to the first people").click()
        expect(page.get_by_text(f"Showing 1 to {PEOPLE_LIMIT} of {MEMBERS} people.")).to_be_visible()
    finally:
        without_script.close()
    assert Membership.objects.filter(circle=cast.circle, role=Role.PAID_CARER).count() == 2

    organiser = make_checked(sign_in(browser.new_context(), server, cast.organiser))
    other_tab = make_checked(sign_in(browser.new_context(), server, cast.organiser))
    try:
        page = organiser.page
        page.goto(url)
        page.get_by_role("link", name="Show more people").click()
        expect(page.locator(rows)).to_have_count(PEOPLE_LIMIT)
        last = Membership.objects.get(pk=int(page.locator(rows).last.get_attribute("data-member") or 0))
        edit = reverse("circles:member_edit", kwargs={"circle_id": cast.circle.pk, "member_id": last.pk})
        other_tab.page.goto(f"{server}{edit}")
        other_tab.page.locator("input[name=relationship]").fill("next-door neighbour")
        other_tab.page.get_by_role("button", name="Save").click()
        expect(other_tab.page.locator(".messages")).to_contain_text("Saved the changes")
        # The later part follows the change without a reload, and stays the same part.
        expect(page.locator(f"li[data-member='{last.pk}']")).to_contain_text("next-door neighbour", timeout=10_000)
        expect(page.locator(rows)).to_have_count(PEOPLE_LIMIT)
        expect(page.get_by_role("link", name="Back to the first people")).to_be_visible()
        organiser.check("people, second part after a live update")
    finally:
        organiser.close()
        other_tab.close()
