"""The family's side of an organisation's request to link their circle, answered in the app: the
organiser sees it on their circles page, opens it, chooses the circle and says yes; or says no.
With and without JavaScript, axe on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from carecircle.accounts.services import user_verify_email
from carecircle.circles.services import circle_create
from carecircle.orgs.access import access_organisation
from carecircle.orgs.circle_links import circle_link_request
from carecircle.orgs.models import CircleLinkRequest, OrganisationStaff, Referral
from carecircle.orgs.referral_services import referral_move
from tests.browser.conftest import Checked, make_checked, sign_in
from tests.cast import Cast, build_cast
from tests.orgs.conftest import make_referral


def _as(browser: Browser, server: str, user: object, *, javascript: bool) -> tuple[Checked, list[BrowserContext]]:
    context = browser.new_context(java_script_enabled=javascript)
    sign_in(context, server, user)
    if javascript:
        return make_checked(context), [context]
    axe_context = browser.new_context()
    return make_checked(context, axe_page=axe_context.new_page()), [context, axe_context]


def _asked() -> tuple[Cast, Referral]:
    cast = build_cast()
    user_verify_email(user=cast.organiser)
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    access = access_organisation(user=cast.org_staff, organisation_id=organisation.pk)
    referral = make_referral(organisation, person_name="Mary Jones")
    referral_move(access=access, referral=referral, to="accepted")
    circle_link_request(access=access, referral=referral, email=cast.organiser.email, consent_confirmed=True)
    return cast, referral


def _open_from_circles_page(organiser: Checked, server: str) -> None:
    page = organiser.page
    page.goto(f"{server}/circles/")
    expect(page.get_by_role("heading", name="Waiting for your answer")).to_be_visible()
    organiser.check("the circles page with a request waiting")
    page.get_by_role("link", name="Riverside Volunteers asks to join your circle").click()
    expect(page.get_by_role("heading", name="Riverside Volunteers asks to join your circle")).to_be_visible()
    expect(page.get_by_role("heading", name="What happens if you say yes")).to_be_visible()
    organiser.check("the request, opened in the app")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_organiser_links_a_circle_from_their_circles_page(server: str, browser: Browser, javascript: bool) -> None:
    cast, referral = _asked()
    # A second circle they organise, so they really choose.
    circle_create(actor=cast.organiser, person_name="Grandma Rose", relationship="granddaughter")
    organiser, contexts = _as(browser, server, cast.organiser, javascript=javascript)
    _open_from_circles_page(organiser, server)
    page = organiser.page
    page.get_by_role("button", name="Yes, link this circle").click()
    expect(page.get_by_text("Choose the circle to link, or say no.").first).to_be_visible()
    organiser.check("the request, with no circle chosen")
    page.get_by_label("The circle for Dad").check()
    page.get_by_role("button", name="Yes, link this circle").click()
    expect(page.get_by_text("The circle is linked to Riverside Volunteers.")).to_be_visible()
    organiser.check("the circle's people after linking")
    referral.refresh_from_db()
    assert referral.circle == cast.circle
    page.goto(f"{server}/circles/")
    expect(page.get_by_role("heading", name="Your circles")).to_be_visible()
    expect(page.get_by_role("heading", name="Waiting for your answer")).to_have_count(0)
    for each in contexts:
        each.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_organiser_says_no_from_their_circles_page(server: str, browser: Browser, javascript: bool) -> None:
    cast, referral = _asked()
    organiser, contexts = _as(browser, server, cast.organiser, javascript=javascript)
    _open_from_circles_page(organiser, server)
    page = organiser.page
    page.get_by_role("button", name="No, don't link a circle").click()
    expect(page.get_by_text("Thank you. Nothing was linked, and the organisation has been told.")).to_be_visible()
    organiser.check("the circles page after saying no")
    assert CircleLinkRequest.objects.get().status == "declined"
    referral.refresh_from_db()
    assert referral.circle is None
    for each in contexts:
        each.close()
