"""Someone who confirms their address after an organisation asked it to link a circle is told at that moment."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.email_change import email_change_confirm
from carecircle.accounts.models import User
from carecircle.accounts.verification import verification_token_make
from carecircle.audit.models import AuditEntry
from carecircle.notifications.models import Notification
from carecircle.orgs.access import access_organisation
from carecircle.orgs.circle_links import circle_link_request, circle_link_withdraw
from carecircle.orgs.models import CircleLinkRequest, Referral, StaffRole
from carecircle.orgs.referral_services import referral_move
from carecircle.orgs.services import organisation_create, organisation_staff_add
from tests.bursts import at_once
from tests.cast import Cast
from tests.orgs.conftest import Org, make_referral, quick_user, text


def _accepted(org: Org, coordinator_access: Any, person: str = "Mary Jones") -> Referral:
    referral = make_referral(org.organisation, person_name=person)
    return referral_move(access=coordinator_access, referral=referral, to="accepted")


def _ask(access: Any, referral: Referral, email: str) -> CircleLinkRequest:
    request, _ = circle_link_request(access=access, referral=referral, email=email, consent_confirmed=True)
    return request


def _confirm(user: User) -> Any:
    """Open the emailed confirmation link and press its button, as the person does."""
    address = reverse("accounts:verify_email", kwargs={"token": verification_token_make(user=user)})
    client = Client()
    assert "email_verified" not in text(client.get(address))  # the page asks before confirming
    return client.post(address)


def _told(user: User) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, key__startswith="circle-link-request-").order_by("id"))


def test_confirming_the_address_later_tells_them_of_the_request_waiting_for_it(
    org: Org, cast: Cast, as_user: Any, coordinator_access: Any
) -> None:
    assert not cast.organiser.email_verified
    link_request = _ask(coordinator_access, _accepted(org, coordinator_access), cast.organiser.email)
    assert _told(cast.organiser) == []  # an unconfirmed address could be someone else's
    assert _confirm(cast.organiser).status_code == 200
    (told,) = _told(cast.organiser)
    assert told.title == "Riverside Volunteers asks to join your circle"
    assert told.body == "They are helping Mary Jones, who agreed. Open it to say yes or no."
    assert (told.category, told.url) == ("joining", f"/circle-link-requests/{link_request.pk}/")
    notifications = text(as_user(cast.organiser).get(reverse("notifications:list")))
    assert "Riverside Volunteers asks to join your circle" in notifications
    # Confirming again (the same link, pressed later) tells them nothing new.
    assert _confirm(cast.organiser).status_code == 200
    assert len(_told(cast.organiser)) == 1
    assert AuditEntry.objects.filter(action="account.email_verified", subject_user_id=cast.organiser.pk).count() == 1


def test_they_are_told_in_their_own_language_of_each_waiting_request_and_no_other(
    org: Org, cast: Cast, coordinator_access: Any
) -> None:
    cast.organiser.language = "cy"
    cast.organiser.save(update_fields=["language"])
    first = _ask(coordinator_access, _accepted(org, coordinator_access), cast.organiser.email.upper())
    second = _ask(coordinator_access, _accepted(org, coordinator_access, "Tom Evans"), cast.organiser.email)
    withdrawn = _ask(coordinator_access, _accepted(org, coordinator_access, "Ann Price"), cast.organiser.email)
    circle_link_withdraw(access=coordinator_access, link_request_id=withdrawn.pk)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=20), tick=False):
        _ask(coordinator_access, _accepted(org, coordinator_access, "Old Request"), cast.organiser.email)  # expired
    _ask(coordinator_access, _accepted(org, coordinator_access, "Someone Else"), "someone.else@example.org")
    _confirm(cast.organiser)
    told = _told(cast.organiser)
    assert [notification.url for notification in told] == [
        f"/circle-link-requests/{first.pk}/",
        f"/circle-link-requests/{second.pk}/",
    ]
    assert told[0].title == "Mae Riverside Volunteers yn gofyn am gael ymuno â'ch cylch"
    assert "Mary Jones" in told[0].body
    assert "Tom Evans" in told[1].body


def test_a_new_address_confirmed_by_changing_it_is_told_too(org: Org, cast: Cast, coordinator_access: Any) -> None:
    link_request = _ask(coordinator_access, _accepted(org, coordinator_access), "new.address@example.org")
    helper = User.objects.get(pk=cast.helper.pk)
    email_change_confirm(user=helper, new_email="new.address@example.org", current_session_key=None)
    (told,) = _told(helper)
    assert told.url == f"/circle-link-requests/{link_request.pk}/"


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_six_confirmations_at_once_tells_them_once() -> None:
    organisation = organisation_create(actor=None, name="Burst Helpers")
    coordinator = quick_user("coordinator@example.org", "Coordinator")
    organisation_staff_add(actor=None, organisation=organisation, user=coordinator, role=StaffRole.COORDINATOR)
    access = access_organisation(user=coordinator, organisation_id=organisation.pk)
    family = quick_user("family@example.org", "Fran Family")
    referral = referral_move(access=access, referral=make_referral(organisation), to="accepted")
    _ask(access, referral, family.email)
    address = reverse("accounts:verify_email", kwargs={"token": verification_token_make(user=family)})

    def confirm() -> int:
        return Client().post(address).status_code

    assert at_once([confirm] * 6) == [200] * 6
    assert len(_told(family)) == 1
    assert AuditEntry.objects.filter(action="account.email_verified", subject_user_id=family.pk).count() == 1
    assert User.objects.get(pk=family.pk).email_verified
