"""Fixtures for organisations: the cast's organisation, an admin, a volunteer, another organisation, a commissioner."""

from __future__ import annotations

import datetime
import html
from dataclasses import dataclass
from typing import Any

import pytest

from carecircle.accounts.models import User
from carecircle.orgs.access import OrganisationAccess, access_organisation
from carecircle.orgs.models import Organisation, OrganisationStaff, Referral, StaffRole
from carecircle.orgs.referral_services import ReferralInput, referral_create
from carecircle.orgs.services import (
    commissioner_add,
    organisation_create,
    organisation_staff_add,
)
from tests.cast import Cast


def quick_user(email: str, name: str) -> User:
    return User.objects.create_user(email=email, password=None, display_name=name)


@dataclass
class Org:
    organisation: Organisation
    coordinator: User
    admin: User
    volunteer: User
    other_organisation: Organisation
    other_staff: User
    commissioner: User


@pytest.fixture
def org(cast: Cast) -> Org:
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    organisation.area = "Wrexham"
    organisation.save(update_fields=["area"])
    admin = quick_user("admin@example.org", "Ada Admin")
    volunteer = quick_user("volunteer@example.org", "Val Volunteer")
    organisation_staff_add(actor=None, organisation=organisation, user=admin, role=StaffRole.ADMIN)
    organisation_staff_add(actor=None, organisation=organisation, user=volunteer, role=StaffRole.VOLUNTEER)
    other = organisation_create(actor=None, name="Hillside Helpers", area="Flintshire")
    other_staff = quick_user("hillside@example.org", "Hal Hillside")
    organisation_staff_add(actor=None, organisation=other, user=other_staff, role=StaffRole.ADMIN)
    commissioner = quick_user("commissioner@example.org", "Cara Commissioner")
    commissioner_add(actor=None, user=commissioner, area="Wrexham", body="Wrexham Council")
    return Org(
        organisation=organisation,
        coordinator=cast.org_staff,
        admin=admin,
        volunteer=volunteer,
        other_organisation=other,
        other_staff=other_staff,
        commissioner=commissioner,
    )


def make_referral(organisation: Organisation, **fields: Any) -> Referral:
    """A referral received through the service (as the public form would), with any field overridden."""
    values: dict[str, Any] = {
        "person_name": "Mary Jones",
        "consent_given_by": "person",
        "consent_to": "Being contacted by the organisation",
        "person_date_of_birth": datetime.date(1940, 5, 17),
        "person_postcode": "LL11 1AA",
        "needs": ["loneliness"],
        "source": "gp",
        "referrer_name": "Dr Patel",
        "referrer_email": "dr.patel@surgery.example.org",
    }
    values.update(fields)
    referral, _ = referral_create(
        actor=None,
        organisation=organisation,
        data=ReferralInput(**values),
        via="in a test",
    )
    return referral


@pytest.fixture
def coordinator_access(org: Org) -> OrganisationAccess:
    return access_organisation(user=org.coordinator, organisation_id=org.organisation.pk)


def text(response: Any) -> str:
    """A page's HTML with entities turned back into characters, to compare with what people read."""
    return html.unescape(response.content.decode())
