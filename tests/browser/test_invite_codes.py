"""An organisation offers CareCircle: an admin sets its page's colours, a coordinator makes an invite
code, and someone starts a circle with it after agreeing; a family organiser links their circle to a
referral. With and without JavaScript, axe on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from carecircle.circles.models import Membership
from carecircle.orgs.access import access_organisation
from carecircle.orgs.branding import readable_on_white
from carecircle.orgs.circle_links import circle_link_request
from carecircle.orgs.models import OrganisationCircle, OrganisationStaff, StaffRole
from carecircle.orgs.referral_services import referral_move
from carecircle.orgs.services import organisation_staff_add
from tests.browser.conftest import Checked, make_checked, sign_in
from tests.cast import build_cast
from tests.orgs.conftest import make_referral, quick_user


def _as(browser: Browser, server: str, user: object, *, javascript: bool) -> tuple[Checked, list[BrowserContext]]:
    context = browser.new_context(java_script_enabled=javascript)
    sign_in(context, server, user)
    if javascript:
        return make_checked(context), [context]
    axe_context = browser.new_context()
    return make_checked(context, axe_page=axe_context.new_page()), [context, axe_context]


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_branded_page_and_a_code_start_a_linked_circle(server: str, browser: Browser, javascript: bool) -> None:
    cast = build_cast()
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    admin = quick_user("admin@example.org", "Ada Admin")
    organisation_staff_add(actor=None, organisation=organisation, user=admin, role=StaffRole.ADMIN)
    contexts: list[BrowserContext] = []

    staff, opened = _as(browser, server, admin, javascript=javascript)
    contexts += opened
    page = staff.page
    page.goto(f"{server}/organisations/{organisation.pk}/page")
    page.get_by_label("Welcome").fill("Riverside Volunteers helps families in Wrexham.")
    page.get_by_label("Banner colour").fill("#ffcc00")
    page.get_by_label("Links and buttons colour").fill("#ffcc00")
    page.get_by_role("button", name="Save your page").click()
    expect(page.get_by_text("Your page has been saved.")).to_be_visible()
    expect(
        page.get_by_text(
            f"#ffcc00 was too light to read on white, so it is shown darker, as {readable_on_white('#ffcc00')}"
        )
    ).to_be_visible()
    staff.check("the organisation's page settings")
    page.get_by_role("link", name="Invite codes").click()
    page.get_by_label("What it is for").fill("Carers' centre leaflet")
    page.get_by_label("How many circles it can start").fill("10")
    page.get_by_role("button", name="Make the code").click()
    message = page.get_by_text("Write it down now").inner_text()
    staff.check("the invite codes")
    found = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", message)
    assert found is not None

    family_user = quick_user("rhys@example.org", "Rhys Jones")
    family, opened = _as(browser, server, family_user, javascript=javascript)
    contexts += opened
    page = family.page
    page.goto(f"{server}/with/{organisation.slug}/")
    expect(page.get_by_text("Riverside Volunteers helps families in Wrexham.")).to_be_visible()
    family.check("the organisation's branded page")
    page.get_by_label("Your code").fill("nope")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("That code doesn't work here.").first).to_be_visible()
    family.check("the branded page with a wrong code")
    page.get_by_label("Your code").fill(found.group(0).lower())
    page.get_by_role("button", name="Continue").click()
    expect(
        page.get_by_text("They will not see anything in the circle unless someone in it invites them.")
    ).to_be_visible()
    page.get_by_label("Name of the person the circle is for").fill("Mary Jones")
    page.get_by_label("The person themselves").check()
    page.get_by_role("button", name="Start the circle").click()
    expect(page.get_by_text("Tick the box to say they agree").first).to_be_visible()
    family.check("the consent step with an error")
    page.get_by_label("They agree to what is written above").check()
    page.get_by_role("button", name="Start the circle").click()
    expect(page.get_by_text("The circle for Mary Jones has started.")).to_be_visible()
    link = OrganisationCircle.objects.get()
    assert (link.organisation, link.consent_given_by, link.circle.person_name) == (organisation, "person", "Mary Jones")
    for each in contexts:
        each.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_family_organiser_links_their_circle_to_a_referral(server: str, browser: Browser, javascript: bool) -> None:
    cast = build_cast()
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    access = access_organisation(user=cast.org_staff, organisation_id=organisation.pk)
    referral = make_referral(organisation, person_name="Dad")
    referral_move(access=access, referral=referral, to="accepted")
    _, token = circle_link_request(access=access, referral=referral, email=cast.organiser.email, consent_confirmed=True)
    organiser, contexts = _as(browser, server, cast.organiser, javascript=javascript)
    page = organiser.page
    page.goto(f"{server}/circle-links/{token}/")
    expect(page.get_by_role("heading", name="Riverside Volunteers asks to join your circle")).to_be_visible()
    organiser.check("the request to link a circle")
    page.get_by_role("button", name="Yes, link this circle").click()
    expect(page.get_by_text("The circle is linked to Riverside Volunteers.")).to_be_visible()
    organiser.check("the circle's people after linking")
    referral.refresh_from_db()
    assert referral.circle == cast.circle
    assert not Membership.objects.filter(circle=cast.circle, user=cast.org_staff).exists()
    for each in contexts:
        each.close()
