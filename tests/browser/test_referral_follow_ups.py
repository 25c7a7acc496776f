"""A coordinator adds a follow-up, marks it done and attaches a letter to a referral, with JavaScript
off; axe checks the referral page with each."""

from __future__ import annotations

import datetime
from pathlib import Path

from playwright.sync_api import Browser, expect

from carecircle.orgs.follow_ups import uk_today
from carecircle.orgs.models import FollowUp, OrganisationStaff, ReferralAttachment
from tests.browser.conftest import signed_in_without_javascript
from tests.cast import build_cast
from tests.orgs.conftest import make_referral


def test_follow_ups_and_attachments_on_a_referral(server: str, browser: Browser, tmp_path: Path) -> None:
    cast = build_cast()
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    referral = make_referral(organisation, person_name="Edna Hughes")
    letter = tmp_path / "GP letter.pdf"
    letter.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    staff = signed_in_without_javascript(browser, server, cast.org_staff)
    page = staff.page
    page.goto(f"{server}/organisations/{organisation.pk}/referrals/{referral.pk}/")
    yesterday = uk_today() - datetime.timedelta(days=1)
    page.get_by_label("Follow-up: what needs doing").fill("Ring Edna about Tuesday")
    page.get_by_label("Due by").fill(yesterday.isoformat())
    page.get_by_role("button", name="Add the follow-up").click()
    expect(page.get_by_text("Follow-up added.")).to_be_visible()
    expect(page.get_by_text(f"Overdue: due {yesterday:%a %-d %b %Y}")).to_be_visible()
    staff.check("the referral with an overdue follow-up")
    page.get_by_role("button", name="Mark done Ring Edna about Tuesday").click()
    expect(page.get_by_text("Done: Ring Edna about Tuesday").first).to_be_visible()
    page.get_by_label("Attach a letter or form").set_input_files(str(letter))
    page.get_by_role("button", name="Attach", exact=True).click()
    expect(page.get_by_text("GP letter.pdf is attached.")).to_be_visible()
    staff.check("the referral with an attachment")
    with page.expect_download() as download:
        page.get_by_role("link", name="GP letter.pdf").click()
    assert download.value.suggested_filename == "GP letter.pdf"
    assert FollowUp.objects.get().done_at is not None
    assert ReferralAttachment.objects.get().filename == "GP letter.pdf"
    staff.close()
