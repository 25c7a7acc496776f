"""Fixtures for organisations: the cast's organisation, an admin, a volunteer, another organisation, a commissioner."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from carecircle.accounts.models import User
from carecircle.orgs.models import Organisation, OrganisationStaff, StaffRole
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
