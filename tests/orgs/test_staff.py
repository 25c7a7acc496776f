"""Organisation pages: staff roles, inviting staff, landing on the organisation, commissioners."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from carecircle.audit.models import AuditEntry
from carecircle.notifications.models import Delivery
from carecircle.orgs.models import OrganisationStaff, StaffRole
from tests.orgs.conftest import Org, text


def test_staff_in_no_circle_land_on_their_organisation_not_an_empty_circle_list(org: Org, as_user: Any) -> None:
    response = as_user(org.coordinator).get(reverse("circles:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:home", kwargs={"organisation_id": org.organisation.pk})
    home = as_user(org.coordinator).get(response["Location"])
    assert "Riverside Volunteers" in text(home)
    assert "You're not in a circle yet" not in text(home)


def test_commissioners_land_on_the_services_they_commission(org: Org, as_user: Any) -> None:
    response = as_user(org.commissioner).get(reverse("circles:list"), follow=True)
    page = text(response)
    assert "Services you commission" in page
    assert "Riverside Volunteers" in page
    assert "Hillside Helpers" not in page


def test_one_organisation_never_sees_another(org: Org, as_user: Any) -> None:
    url = reverse("orgs:home", kwargs={"organisation_id": org.other_organisation.pk})
    assert as_user(org.coordinator).get(url).status_code == 404
    assert as_user(org.commissioner).get(url).status_code == 404


def test_volunteers_cannot_see_the_staff_list(org: Org, as_user: Any) -> None:
    url = reverse("orgs:staff", kwargs={"organisation_id": org.organisation.pk})
    assert as_user(org.volunteer).get(url).status_code == 403
    assert as_user(org.coordinator).get(url).status_code == 200


def test_an_admin_invites_a_volunteer_who_joins_from_the_email(
    org: Org, as_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.orgs.conftest import quick_user

    url = reverse("orgs:staff", kwargs={"organisation_id": org.organisation.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(org.admin).post(url, {"email": "Newbie@Example.org", "role": "volunteer"})
    assert response.status_code == 302
    email = Delivery.objects.get(to="newbie@example.org")
    assert "Riverside Volunteers" in email.subject
    link = re.search(r"/organisations/join/[^/\s]+/", email.body)
    assert link is not None
    newbie = quick_user("newbie@example.org", "Nia Newbie")
    assert as_user(newbie).get(link.group(0)).status_code == 200
    joined = as_user(newbie).post(link.group(0))
    assert joined.status_code == 302
    assert OrganisationStaff.objects.get(user=newbie).role == StaffRole.VOLUNTEER
    assert as_user(newbie).post(link.group(0)).status_code == 410
    assert AuditEntry.objects.filter(action="organisation.staff_invited").exists()


def test_inviting_someone_already_on_the_staff_says_so(org: Org, as_user: Any) -> None:
    url = reverse("orgs:staff", kwargs={"organisation_id": org.organisation.pk})
    response = as_user(org.admin).post(url, {"email": "volunteer@example.org", "role": "volunteer"})
    assert response.status_code == 409
    assert "already on the staff" in text(response)


def test_the_last_admin_cannot_step_down(org: Org, as_user: Any) -> None:
    admin_place = OrganisationStaff.objects.get(user=org.admin)
    url = reverse("orgs:staff_role", kwargs={"organisation_id": org.organisation.pk, "staff_id": admin_place.pk})
    response = as_user(org.admin).post(url, {"role": "volunteer"}, follow=True)
    assert "needs at least one admin" in text(response)
    admin_place.refresh_from_db()
    assert admin_place.role == StaffRole.ADMIN


def test_coordinators_cannot_change_roles(org: Org, as_user: Any) -> None:
    place = OrganisationStaff.objects.get(user=org.volunteer)
    url = reverse("orgs:staff_role", kwargs={"organisation_id": org.organisation.pk, "staff_id": place.pk})
    assert as_user(org.coordinator).post(url, {"role": "admin"}).status_code == 403


def test_commissioners_and_staff_must_use_two_step_sign_in(org: Org) -> None:
    from carecircle.orgs.policies import organisation_staff_must_use_mfa

    assert organisation_staff_must_use_mfa(org.commissioner)
    assert organisation_staff_must_use_mfa(org.volunteer)
