"""The referrer is written to in the language they used: a GP refers in Welsh, a coordinator enters one in Polish.

The GP switches the public form to Welsh with the footer's switcher and later opens the private
status page on a browser that chose nothing: it is in Welsh. The coordinator picks Polish for the
referrer on "New referral" with JavaScript off. axe checks every page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from carecircle.notifications.models import Delivery
from carecircle.orgs.access import access_organisation
from carecircle.orgs.models import OrganisationStaff, Referral
from carecircle.orgs.referral_services import referral_move
from tests.browser.conftest import make_checked, signed_in_without_javascript
from tests.cast import build_cast
from tests.servers import running_server


@pytest.fixture
def intake_server(transactional_db: None) -> Iterator[str]:
    """A server where the form's "too fast for a person" check allows a test browser's speed."""
    with running_server(env={"ORGS_INTAKE_FASTEST_SECONDS": "0"}) as base_url:
        yield base_url


def test_a_welsh_gp_and_a_coordinator_choosing_polish_get_their_languages(intake_server: str, browser: Browser) -> None:
    server = intake_server
    cast = build_cast()
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation

    # The GP reads the form in Welsh, switched with the footer's switcher, and sends it.
    gp_context = browser.new_context()
    gp = make_checked(gp_context)
    page = gp.page
    page.goto(f"{server}/refer/{organisation.slug}/")
    page.get_by_role("button", name="Cymraeg").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Atgyfeirio rhywun at y sefydliad {organisation.name}")
    gp.check("the public referral form in Welsh")
    page.locator('[name="person_name"]').fill("Edna Hughes")
    page.locator('[name="contact_preference"][value="phone"]').check()
    page.locator('[name="urgency"][value="routine"]').check()
    page.locator('[name="referrer_email"]').fill("meddyg@feddygfa.example.org")
    page.locator('[name="consent_given_by"][value="person"]').check()
    page.locator('[name="consent_confirmed"]').check()
    page.locator('form:has([name="person_name"]) button[type="submit"]').click()
    gp.check("referral sent, in Welsh")
    referral = Referral.objects.get(person_name="Edna Hughes")
    assert referral.referrer_language == "cy"

    access = access_organisation(user=cast.org_staff, organisation_id=organisation.pk)
    referral_move(access=access, referral=referral, to="accepted")
    notice = Delivery.objects.get(to="meddyg@feddygfa.example.org")
    assert notice.subject.startswith(f"Mae eich atgyfeiriad {referral.reference}")
    link = re.search(r"/referral-status/[^/\s]+/", notice.body)
    assert link is not None
    reader_context = browser.new_context()  # the email opened elsewhere: no language chosen there
    reader = make_checked(reader_context)
    reader.page.goto(f"{server}{link.group(0)}")
    expect(reader.page.get_by_role("heading", level=1)).to_have_text(f"Atgyfeiriad {referral.reference}")
    reader.check("the status page in Welsh")

    # The coordinator enters a referral from a Polish-speaking social worker, JavaScript off.
    staff = signed_in_without_javascript(browser, server, cast.org_staff)
    page = staff.page
    page.goto(f"{server}/organisations/{organisation.pk}/referrals/new")
    staff.check("new referral, with the referrer's language")
    page.get_by_label("Their full name").fill("Jan Kowalski")
    page.get_by_label("Your email address").fill("pracownik@gmina.example.org")
    page.get_by_label("Language of emails to the referrer").select_option(label="Polski")
    page.get_by_label("The person themselves").check()
    page.get_by_label("They agreed to this referral and to us keeping these details").check()
    page.get_by_role("button", name="Add the referral").click()
    expect(page.get_by_text("Emails to them are in polski.")).to_be_visible()
    staff.check("the referral, with the referrer's language")
    assert Referral.objects.get(person_name="Jan Kowalski").referrer_language == "pl"
    for context in (gp_context, reader_context):
        context.close()
    staff.close()
