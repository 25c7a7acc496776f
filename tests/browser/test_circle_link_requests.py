"""A coordinator asks a family to link their circle, finds the request waiting in the organisation's list,
and withdraws it (sent to the wrong address), with JavaScript off; axe checks every page.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from carecircle.orgs.access import access_organisation
from carecircle.orgs.models import CircleLinkRequest, OrganisationStaff
from carecircle.orgs.referral_services import ReferralInput, referral_create, referral_move
from tests.browser.conftest import signed_in_without_javascript
from tests.cast import build_cast
from tests.servers import running_server


@pytest.fixture
def org_server(transactional_db: None) -> Iterator[str]:
    with running_server() as base_url:
        yield base_url


def test_a_coordinator_asks_finds_the_request_waiting_and_withdraws_it(org_server: str, browser: Browser) -> None:
    server = org_server
    cast = build_cast()
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    access = access_organisation(user=cast.org_staff, organisation_id=organisation.pk)
    referral, _ = referral_create(
        actor=None,
        organisation=organisation,
        data=ReferralInput(person_name="Edna Hughes", consent_given_by="person", consent_to="Contact"),
        via="in a test",
    )
    referral_move(access=access, referral=referral, to="accepted")

    staff = signed_in_without_javascript(browser, server, cast.org_staff)
    page = staff.page
    page.goto(f"{server}/organisations/{organisation.pk}/referrals/{referral.pk}/")
    page.get_by_label("Edna Hughes agreed that we join their family's circle").check()
    page.get_by_label("The circle organiser's email address").fill("sain@example.org")
    page.get_by_role("button", name="Ask to link their circle").click()
    expect(page.get_by_text("We've emailed sain@example.org.")).to_be_visible()

    page.get_by_role("link", name="Circle link requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Circle link requests")
    staff.check("circle link requests, one waiting")
    row = page.get_by_role("row").filter(has_text="sain@example.org")
    expect(row).to_contain_text(f"{referral.reference} · Edna Hughes")
    expect(row).to_contain_text(cast.org_staff.display_name)
    row.get_by_role("button", name="Withdraw the request to sain@example.org").click()
    expect(page.get_by_text("The request to sain@example.org is withdrawn")).to_be_visible()
    expect(page.get_by_text("No requests are waiting for an answer.")).to_be_visible()
    staff.check("circle link requests, none waiting")
    assert CircleLinkRequest.objects.get(referral=referral).status == "withdrawn"
    staff.close()
