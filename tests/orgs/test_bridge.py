"""The bridge: from an accepted referral, with consent, a family circle; ending the link removes access."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from carecircle.circles.models import Invitation, Membership, Role
from carecircle.orgs.models import Referral
from carecircle.orgs.referral_services import referral_assign, referral_move
from tests.orgs.conftest import Org, make_referral, quick_user, text


def _accepted(org: Org, coordinator_access: Any) -> Referral:
    referral = make_referral(org.organisation, person_name="Edna Hughes")
    referral_move(access=coordinator_access, referral=referral, to="accepted")
    return referral_assign(access=coordinator_access, referral=referral, assignee=org.volunteer)


def test_a_circle_needs_the_persons_consent(org: Org, as_user: Any, coordinator_access: Any) -> None:
    referral = _accepted(org, coordinator_access)
    kwargs = {"organisation_id": org.organisation.pk, "referral_id": referral.pk}
    response = as_user(org.coordinator).post(reverse("orgs:referral_circle", kwargs=kwargs), {}, follow=True)
    assert "a circle starts only when they agree" in text(response)
    referral.refresh_from_db()
    assert referral.circle is None


def test_starting_a_circle_invites_the_family_and_the_volunteer_and_closing_removes_staff(
    org: Org, as_user: Any, coordinator_access: Any, django_capture_on_commit_callbacks: Any
) -> None:
    referral = _accepted(org, coordinator_access)
    kwargs = {"organisation_id": org.organisation.pk, "referral_id": referral.pk}
    with django_capture_on_commit_callbacks(execute=True):
        as_user(org.coordinator).post(
            reverse("orgs:referral_circle", kwargs=kwargs),
            {"consent": "yes", "family_name": "Sian", "family_email": "sian@example.org"},
        )
    referral.refresh_from_db()
    circle = referral.circle
    assert circle is not None
    assert circle.person_name == "Edna Hughes"
    invitations = {invitation.email: invitation.role for invitation in Invitation.objects.filter(circle=circle)}
    assert invitations == {"sian@example.org": Role.ORGANISER, "volunteer@example.org": Role.HELPER}
    # The daughter joins as organiser (directly here), then the referral closes: staff leave the circle.
    daughter = quick_user("sian@example.org", "Sian")
    Membership.objects.create(circle=circle, user=daughter, role=Role.ORGANISER)
    referral_move(access=coordinator_access, referral=referral, to="active")
    referral_move(access=coordinator_access, referral=referral, to="closed", outcome="circle")
    assert not Membership.objects.filter(circle=circle, user=org.coordinator).exists()
    assert Membership.objects.filter(circle=circle, user=daughter).exists()
    assert as_user(org.coordinator).get(reverse("circles:home", kwargs={"circle_id": circle.pk})).status_code == 404


def test_a_circle_run_only_by_staff_cannot_be_left_without_an_organiser(
    org: Org, as_user: Any, coordinator_access: Any
) -> None:
    referral = _accepted(org, coordinator_access)
    kwargs = {"organisation_id": org.organisation.pk, "referral_id": referral.pk}
    client = as_user(org.coordinator)
    client.post(reverse("orgs:referral_circle", kwargs=kwargs), {"consent": "yes"})
    response = client.post(reverse("orgs:referral_circle_end", kwargs=kwargs), follow=True)
    assert "only organiser" in text(response)
    referral.refresh_from_db()
    assert referral.circle_link_ended_at is None
