"""A volunteer who loses a referral, or a coordinator made a volunteer, is told once, in their language.

In the app and by their channels for "Referrals and organisation work", never with the person's name.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.notifications.models import Delivery, Notification, NotificationPreference
from carecircle.orgs.access import OrganisationAccess
from carecircle.orgs.models import OrganisationStaff, Referral, StaffRole
from carecircle.orgs.referral_services import referral_assign, referral_merge, referral_move
from carecircle.orgs.services import organisation_staff_add, organisation_staff_remove, organisation_staff_role_change
from tests.bursts import at_once
from tests.orgs.conftest import Org, make_referral, quick_user

GIVEN_AWAY = "A referral you were given is no longer yours"


def given_to(access: OrganisationAccess, referral: Referral, user: User) -> Referral:
    if referral.status == "new":
        referral_move(access=access, referral=referral, to="accepted")
    return referral_assign(access=access, referral=referral, assignee=user)


def second_volunteer(org: Org) -> User:
    other = quick_user("wyn@example.org", "Wyn Volunteer")
    organisation_staff_add(actor=None, organisation=org.organisation, user=other, role=StaffRole.VOLUNTEER)
    return other


def notices(user: User) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def test_a_volunteer_whose_referral_goes_to_someone_else_is_told_without_the_persons_name(
    org: Org, coordinator_access: OrganisationAccess, django_capture_on_commit_callbacks: Any
) -> None:
    referral = given_to(coordinator_access, make_referral(org.organisation, person_name="Mary Jones"), org.volunteer)
    assert notices(org.volunteer) == []
    with django_capture_on_commit_callbacks(execute=True):
        given_to(coordinator_access, referral, second_volunteer(org))
    [notice] = notices(org.volunteer)
    assert notice.title == GIVEN_AWAY
    assert notice.body == (
        "Riverside Volunteers gave it to someone else. Ask Riverside Volunteers if you have questions about it."
    )
    assert notice.url == reverse("orgs:referrals", kwargs={"organisation_id": org.organisation.pk})
    assert (notice.category, notice.circle_id) == ("organisation_work", None)
    for withheld in ("Mary", "Jones", referral.reference):
        assert withheld not in notice.title + notice.body + notice.url


def test_giving_a_referral_again_to_the_same_person_or_for_the_first_time_tells_nobody(
    org: Org, coordinator_access: OrganisationAccess
) -> None:
    referral = given_to(coordinator_access, make_referral(org.organisation), org.volunteer)
    given_to(coordinator_access, referral, org.volunteer)
    assert Notification.objects.filter(key__startswith="referral-given-away-").count() == 0


def test_the_notice_is_in_the_volunteers_own_language(org: Org, coordinator_access: OrganisationAccess) -> None:
    org.volunteer.language = "cy"
    org.volunteer.save(update_fields=["language"])
    referral = given_to(coordinator_access, make_referral(org.organisation), org.volunteer)
    given_to(coordinator_access, referral, second_volunteer(org))
    [notice] = notices(org.volunteer)
    assert notice.title == "Nid yw atgyfeiriad a roddwyd i chi yn eich gofal mwyach"
    assert "Riverside Volunteers" in notice.body


def test_a_reassignment_rolled_back_tells_nobody(
    org: Org, coordinator_access: OrganisationAccess, django_capture_on_commit_callbacks: Any
) -> None:
    referral = given_to(coordinator_access, make_referral(org.organisation), org.volunteer)
    other = second_volunteer(org)

    def given_then_failed() -> None:
        with transaction.atomic():
            given_to(coordinator_access, referral, other)
            raise RuntimeError("a later step failed")

    with django_capture_on_commit_callbacks(execute=True) as after_commit, pytest.raises(RuntimeError):
        given_then_failed()
    assert notices(org.volunteer) == []
    assert after_commit == []


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_the_same_reassignment_tells_the_volunteer_once(org: Org, coordinator_access: Any) -> None:
    referral = given_to(coordinator_access, make_referral(org.organisation), org.volunteer)
    other = second_volunteer(org)
    url = reverse("orgs:referral_assign", kwargs={"organisation_id": org.organisation.pk, "referral_id": referral.pk})

    def assign() -> int:
        client = Client()
        client.force_login(org.coordinator)
        return client.post(url, {"assignee": other.pk}).status_code

    assert at_once([assign] * 6) == [302] * 6
    assert [notice.title for notice in notices(org.volunteer)] == [GIVEN_AWAY]
    assert notices(other) == []


def test_a_volunteer_whose_referral_is_merged_into_another_is_told_once(
    org: Org, coordinator_access: OrganisationAccess
) -> None:
    theirs = given_to(coordinator_access, make_referral(org.organisation, person_name="Mary Jones"), org.volunteer)
    wyn = second_volunteer(org)
    keep = given_to(coordinator_access, make_referral(org.organisation, person_name="Mary Jones"), wyn)
    referral_merge(access=coordinator_access, keep=keep, other=theirs)
    [notice] = notices(org.volunteer)
    assert notice.title == GIVEN_AWAY
    assert notice.body == (
        "Riverside Volunteers merged it into another referral. Ask Riverside Volunteers if you have questions about it."
    )
    assert "Mary" not in notice.body
    assert notices(wyn) == []


def test_someone_taken_off_the_staff_with_referrals_is_told_once_and_without_a_link_they_cant_open(
    org: Org, coordinator_access: OrganisationAccess
) -> None:
    given_to(coordinator_access, make_referral(org.organisation, person_name="Mary Jones"), org.volunteer)
    given_to(coordinator_access, make_referral(org.organisation, person_name="Tom Hughes"), org.volunteer)
    staff = OrganisationStaff.objects.get(organisation=org.organisation, user=org.volunteer)
    organisation_staff_remove(actor=org.admin, staff=staff)
    [notice] = notices(org.volunteer)
    assert notice.title == "Referrals you were given are no longer yours"
    assert notice.body == (
        "You are no longer on the staff of Riverside Volunteers. "
        "Ask Riverside Volunteers if you have questions about them."
    )
    assert notice.url == ""
    assert "Mary" not in notice.body
    assert "Tom" not in notice.body


def test_someone_taken_off_the_staff_with_no_open_referral_is_not_told(org: Org) -> None:
    staff = OrganisationStaff.objects.get(organisation=org.organisation, user=org.volunteer)
    organisation_staff_remove(actor=org.admin, staff=staff)
    assert notices(org.volunteer) == []


MADE_VOLUNTEER = "You are now a volunteer at Riverside Volunteers"


def emails_to(user: User) -> list[Delivery]:
    return list(Delivery.objects.filter(recipient=user, channel="email").order_by("pk"))


def test_a_coordinator_made_a_volunteer_is_told_in_the_app_and_by_email_after_commit(
    org: Org, coordinator_access: OrganisationAccess, django_capture_on_commit_callbacks: Any
) -> None:
    given_to(coordinator_access, make_referral(org.organisation, person_name="Mary Jones"), org.coordinator)
    staff = OrganisationStaff.objects.get(organisation=org.organisation, user=org.coordinator)
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        organisation_staff_role_change(actor=org.admin, staff=staff, role=StaffRole.VOLUNTEER)
    [notice] = notices(org.coordinator)
    assert (notice.title, notice.category) == (MADE_VOLUNTEER, "organisation_work")
    assert notice.body == (
        "You keep the referrals you were given, and you now see only those. "
        "Ask Riverside Volunteers if you have questions about it."
    )
    [email] = emails_to(org.coordinator)
    assert (email.to, email.subject, email.status) == (org.coordinator.email, MADE_VOLUNTEER, "queued")
    assert "Mary" not in email.body
    # Sent by the worker once the change is committed, never inside it.
    assert after_commit
    assert Referral.objects.filter(assigned_to=org.coordinator).count() == 1


def test_a_role_change_rolled_back_tells_nobody(org: Org, django_capture_on_commit_callbacks: Any) -> None:
    staff = OrganisationStaff.objects.get(organisation=org.organisation, user=org.coordinator)

    def changed_then_failed() -> None:
        with transaction.atomic():
            organisation_staff_role_change(actor=org.admin, staff=staff, role=StaffRole.VOLUNTEER)
            raise RuntimeError("a later step failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        changed_then_failed()
    assert notices(org.coordinator) == []
    assert emails_to(org.coordinator) == []


def test_the_role_change_is_told_in_their_own_language(org: Org) -> None:
    org.coordinator.language = "pl"
    org.coordinator.save(update_fields=["language"])
    staff = OrganisationStaff.objects.get(organisation=org.organisation, user=org.coordinator)
    organisation_staff_role_change(actor=org.admin, staff=staff, role=StaffRole.VOLUNTEER)
    [notice] = notices(org.coordinator)
    assert notice.title == "Masz teraz rolę wolontariusza w organizacji Riverside Volunteers"
    [email] = emails_to(org.coordinator)
    assert email.subject == notice.title


def test_made_a_volunteer_again_after_being_made_coordinator_is_a_new_notice(org: Org) -> None:
    staff = OrganisationStaff.objects.get(organisation=org.organisation, user=org.coordinator)
    organisation_staff_role_change(actor=org.admin, staff=staff, role=StaffRole.VOLUNTEER)
    organisation_staff_role_change(actor=org.admin, staff=staff, role=StaffRole.COORDINATOR)
    organisation_staff_role_change(actor=org.admin, staff=staff, role=StaffRole.VOLUNTEER)
    assert [notice.title for notice in notices(org.coordinator)] == [MADE_VOLUNTEER, MADE_VOLUNTEER]


def test_made_a_coordinator_tells_nobody(org: Org) -> None:
    staff = OrganisationStaff.objects.get(organisation=org.organisation, user=org.volunteer)
    organisation_staff_role_change(actor=org.admin, staff=staff, role=StaffRole.COORDINATOR)
    assert notices(org.volunteer) == []


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_the_same_role_change_tells_them_once(org: Org) -> None:
    staff = OrganisationStaff.objects.get(organisation=org.organisation, user=org.coordinator)
    url = reverse("orgs:staff_role", kwargs={"organisation_id": org.organisation.pk, "staff_id": staff.pk})

    def demote() -> int:
        client = Client()
        client.force_login(org.admin)
        return client.post(url, {"role": "volunteer"}).status_code

    assert at_once([demote] * 6) == [302] * 6
    assert [notice.title for notice in notices(org.coordinator)] == [MADE_VOLUNTEER]
    assert len(emails_to(org.coordinator)) == 1


def test_staff_hear_by_their_choices_for_organisation_work_not_help_they_organise(
    org: Org, coordinator_access: OrganisationAccess
) -> None:
    NotificationPreference.objects.create(user=org.volunteer, category="help_changed", channel="app", enabled=False)
    NotificationPreference.objects.create(
        user=org.volunteer, category="organisation_work", channel="email", enabled=False
    )
    referral = given_to(coordinator_access, make_referral(org.organisation), org.volunteer)
    given_to(coordinator_access, referral, second_volunteer(org))
    assert [notice.title for notice in notices(org.volunteer)] == [GIVEN_AWAY]
    assert emails_to(org.volunteer) == []
    NotificationPreference.objects.create(
        user=org.coordinator, category="organisation_work", channel="app", enabled=False
    )
    staff = OrganisationStaff.objects.get(organisation=org.organisation, user=org.coordinator)
    organisation_staff_role_change(actor=org.admin, staff=staff, role=StaffRole.VOLUNTEER)
    assert notices(org.coordinator) == []
    assert [email.subject for email in emails_to(org.coordinator)] == [MADE_VOLUNTEER]


def test_the_volunteer_reads_the_notice_on_their_notifications_page(
    org: Org, coordinator_access: OrganisationAccess, client: Client
) -> None:
    referral = given_to(coordinator_access, make_referral(org.organisation, person_name="Mary Jones"), org.volunteer)
    given_to(coordinator_access, referral, second_volunteer(org))
    client.force_login(org.volunteer)
    page = client.get(reverse("notifications:list")).content.decode()
    assert GIVEN_AWAY in page
    assert "Mary Jones" not in page
