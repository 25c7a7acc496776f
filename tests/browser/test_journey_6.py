"""Journey 6 (PRODUCT.md): a voluntary organisation receives a referral from a GP surgery, triages it,
assigns a volunteer, starts a circle with the person's consent, and the referrer is told the outcome.

The GP uses the public referral form with no account; the coordinator works the pipeline with plain
form posts. axe checks every page on the way; the staff part runs with JavaScript off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from carecircle.notifications.models import Delivery
from carecircle.orgs.models import OrganisationStaff, Referral, StaffRole
from carecircle.orgs.services import organisation_staff_add
from tests.browser.conftest import make_checked, signed_in_without_javascript
from tests.cast import build_cast, make_user
from tests.servers import running_server


@pytest.fixture
def intake_server(transactional_db: None) -> Iterator[str]:
    """A server where the form's "too fast for a person" check allows a test browser's speed."""
    with running_server(env={"ORGS_INTAKE_FASTEST_SECONDS": "0"}, with_worker=True) as base_url:
        yield base_url


def test_journey_6_a_gp_refers_and_the_organisation_takes_it_to_a_circle(intake_server: str, browser: Browser) -> None:
    server = intake_server
    cast = build_cast()
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    volunteer = make_user("volunteer", display_name="Val Volunteer")
    organisation_staff_add(actor=None, organisation=organisation, user=volunteer, role=StaffRole.VOLUNTEER)

    # The GP surgery refers Edna through the public form, with no account.
    gp_context = browser.new_context()
    gp = make_checked(gp_context)
    gp.page.goto(f"{server}/refer/{organisation.slug}/")
    gp.check("the public referral form")
    page = gp.page
    page.get_by_label("Their full name").fill("Edna Hughes")
    page.get_by_label("Their date of birth").fill("1938-02-11")
    page.get_by_label("Their postcode").fill("ll11 1aa")
    page.get_by_label("Their phone number").fill("01978 123456")
    page.get_by_label("Company and loneliness").check()
    page.get_by_label("Lifts and transport").check()
    page.get_by_label("Tell us more").fill("Lives alone since her husband died; would like company.")
    page.get_by_label("Soon").check()
    page.get_by_label("Who is making this referral?").select_option("gp")
    page.get_by_label("Your name").fill("Dr Patel")
    page.get_by_label("Your email address").fill("dr.patel@surgery.example.org")
    page.get_by_label("The person themselves").check()
    page.get_by_label("They agreed to this referral and to us keeping these details").check()
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: the referral is sent")
    gp.check("referral sent")
    referral = Referral.objects.get(person_name="Edna Hughes")
    expect(page.get_by_text(referral.reference)).to_be_visible()

    # The coordinator works it with JavaScript off: triage, accept, assign, first contact, a circle.
    staff = signed_in_without_javascript(browser, server, cast.org_staff)
    page = staff.page
    page.goto(f"{server}/organisations/{organisation.pk}/referrals/")
    staff.check("referrals list")
    page.get_by_role("link", name="Board").click()
    staff.check("referrals board")
    page.get_by_role("link", name="Edna Hughes").click()
    staff.check("the referral")
    page.get_by_role("button", name="Mark as triaged").click()
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text(f"{referral.reference} is now accepted.")).to_be_visible()
    page.get_by_label("Assign to").select_option(label="Val Volunteer (volunteer)")
    page.get_by_role("button", name="Assign").click()
    page.get_by_label("What happened when you reached them").fill("Spoke to Edna; she'd like visits.")
    page.get_by_role("button", name="We've contacted them").click()
    page.get_by_label("Edna Hughes agreed to a family circle").check()
    page.get_by_label("A family member to organise it").fill("Sian")
    page.get_by_label("Their email address").fill("sian@example.org")
    page.get_by_role("button", name="Start a circle").click()
    expect(page.get_by_text("Edna Hughes's circle is started.")).to_be_visible()
    staff.check("the referral with its circle")
    referral.refresh_from_db()
    assert referral.status == "assigned"
    assert referral.assigned_to == volunteer
    assert referral.circle is not None
    assert referral.first_contact_at is not None

    # The GP was told it was accepted, and the private status page says so.
    notice = Delivery.objects.get(to="dr.patel@surgery.example.org")
    link = re.search(r"/referral-status/[^/\s]+/", notice.body)
    assert link is not None
    gp.page.goto(f"{server}{link.group(0)}")
    expect(gp.page.get_by_text("has accepted this referral")).to_be_visible()
    gp.check("the referrer's status page")
    gp_context.close()
    staff.close()
