"""The private offer of support in a browser, with JavaScript off: a helper whose logged help passed
the threshold sees it on the circle's home, opens the local services, turns it down for good, and it
stays gone. axe checks every page on the way."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from carecircle.orgs.directory import directory_import
from carecircle.orgs.models import OrganisationStaff, Referral, SupportOffer
from carecircle.orgs.support_offers import support_offers_refresh, uk_today, weeks_looked_at
from carecircle.web.demo_orgs import DIRECTORY_FILE
from tests.browser.conftest import make_checked, sign_in, signed_in_without_javascript
from tests.cast import build_cast
from tests.orgs.conftest import make_referral
from tests.orgs.test_support_offers import give_help


def test_a_helper_who_gives_a_lot_of_help_is_offered_support_and_turns_it_down(server: str, browser: Browser) -> None:
    cast = build_cast()
    directory_import(DIRECTORY_FILE.read_bytes())
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    referral = make_referral(organisation, person_name="Dad", person_postcode="LL11 2AB")
    Referral.objects.filter(pk=referral.pk).update(circle=cast.circle)
    give_help(circle=cast.circle, organiser=cast.organiser, helper=cast.helper, days=weeks_looked_at(uk_today())[1:])
    support_offers_refresh()

    helper = signed_in_without_javascript(browser, server, cast.helper)
    page = helper.page
    page.goto(f"{server}/circles/{cast.circle.pk}/")
    offer = page.get_by_role("region", name="Support for you")
    expect(offer).to_contain_text("You've given a lot of help lately.")
    expect(offer).to_contain_text("Only you can see this.")
    expect(offer.get_by_text("Wrexham Carers Centre", exact=True)).to_be_visible()
    helper.check("circle home with the offer of support")

    offer.get_by_role("link", name="Find local support for you").click()
    expect(page.get_by_label("Postcode or town")).to_have_value("LL11")
    expect(page.get_by_role("heading", name="Wrexham Carers Centre")).to_be_visible()
    helper.check("local support for the helper")

    page.go_back()
    page.get_by_role("button", name="Don't show this again").click()
    expect(page.get_by_text("Done. You won't see this again.")).to_be_visible()
    expect(page.get_by_role("region", name="Support for you")).to_have_count(0)
    helper.check("circle home after turning the offer down")
    assert SupportOffer.objects.get(user=cast.helper).dismissed_at is not None

    support_offers_refresh()
    page.reload()
    expect(page.get_by_role("heading", name="The people helping")).to_be_visible()
    expect(page.get_by_role("region", name="Support for you")).to_have_count(0)
    helper.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_an_organiser_gives_the_district_and_a_circle_with_no_referral_is_offered_support_near_it(
    server: str, browser: Browser, javascript: bool
) -> None:
    cast = build_cast()
    directory_import(DIRECTORY_FILE.read_bytes())
    give_help(circle=cast.circle, organiser=cast.organiser, helper=cast.helper, days=weeks_looked_at(uk_today())[1:])

    organiser = (
        make_checked(sign_in(browser.new_context(), server, cast.organiser))
        if javascript
        else signed_in_without_javascript(browser, server, cast.organiser)
    )
    page = organiser.page
    page.goto(f"{server}/circles/{cast.circle.pk}/edit/")
    district = page.get_by_label("The first part of their postcode (optional)")
    district.fill("Wrexham")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("main")).to_contain_text(
        "Enter the first part of a UK postcode, like LL11 or CF10, or leave it empty."
    )
    organiser.check("circle details with a place that isn't a postcode")

    page.get_by_label("The first part of their postcode (optional)").fill("ll11 2ab")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    organiser.check("circle home after saving the district")
    page.goto(f"{server}/circles/{cast.circle.pk}/edit/")
    expect(page.get_by_label("The first part of their postcode (optional)")).to_have_value("LL11")
    organiser.close()

    support_offers_refresh()
    helper = signed_in_without_javascript(browser, server, cast.helper)
    helper.page.goto(f"{server}/circles/{cast.circle.pk}/")
    offer = helper.page.get_by_role("region", name="Support for you")
    expect(offer.get_by_text("Wrexham Carers Centre", exact=True)).to_be_visible()
    helper.close()
