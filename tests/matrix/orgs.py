"""Matrix rows for organisations: their pages, staff, referrals, intake and reports.

The cast's org_staff is a coordinator of "Riverside Volunteers"; no one in the cast is an admin or a
commissioner, so the admin-only and commissioner rows show 403 and 404 here, and tests/orgs walks
them for admins, volunteers, other organisations' staff and commissioners.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from carecircle.orgs.models import OrganisationStaff
from carecircle.orgs.services import staff_invitation_create
from tests.matrix.base import World

# Columns: person, organiser, helper, paid_carer, professional, well_wisher, org_staff, outsider, anonymous.
WEB: dict[tuple[str, str], str] = {
    ("orgs:list", "GET"): "200 200 200 200 200 200 200 200 302",
    ("orgs:list", "POST"): "405 405 405 405 405 405 405 405 405",
    ("orgs:home", "GET"): "404 404 404 404 404 404 200 404 302",
    ("orgs:home", "POST"): "405 405 405 405 405 405 405 405 405",
    ("orgs:staff", "GET"): "404 404 404 404 404 404 200 404 302",
    ("orgs:staff", "POST"): "404 404 404 404 404 404 403 404 302",
    ("orgs:staff_role", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:staff_role", "POST"): "404 404 404 404 404 404 403 404 302",
    ("orgs:staff_remove", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:staff_remove", "POST"): "404 404 404 404 404 404 403 404 302",
    ("orgs:staff_join", "GET"): "200 200 200 200 200 200 200 200 302",
    ("orgs:staff_join", "POST"): "302 302 302 302 302 302 302 302 302",
    ("orgs:commissioning", "GET"): "404 404 404 404 404 404 404 404 302",
    ("orgs:commissioning", "POST"): "405 405 405 405 405 405 405 405 405",
}

API: dict[tuple[str, str], str] = {}


def prepare(world: World) -> dict[str, Any]:
    staff = OrganisationStaff.objects.get(user=world.cast.org_staff)
    admin = OrganisationStaff.objects.create(organisation=staff.organisation, user=world.cast.outsider, role="admin")
    _, token = staff_invitation_create(
        actor=admin.user, organisation=staff.organisation, email="new.volunteer@example.org", role="volunteer"
    )
    admin.delete()
    return {"organisation_id": staff.organisation_id, "staff_id": staff.pk, "staff_token": token}


def url(world: World, name: str) -> str | None:
    if name == "orgs:staff_join":
        return reverse(name, kwargs={"token": world.extra["staff_token"]})
    return None
