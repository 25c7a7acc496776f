"""Find local support in a browser: a helper in a circle looks for carers' support, and a coordinator
records where a referred person was sent and, later, that she went, with JavaScript off. axe checks every
page on the way."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from carecircle.orgs.directory import directory_import
from carecircle.orgs.models import OrganisationStaff, Signposting
from carecircle.orgs.support_offers import uk_today
from carecircle.web.demo_orgs import DIRECTORY_FILE
from tests.browser.conftest import make_checked, sign_in, signed_in_without_javascript
from tests.cast import build_cast
from tests.orgs.conftest import make_referral


def test_finding_local_support_and_recording_a_referral_to_it(server: str, browser: Browser) -> None:
    cast = build_cast()
    directory_import(DIRECTORY_FILE.read_bytes())
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    referral = make_referral(organisation, person_name="Edna Hughes", needs=["loneliness"], person_postcode="LL11 2AB")

    # A helper in Dad's circle looks for support for themself.
    helper_context = browser.new_context()
    sign_in(helper_context, server, cast.helper)
    helper = make_checked(helper_context)
    helper.page.goto(f"{server}/local-support/")
    helper.check("find local support, empty")
    helper.page.get_by_label("What would help").select_option(
        label="Support for you while you help someone (breaks, advice, a carer's assessment)"
    )
    helper.page.get_by_label("Postcode or town").fill("ll11 3zz")
    helper.page.get_by_role("button", name="Search").click()
    expect(helper.page.get_by_role("heading", name="Wrexham Carers Centre")).to_be_visible()
    expect(helper.page.get_by_role("heading", name="In LL11")).to_be_visible()
    helper.check("find local support, carers' services")

    # The coordinator, with JavaScript off, finds a lunch club for Edna and records it.
    staff = signed_in_without_javascript(browser, server, cast.org_staff)
    page = staff.page
    page.goto(f"{server}/organisations/{organisation.pk}/referrals/{referral.pk}/")
    page.get_by_role("link", name="Find local support for Edna Hughes").click()
    expect(page.get_by_label("Postcode or town")).to_have_value("LL11 2AB")
    staff.check("find local support for a referral")
    page.get_by_label("A note").first.fill("She'd like Tuesdays")
    page.get_by_role("button", name="We referred them here to Tuesday Lunch Club").click()
    expect(page.get_by_text("Recorded: Edna Hughes was sent to Tuesday Lunch Club.")).to_be_visible()
    expect(page.get_by_role("heading", name="Where we sent them")).to_be_visible()
    staff.check("the referral with where they were sent")
    sent = Signposting.objects.get(referral=referral)
    assert sent.service_name == "Tuesday Lunch Club"

    # Later the coordinator hears that Edna went, and records it on the same page.
    page.get_by_label("Did they use it?").select_option(label="Used it")
    known_on = uk_today()  # once: worked out again after the save, it could be the next day
    page.get_by_label("Known on").fill(known_on.isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Recorded for Tuesday Lunch Club: used it.")).to_be_visible()
    expect(page.get_by_label("Did they use it?")).to_have_value("used")
    expect(page.get_by_text("Used Tuesday Lunch Club (known on")).to_be_visible()
    staff.check("the referral after recording that she used the service")
    sent.refresh_from_db()
    assert (sent.use, sent.used_on) == ("used", known_on)
    helper_context.close()
    staff.close()
