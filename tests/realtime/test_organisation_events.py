"""Live referral events for organisation staff: ids only, a volunteer only their own, other organisations nothing."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from carecircle.accounts.models import User
from carecircle.orgs.access import access_organisation
from carecircle.orgs.live import may_hear
from carecircle.orgs.models import Organisation, OrganisationStaff, Referral, StaffRole
from carecircle.orgs.referral_services import (
    ReferralInput,
    referral_assign,
    referral_create,
    referral_move,
    referral_note_add,
)
from carecircle.orgs.services import (
    organisation_create,
    organisation_staff_add,
    organisation_staff_remove,
    organisation_staff_role_change,
)
from tests.cast import Cast

run = database_sync_to_async


def _arrive(organisation: Organisation, name: str) -> Referral:
    referral, _ = referral_create(
        actor=None,
        organisation=organisation,
        data=ReferralInput(person_name=name, consent_given_by="person", consent_to="Being contacted"),
        via="through the API",
    )
    return referral


def _team(cast: Cast) -> dict[str, Any]:
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    volunteer = User.objects.create_user(email="val@example.org", password=None, display_name="Val Volunteer")
    organisation_staff_add(actor=None, organisation=organisation, user=volunteer, role=StaffRole.VOLUNTEER)
    other = organisation_create(actor=None, name="Hillside Helpers", area="Flintshire")
    other_admin = User.objects.create_user(email="hal@example.org", password=None, display_name="Hal Hillside")
    organisation_staff_add(actor=None, organisation=other, user=other_admin, role=StaffRole.ADMIN)
    return {"organisation": organisation, "volunteer": volunteer, "other": other, "other_admin": other_admin}


def _accepted_and_given(coordinator: User, organisation: Organisation, name: str, to: User) -> Referral:
    access = access_organisation(user=coordinator, organisation_id=organisation.pk)
    referral = referral_move(access=access, referral=_arrive(organisation, name), to="accepted")
    return referral_assign(access=access, referral=referral, assignee=to)


async def test_staff_hear_arrivals_and_changes_as_ids_and_volunteers_only_their_own(connect: Any, live_cast: Cast):
    team = await run(_team)(live_cast)
    organisation, volunteer = team["organisation"], team["volunteer"]
    coordinator = await connect(live_cast.org_staff)
    volunteers_page = await connect(volunteer)
    elsewhere = await connect(team["other_admin"])
    family = await connect(live_cast.helper)

    # A referral arrives (the API, the form and a CSV row all go through referral_create).
    arrived = await run(_arrive)(organisation, "Mary Jones")
    heard = await coordinator.receive_json()
    assert heard == {"type": "referral.changed", "organisation": organisation.pk, "referral": arrived.pk}
    assert "Mary" not in str(heard)

    # Moved and noted: the coordinator hears each; the volunteer, whose referral it isn't, nothing.
    access = await run(access_organisation)(user=live_cast.org_staff, organisation_id=organisation.pk)
    await run(referral_move)(access=access, referral=arrived, to="triaged")
    await run(referral_note_add)(access=access, referral=arrived, text="Rang the surgery.")
    for _ in range(2):
        assert (await coordinator.receive_json())["referral"] == arrived.pk

    # Given to the volunteer: both hear it (arrival, acceptance and assignment for the coordinator).
    theirs = await run(_accepted_and_given)(live_cast.org_staff, organisation, "Owen Price", volunteer)
    for _ in range(3):
        assert (await coordinator.receive_json())["referral"] == theirs.pk
    # The first thing the volunteer hears is their own referral: nothing of Mary's came before it.
    # (Each event is checked when it is delivered, so the arrival may already count as theirs.)
    assert await volunteers_page.receive_json() == {
        "type": "referral.changed",
        "organisation": organisation.pk,
        "referral": theirs.pk,
    }

    # Another organisation's staff and the family hear only their own organisation's referrals.
    theirs_elsewhere = await run(_arrive)(team["other"], "Sian Hughes")
    assert await elsewhere.receive_json() == {
        "type": "referral.changed",
        "organisation": team["other"].pk,
        "referral": theirs_elsewhere.pk,
    }
    await family.send_json({"type": "ping"})
    assert await family.receive_json() == {"type": "pong"}


async def test_someone_who_leaves_the_staff_hears_nothing_more(connect: Any, live_cast: Cast):
    team = await run(_team)(live_cast)
    organisation, volunteer = team["organisation"], team["volunteer"]
    theirs = await run(_accepted_and_given)(live_cast.org_staff, organisation, "Owen Price", volunteer)
    volunteers_page = await connect(volunteer)
    coordinator = await connect(live_cast.org_staff)
    access = await run(access_organisation)(user=live_cast.org_staff, organisation_id=organisation.pk)
    await run(referral_note_add)(access=access, referral=theirs, text="Rang Owen.")
    assert (await volunteers_page.receive_json())["referral"] == theirs.pk
    assert (await coordinator.receive_json())["referral"] == theirs.pk

    staff = await run(OrganisationStaff.objects.get)(organisation=organisation, user=volunteer)
    await run(organisation_staff_remove)(actor=live_cast.org_staff, staff=staff)
    await run(referral_note_add)(access=access, referral=theirs, text="Still assigned, but Val has left.")
    assert (await coordinator.receive_json())["referral"] == theirs.pk
    # Told to refetch when they left (no referral named), and nothing of the note after it.
    assert await _heard_until_pong(volunteers_page) == [
        {"type": "referrals.withdrawn", "organisation": organisation.pk, "user": volunteer.pk}
    ]
    # The consumer's check for each event, asked directly: no longer staff, so no.
    event = {"type": "referral.changed", "organisation": organisation.pk, "referral": theirs.pk}
    assert await run(may_hear)(volunteer.pk, event) is False
    assert await run(may_hear)(live_cast.org_staff.pk, event) is True


async def _heard_until_pong(communicator: Any) -> list[Any]:
    """Everything a connection is sent before the answer to a ping sent now."""
    await communicator.send_json({"type": "ping"})
    heard = []
    while (message := await communicator.receive_json()) != {"type": "pong"}:
        heard.append(message)
    return heard


async def test_a_volunteer_whose_referral_goes_to_someone_else_refetches_and_hears_nothing_more_of_it(
    connect: Any, live_cast: Cast
):
    team = await run(_team)(live_cast)
    organisation, volunteer = team["organisation"], team["volunteer"]
    other_volunteer = await run(User.objects.create_user)(
        email="wyn@example.org", password=None, display_name="Wyn Volunteer"
    )
    await run(organisation_staff_add)(
        actor=None, organisation=organisation, user=other_volunteer, role=StaffRole.VOLUNTEER
    )
    theirs = await run(_accepted_and_given)(live_cast.org_staff, organisation, "Owen Price", volunteer)
    volunteers_page = await connect(volunteer)
    coordinator = await connect(live_cast.org_staff)
    access = await run(access_organisation)(user=live_cast.org_staff, organisation_id=organisation.pk)

    await run(referral_assign)(access=access, referral=theirs, assignee=other_volunteer)
    assert (await coordinator.receive_json())["referral"] == theirs.pk
    # Told only to refetch: the referral's id is not in it, nor anything else about it.
    assert await _heard_until_pong(volunteers_page) == [
        {"type": "referrals.withdrawn", "organisation": organisation.pk, "user": volunteer.pk}
    ]

    # Whatever happens to it next reaches the coordinator, and nothing of it reaches Val.
    await run(referral_note_add)(access=access, referral=theirs, text="Wyn rang Owen.")
    await run(referral_move)(access=access, referral=theirs, to="active")
    for _ in range(2):
        assert (await coordinator.receive_json())["referral"] == theirs.pk
    assert await _heard_until_pong(volunteers_page) == []
    # Their own referral still reaches them.
    mine = await run(_accepted_and_given)(live_cast.org_staff, organisation, "Nia Rees", volunteer)
    assert await volunteers_page.receive_json() == {
        "type": "referral.changed",
        "organisation": organisation.pk,
        "referral": mine.pk,
    }


async def test_someone_taken_off_the_staff_or_made_a_volunteer_is_told_to_refetch(connect: Any, live_cast: Cast):
    team = await run(_team)(live_cast)
    organisation, volunteer = team["organisation"], team["volunteer"]
    theirs = await run(_accepted_and_given)(live_cast.org_staff, organisation, "Owen Price", volunteer)
    volunteers_page = await connect(volunteer)
    withdrawn = {"type": "referrals.withdrawn", "organisation": organisation.pk, "user": volunteer.pk}

    staff = await run(OrganisationStaff.objects.get)(organisation=organisation, user=volunteer)
    await run(organisation_staff_remove)(actor=live_cast.org_staff, staff=staff)
    assert await _heard_until_pong(volunteers_page) == [withdrawn]
    access = await run(access_organisation)(user=live_cast.org_staff, organisation_id=organisation.pk)
    await run(referral_note_add)(access=access, referral=theirs, text="Still assigned, but Val has left.")
    assert await _heard_until_pong(volunteers_page) == []

    # A coordinator made a volunteer is told too; someone else's withdrawal is never passed on.
    await run(organisation_staff_add)(actor=None, organisation=organisation, user=volunteer)
    staff = await run(OrganisationStaff.objects.get)(organisation=organisation, user=volunteer)
    await run(organisation_staff_role_change)(actor=live_cast.org_staff, staff=staff, role=StaffRole.VOLUNTEER)
    assert await _heard_until_pong(volunteers_page) == [withdrawn]
    assert await run(may_hear)(live_cast.org_staff.pk, withdrawn) is False
