"""axe-core finds nothing on the organisation pages: a coordinator's, an admin's and a commissioner's,
with referrals in several states so the tables, cards, charts and forms are all drawn."""

from __future__ import annotations

from django.urls import reverse
from playwright.sync_api import Browser

from carecircle.orgs.models import OrganisationStaff, StaffRole
from carecircle.orgs.services import commissioner_add
from tests.browser.conftest import make_checked, sign_in
from tests.cast import build_cast, make_user
from tests.orgs.conftest import make_referral


def test_every_organisation_page_is_accessible(server: str, browser: Browser) -> None:
    from carecircle.orgs.access import access_organisation
    from carecircle.orgs.referral_services import referral_assign, referral_contact_record, referral_move

    cast = build_cast()
    staff = OrganisationStaff.objects.get(user=cast.org_staff)
    organisation = staff.organisation
    organisation.area = "Wrexham"
    organisation.save(update_fields=["area"])
    OrganisationStaff.objects.filter(pk=staff.pk).update(role=StaffRole.ADMIN)
    access = access_organisation(user=cast.org_staff, organisation_id=organisation.pk)
    referrals = [make_referral(organisation, person_name=f"Person {number}") for number in range(8)]
    make_referral(organisation, person_name="Person 0")  # a possible duplicate
    for referral in referrals[:5]:
        referral = referral_move(access=access, referral=referral, to="accepted")
        referral = referral_assign(access=access, referral=referral, assignee=cast.org_staff)
        referral_contact_record(access=access, referral=referral)
    referral_move(access=access, referral=referrals[6], to="declined", reason="Out of area")
    commissioner = make_user("commissioner")
    commissioner_add(actor=None, user=commissioner, area="Wrexham")
    kwargs = {"organisation_id": organisation.pk}
    one = {**kwargs, "referral_id": referrals[0].pk}
    pages = [
        reverse("orgs:list"),
        reverse("orgs:home", kwargs=kwargs),
        reverse("orgs:referrals", kwargs=kwargs),
        reverse("orgs:referrals", kwargs=kwargs) + "?status=new&overdue=1",
        reverse("orgs:referral_board", kwargs=kwargs),
        reverse("orgs:referral_new", kwargs=kwargs),
        reverse("orgs:referral_import", kwargs=kwargs),
        reverse("orgs:staff", kwargs=kwargs),
        reverse("orgs:reports", kwargs=kwargs),
        reverse("orgs:referral", kwargs=one),
    ]
    for user, paths in ((cast.org_staff, pages), (commissioner, [reverse("orgs:commissioning")])):
        context = browser.new_context()
        sign_in(context, server, user)
        checked = make_checked(context)
        for path in paths:
            checked.page.goto(server + path)
            checked.check(f"{path} as {user.display_name}")
        context.close()
