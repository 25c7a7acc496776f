"""The family's side of a request to link their circle, in the app: seen on the circles page, answered by id."""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.accounts.services import user_verify_email
from carecircle.audit.models import AuditEntry
from carecircle.circles.models import Invitation, Role
from carecircle.circles.services import circle_create
from carecircle.notifications.models import Notification, NotificationPreference
from carecircle.orgs.access import access_organisation
from carecircle.orgs.circle_links import (
    CircleLinkGone,
    circle_link_accept,
    circle_link_decline,
    circle_link_request,
    circle_link_request_for,
    circle_link_withdraw,
)
from carecircle.orgs.models import CircleLinkRequest, Referral, ReferralEvent, StaffRole
from carecircle.orgs.referral_services import referral_assign, referral_move
from carecircle.orgs.services import organisation_create, organisation_staff_add
from tests.bursts import at_once
from tests.cast import Cast
from tests.orgs.conftest import Org, make_referral, quick_user, text

CIRCLES = reverse("circles:list")


def _accepted(org: Org, coordinator_access: Any) -> Referral:
    referral = make_referral(org.organisation, person_name="Mary Jones")
    referral_move(access=coordinator_access, referral=referral, to="accepted")
    return referral_assign(access=coordinator_access, referral=referral, assignee=org.volunteer)


def _ask(coordinator_access: Any, referral: Referral, email: str) -> CircleLinkRequest:
    request, _ = circle_link_request(access=coordinator_access, referral=referral, email=email, consent_confirmed=True)
    return request


def _open(link_request: CircleLinkRequest) -> str:
    return reverse("orgs:circle_link_open", kwargs={"link_request_id": link_request.pk})


def test_the_organiser_sees_the_waiting_request_on_their_circles_page_and_links_a_circle(
    org: Org, cast: Cast, as_user: Any, coordinator_access: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user_verify_email(user=cast.organiser)
    referral = _accepted(org, coordinator_access)
    link_request = _ask(coordinator_access, referral, cast.organiser.email.upper())
    organiser = as_user(cast.organiser)
    notifications = text(organiser.get(reverse("notifications:list")))
    assert "Riverside Volunteers asks to join your circle" in notifications
    told = Notification.objects.get(recipient=cast.organiser, key__startswith="circle-link-request-")
    assert (told.category, told.url, told.circle_id) == ("joining", _open(link_request), None)
    circles = text(organiser.get(CIRCLES))
    assert "Waiting for your answer" in circles
    assert "Riverside Volunteers asks to join your circle" in circles
    assert "They are helping Mary Jones, who agreed." in circles
    assert _open(link_request) in circles
    page = text(organiser.get(_open(link_request)))
    assert "What happens if you say yes" in page
    assert "Val Volunteer, their volunteer, are invited to the circle as helpers" in page
    assert "The circle for Dad" in page
    with django_capture_on_commit_callbacks(execute=True):
        linked = organiser.post(_open(link_request), {"answer": "yes", "circle": cast.circle.pk})
    assert linked["Location"] == reverse("circles:members", kwargs={"circle_id": cast.circle.pk})
    referral.refresh_from_db()
    assert referral.circle == cast.circle
    invited = set(Invitation.objects.filter(circle=cast.circle, role=Role.HELPER).values_list("email", flat=True))
    assert {org.coordinator.email, org.volunteer.email} <= invited
    assert AuditEntry.objects.filter(action="referral.circle_linked", circle=cast.circle).count() == 1
    assert ReferralEvent.objects.filter(referral=referral, text__contains="linked the family's circle").count() == 1
    # Answered: the page says so (410), and the circles page no longer lists it.
    again = organiser.post(_open(link_request), {"answer": "yes", "circle": cast.circle.pk})
    assert again.status_code == 410
    assert "This request has already been answered or replaced (accepted)." in text(again)
    assert "Waiting for your answer" not in text(organiser.get(CIRCLES))


def test_saying_no_in_the_app_links_nothing_and_tells_the_organisation(
    org: Org, cast: Cast, as_user: Any, coordinator_access: Any
) -> None:
    user_verify_email(user=cast.organiser)
    referral = _accepted(org, coordinator_access)
    link_request = _ask(coordinator_access, referral, cast.organiser.email)
    declined = as_user(cast.organiser).post(_open(link_request), {"answer": "no"}, follow=True)
    assert "Thank you. Nothing was linked, and the organisation has been told." in text(declined)
    referral.refresh_from_db()
    assert referral.circle is None
    assert CircleLinkRequest.objects.get().status == "declined"
    assert AuditEntry.objects.filter(action="referral.circle_link_declined").count() == 1
    history = reverse("orgs:referral", kwargs={"organisation_id": org.organisation.pk, "referral_id": referral.pk})
    assert "The family decided not to link their circle." in text(as_user(org.coordinator).get(history))


def test_an_unconfirmed_address_sees_nothing_of_the_request(
    org: Org, cast: Cast, as_user: Any, coordinator_access: Any
) -> None:
    assert not cast.organiser.email_verified
    link_request = _ask(coordinator_access, _accepted(org, coordinator_access), cast.organiser.email)
    assert not Notification.objects.filter(key__startswith="circle-link-request-").exists()
    organiser = as_user(cast.organiser)
    circles = text(organiser.get(CIRCLES))
    assert "Waiting for your answer" not in circles
    assert "Mary Jones" not in circles
    assert "Riverside" not in circles
    for response in (organiser.get(_open(link_request)), organiser.post(_open(link_request), {"answer": "no"})):
        assert response.status_code == 404
        assert "Mary Jones" not in text(response)
    assert CircleLinkRequest.objects.get().status == "pending"


def test_anyone_else_gets_404_whatever_the_state_and_the_one_asked_is_told_when_it_is_over(
    org: Org, cast: Cast, as_user: Any, coordinator_access: Any
) -> None:
    user_verify_email(user=cast.organiser)
    user_verify_email(user=cast.helper)
    link_request = _ask(coordinator_access, _accepted(org, coordinator_access), cast.organiser.email)
    for someone in (cast.helper, cast.outsider, org.coordinator):
        client = as_user(someone)
        assert client.get(_open(link_request)).status_code == 404
        assert client.post(_open(link_request), {"answer": "yes", "circle": cast.circle.pk}).status_code == 404
    assert "Mary Jones" not in text(as_user(cast.helper).get(CIRCLES))
    missing = reverse("orgs:circle_link_open", kwargs={"link_request_id": link_request.pk + 1000})
    assert as_user(cast.organiser).get(missing).status_code == 404
    organiser = as_user(cast.organiser)
    # The helper can't be chosen as an organiser's circle; choosing nothing is a clear 400.
    chose_nothing = organiser.post(_open(link_request), {"answer": "yes"})
    assert chose_nothing.status_code == 400
    assert "Choose the circle to link, or say no." in text(chose_nothing)
    circle_link_withdraw(access=coordinator_access, link_request_id=link_request.pk)
    withdrawn = organiser.get(_open(link_request))
    assert withdrawn.status_code == 410
    assert "This request can't be answered now" in text(withdrawn)
    assert "(withdrawn)" in text(withdrawn)
    assert as_user(cast.helper).get(_open(link_request)).status_code == 404


def test_an_expired_request_is_not_listed_and_says_so(
    org: Org, cast: Cast, as_user: Any, coordinator_access: Any
) -> None:
    user_verify_email(user=cast.organiser)
    link_request = _ask(coordinator_access, _accepted(org, coordinator_access), cast.organiser.email)
    with time_machine.travel(link_request.expires_at + datetime.timedelta(minutes=1), tick=False):
        organiser = as_user(cast.organiser)
        assert "Waiting for your answer" not in text(organiser.get(CIRCLES))
        expired = organiser.post(_open(link_request), {"answer": "yes", "circle": cast.circle.pk})
        assert expired.status_code == 410
        assert "This request has expired." in text(expired)
    assert Referral.objects.get().circle is None


def test_no_notification_in_the_app_for_someone_who_turned_joining_off(
    org: Org, cast: Cast, coordinator_access: Any
) -> None:
    user_verify_email(user=cast.organiser)
    NotificationPreference.objects.create(user=cast.organiser, category="joining", channel="app", enabled=False)
    _ask(coordinator_access, _accepted(org, coordinator_access), cast.organiser.email)
    assert not Notification.objects.filter(key__startswith="circle-link-request-").exists()


def test_someone_with_no_circle_still_sees_the_request_and_may_say_no(
    org: Org, as_user: Any, coordinator_access: Any
) -> None:
    family = quick_user("family@example.org", "Fran Family")
    user_verify_email(user=family)
    link_request = _ask(coordinator_access, _accepted(org, coordinator_access), family.email)
    client = as_user(family)
    assert "Riverside Volunteers asks to join your circle" in text(client.get(CIRCLES))
    page = text(client.get(_open(link_request)))
    assert "You don't organise a circle in CareCircle with this account." in page
    assert client.post(_open(link_request), {"answer": "no"}).status_code == 302
    assert CircleLinkRequest.objects.get().status == "declined"


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_answers_at_once_gives_one_outcome() -> None:
    organisation = organisation_create(actor=None, name="Burst Helpers")
    coordinator = quick_user("coordinator@example.org", "Coordinator")
    organisation_staff_add(actor=None, organisation=organisation, user=coordinator, role=StaffRole.COORDINATOR)
    access = access_organisation(user=coordinator, organisation_id=organisation.pk)
    organiser = user_verify_email(user=quick_user("organiser@example.org", "Olivia Organiser"))
    circle = circle_create(actor=organiser, person_name="Dad", relationship="daughter")
    referral = make_referral(organisation)
    referral_move(access=access, referral=referral, to="accepted")
    link_request = _ask(access, referral, organiser.email)

    def answer(yes: bool, actor: User) -> str:
        try:
            found = circle_link_request_for(user=actor, link_request_id=link_request.pk)
            if yes:
                circle_link_accept(actor=actor, link_request=found, circle_id=circle.pk)
                return "linked"
            circle_link_decline(actor=actor, link_request=found)
        except CircleLinkGone:
            return "already answered"
        return "declined"

    outcomes = at_once([partial(answer, number % 2 == 0, organiser) for number in range(6)])
    assert sorted(set(outcomes) - {"already answered"}) in (["linked"], ["declined"])
    assert outcomes.count("already answered") == 5
    final = CircleLinkRequest.objects.get()
    assert final.status in ("accepted", "declined")
    assert ReferralEvent.objects.filter(referral=referral, kind="circle", actor=organiser).count() == 1
    actions = ("referral.circle_linked", "referral.circle_link_declined")
    assert AuditEntry.objects.filter(action__in=actions).count() == 1
    assert timezone.now() < final.expires_at
