"""Someone taken off an organisation's staff: their open referral list shows at once that they lost it.

The admin removes them from the staff page; the removed volunteer's open list, without a reload by
them, turns into "Page not found" (the refetch is refused, so the page reloads into the refusal).
Without JavaScript the same list shows "Page not found" on its next load.
"""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from carecircle.accounts.models import User
from carecircle.orgs.access import access_organisation
from carecircle.orgs.models import OrganisationStaff, StaffRole
from carecircle.orgs.referral_services import ReferralInput, referral_assign, referral_create, referral_move
from carecircle.orgs.services import organisation_staff_add
from tests.browser.conftest import make_checked, sign_in, signed_in_without_javascript
from tests.cast import build_cast


def test_a_volunteer_taken_off_the_staff_loses_their_open_list_at_once(server: str, browser: Browser) -> None:
    cast = build_cast()
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    admin = User.objects.create_user(email="ada@example.org", password=None, display_name="Ada Admin")
    organisation_staff_add(actor=None, organisation=organisation, user=admin, role=StaffRole.ADMIN)
    val = User.objects.create_user(email="val@example.org", password=None, display_name="Val Volunteer")
    organisation_staff_add(actor=None, organisation=organisation, user=val, role=StaffRole.VOLUNTEER)
    access = access_organisation(user=cast.org_staff, organisation_id=organisation.pk)
    referral, _ = referral_create(
        actor=None,
        organisation=organisation,
        data=ReferralInput(person_name="Edna Hughes", consent_given_by="person", consent_to="Being contacted"),
        via="through the API",
    )
    referral_assign(
        access=access, referral=referral_move(access=access, referral=referral, to="accepted"), assignee=val
    )
    base = f"{server}/organisations/{organisation.pk}"

    volunteer = make_checked(sign_in(browser.new_context(), server, val))
    list_page = volunteer.page
    list_page.goto(f"{base}/referrals/")
    expect(list_page.locator("[data-live-status]")).to_have_text("Live: changes appear as they happen.")
    expect(list_page.get_by_role("link", name="Edna Hughes")).to_be_visible()

    # The admin, in their own browser, takes Val off the staff.
    managing = make_checked(sign_in(browser.new_context(), server, admin))
    managing.page.goto(f"{base}/staff/")
    managing.page.get_by_role("button", name="Remove Val Volunteer").click()
    expect(managing.page.get_by_text("Val Volunteer is no longer on the staff.")).to_be_visible()
    managing.check("the staff page after removing a volunteer")
    managing.close()

    # Val's open list shows she lost access, and nothing of Edna's referral is left on it.
    expect(list_page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(list_page.get_by_text("Edna Hughes")).to_have_count(0)
    volunteer.check("a list whose reader was taken off the staff")
    volunteer.close()

    # Without JavaScript: the list, loaded again, is refused the same way.
    plain = signed_in_without_javascript(browser, server, val)
    plain.page.goto(f"{base}/referrals/")
    expect(plain.page.get_by_role("heading", name="Page not found")).to_be_visible()
    plain.close()
