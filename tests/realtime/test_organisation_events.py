"""Live referral events for organisation staff: ids only, a volunteer only their own (and the numbers of the
others), other organisations nothing."""

from __future__ import annotations

from functools import partial
from typing import Any

from channels.db import database_sync_to_async
from django.db import transaction
from django.test import Client
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.orgs.access import access_organisation
from carecircle.orgs.live import hearing, organisation_event_seq_next, referrals_withdrawn
from carecircle.orgs.models import Organisation, OrganisationStaff, Referral, StaffRole
from carecircle.orgs.referral_services import (
    ReferralInput,
    referral_assign,
    referral_create,
    referral_merge,
    referral_move,
    referral_note_add,
)
from carecircle.orgs.services import (
    organisation_create,
    organisation_staff_add,
    organisation_staff_remove,
    organisation_staff_role_change,
)
from carecircle.realtime.events import publish
from carecircle.realtime.registries import Hearing, scope_group
from tests.bursts import at_once
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


async def _connect_staff(connect: Any, user: User, organisation: Organisation) -> Any:
    """A staff member's connection, after the organisation's latest number it is told on connecting."""
    communicator = await connect(user)
    await run(organisation.refresh_from_db)()
    assert await communicator.receive_json() == {
        "type": "organisation.latest",
        "organisation": organisation.pk,
        "seq": organisation.event_seq,
    }
    return communicator


def _accepted_and_given(coordinator: User, organisation: Organisation, name: str, to: User) -> Referral:
    access = access_organisation(user=coordinator, organisation_id=organisation.pk)
    referral = referral_move(access=access, referral=_arrive(organisation, name), to="accepted")
    return referral_assign(access=access, referral=referral, assignee=to)


async def test_staff_hear_arrivals_and_changes_as_ids_and_volunteers_only_their_own(connect: Any, live_cast: Cast):
    team = await run(_team)(live_cast)
    organisation, volunteer = team["organisation"], team["volunteer"]
    coordinator = await _connect_staff(connect, live_cast.org_staff, organisation)
    volunteers_page = await _connect_staff(connect, volunteer, organisation)
    elsewhere = await _connect_staff(connect, team["other_admin"], team["other"])
    family = await connect(live_cast.helper)

    # A referral arrives (the API, the form and a CSV row all go through referral_create).
    arrived = await run(_arrive)(organisation, "Mary Jones")
    heard = await coordinator.receive_json()
    assert heard == {"type": "referral.changed", "organisation": organisation.pk, "referral": arrived.pk, "seq": 1}
    assert "Mary" not in str(heard)

    # Moved and noted: the coordinator hears each, numbered in turn; the volunteer, whose referral it
    # isn't, nothing.
    access = await run(access_organisation)(user=live_cast.org_staff, organisation_id=organisation.pk)
    await run(referral_move)(access=access, referral=arrived, to="triaged")
    await run(referral_note_add)(access=access, referral=arrived, text="Rang the surgery.")
    heard = [await coordinator.receive_json() for _ in range(2)]
    assert [(event["referral"], event["seq"]) for event in heard] == [(arrived.pk, 2), (arrived.pk, 3)]

    # The volunteer, whose referral it isn't, was sent only the numbers: no referral, no content.
    for seq in (1, 2, 3):
        assert await volunteers_page.receive_json() == {
            "type": "organisation.skip",
            "organisation": organisation.pk,
            "seq": seq,
        }

    # Given to the volunteer: both hear it (arrival, acceptance and assignment for the coordinator).
    theirs = await run(_accepted_and_given)(live_cast.org_staff, organisation, "Owen Price", volunteer)
    heard = [await coordinator.receive_json() for _ in range(3)]
    assert [(event["referral"], event["seq"]) for event in heard] == [(theirs.pk, 4), (theirs.pk, 5), (theirs.pk, 6)]
    # The volunteer gets 4, 5 and 6 in order, each checked when it is delivered: the arrival and the
    # acceptance may already count as theirs (or be only numbers), the assignment is theirs.
    heard = [await volunteers_page.receive_json() for _ in range(3)]
    assert [event["seq"] for event in heard] == [4, 5, 6]
    for event in heard:
        assert event in (
            {"type": "organisation.skip", "organisation": organisation.pk, "seq": event["seq"]},
            {"type": "referral.changed", "organisation": organisation.pk, "referral": theirs.pk, "seq": event["seq"]},
        )
    assert heard[-1]["type"] == "referral.changed"

    # Another organisation's staff and the family hear only their own organisation's referrals,
    # numbered on their own.
    theirs_elsewhere = await run(_arrive)(team["other"], "Sian Hughes")
    assert await elsewhere.receive_json() == {
        "type": "referral.changed",
        "organisation": team["other"].pk,
        "referral": theirs_elsewhere.pk,
        "seq": 1,
    }
    await family.send_json({"type": "ping"})
    assert await family.receive_json() == {"type": "pong"}


async def test_someone_who_leaves_the_staff_hears_nothing_more(connect: Any, live_cast: Cast):
    team = await run(_team)(live_cast)
    organisation, volunteer = team["organisation"], team["volunteer"]
    theirs = await run(_accepted_and_given)(live_cast.org_staff, organisation, "Owen Price", volunteer)
    volunteers_page = await _connect_staff(connect, volunteer, organisation)
    coordinator = await _connect_staff(connect, live_cast.org_staff, organisation)
    access = await run(access_organisation)(user=live_cast.org_staff, organisation_id=organisation.pk)
    await run(referral_note_add)(access=access, referral=theirs, text="Rang Owen.")
    assert (await volunteers_page.receive_json())["referral"] == theirs.pk
    assert (await coordinator.receive_json())["referral"] == theirs.pk

    staff = await run(OrganisationStaff.objects.get)(organisation=organisation, user=volunteer)
    await run(organisation_staff_remove)(actor=live_cast.org_staff, staff=staff)
    await run(referral_note_add)(access=access, referral=theirs, text="Still assigned, but Val has left.")
    assert (await coordinator.receive_json())["referral"] == theirs.pk
    # Told to refetch when they left (no referral named), and nothing of the note after it.
    assert await volunteers_page.receive_json() == {
        "type": "referrals.withdrawn",
        "organisation": organisation.pk,
        "user": volunteer.pk,
    }
    # Then the in-app notice's ping (tests/orgs/test_lost_referrals.py), and nothing of the note.
    assert await _heard_before_a_marker(volunteers_page, volunteer) == [{"type": "notification"}]
    # The consumer's check for each event, asked directly: no longer staff, so no.
    event = {"type": "referral.changed", "organisation": organisation.pk, "referral": theirs.pk, "seq": 5}
    assert await run(hearing)(volunteer.pk, event) is Hearing.NOTHING
    assert await run(hearing)(live_cast.org_staff.pk, event) is Hearing.EVENT


async def _heard_before_a_marker(communicator: Any, user: User) -> list[Any]:
    """Everything a connection is sent before a marker sent now through the channel layer.

    The marker travels the same way as the events (into the connection's queue, in order), so it
    comes after anything sent before it. A ping's pong does not: under Redis it can overtake an
    event still waiting in the layer, which then arrives later, after the test has moved on.
    """
    marker = {"type": "referrals.withdrawn", "organisation": 0, "user": user.pk}
    await run(referrals_withdrawn)(organisation_id=0, user_id=user.pk)
    heard = []
    while (message := await communicator.receive_json()) != marker:
        heard.append(message)
    return heard


async def _group_reaches(connections: list[Any], user: User, organisation: Organisation) -> list[bool]:
    """For each of one person's connections, whether a message sent to the organisation's group reaches it.

    The probe is a withdrawal naming that person, which `hearing` passes whatever their role, so
    only being in the group decides whether it arrives; the marker after it comes through their
    personal group, so everything sent before it has arrived by then.
    """
    probe = {"type": "referrals.withdrawn", "organisation": organisation.pk, "user": user.pk}
    await run(publish)(scope_group("organisation", organisation.pk), probe)
    marker = {"type": "referrals.withdrawn", "organisation": 0, "user": user.pk}
    await run(referrals_withdrawn)(organisation_id=0, user_id=user.pk)
    reached = []
    for communicator in connections:
        heard = []
        while (message := await communicator.receive_json()) != marker:
            heard.append(message)
        assert heard in ([], [probe]), heard
        reached.append(heard == [probe])
    return reached


async def test_someone_taken_off_the_staff_leaves_the_organisations_group_at_once(connect: Any, live_cast: Cast):
    team = await run(_team)(live_cast)
    organisation, volunteer, other = team["organisation"], team["volunteer"], team["other"]
    await run(organisation_staff_add)(actor=None, organisation=other, user=volunteer, role=StaffRole.VOLUNTEER)
    pages = [await connect(volunteer), await connect(volunteer)]
    for page in pages:
        told = [await page.receive_json() for _ in range(2)]
        assert {event["organisation"] for event in told} == {organisation.pk, other.pk}
    assert await _group_reaches(pages, volunteer, organisation) == [True, True]

    staff = await run(OrganisationStaff.objects.get)(organisation=organisation, user=volunteer)
    await run(organisation_staff_remove)(actor=live_cast.org_staff, staff=staff)
    # Every open page is told to refetch (and then shows they lost access), and its connection has
    # already left the organisation's group: not at the minute's refresh, which never ran here.
    for page in pages:
        assert await page.receive_json() == {
            "type": "referrals.withdrawn",
            "organisation": organisation.pk,
            "user": volunteer.pk,
        }
    assert await _group_reaches(pages, volunteer, organisation) == [False, False]
    # The organisation they are still on the staff of keeps them.
    assert await _group_reaches(pages, volunteer, other) == [True, True]


async def test_someone_added_to_the_staff_joins_the_organisations_group_at_once(connect: Any, live_cast: Cast):
    team = await run(_team)(live_cast)
    organisation = team["organisation"]
    newcomer = await run(User.objects.create_user)(email="ned@example.org", password=None, display_name="Ned New")
    page = await connect(newcomer)
    assert await _group_reaches([page], newcomer, organisation) == [False]

    await run(organisation_staff_add)(actor=None, organisation=organisation, user=newcomer, role=StaffRole.COORDINATOR)
    # Once their connection has had the messages sent before now (nothing for the page: the
    # instruction to re-read is the consumer's own), it is in the group, long before the minute's
    # refresh, so the next referral to arrive reaches them.
    assert await _heard_before_a_marker(page, newcomer) == []
    assert await _group_reaches([page], newcomer, organisation) == [True]
    arrived = await run(_arrive)(organisation, "Mary Jones")
    assert (await page.receive_json())["referral"] == arrived.pk


async def test_someone_added_back_before_their_connection_heard_of_the_removal_stays_in_the_group(
    connect: Any, live_cast: Cast
):
    team = await run(_team)(live_cast)
    organisation, volunteer = team["organisation"], team["volunteer"]
    page = await _connect_staff(connect, volunteer, organisation)

    def removed_and_added_back() -> None:
        # One transaction: both messages are sent after it commits, when Val is on the staff again.
        with transaction.atomic():
            staff = OrganisationStaff.objects.get(organisation=organisation, user=volunteer)
            organisation_staff_remove(actor=live_cast.org_staff, staff=staff)
            organisation_staff_add(actor=None, organisation=organisation, user=volunteer, role=StaffRole.VOLUNTEER)

    await run(removed_and_added_back)()
    assert await page.receive_json() == {
        "type": "referrals.withdrawn",
        "organisation": organisation.pk,
        "user": volunteer.pk,
    }
    # The connection asked the database, not the message: still staff, so still in the group.
    assert await _group_reaches([page], volunteer, organisation) == [True]


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
    volunteers_page = await _connect_staff(connect, volunteer, organisation)
    coordinator = await _connect_staff(connect, live_cast.org_staff, organisation)
    access = await run(access_organisation)(user=live_cast.org_staff, organisation_id=organisation.pk)

    await run(referral_assign)(access=access, referral=theirs, assignee=other_volunteer)
    given_away = await coordinator.receive_json()
    assert given_away["referral"] == theirs.pk
    # Told only to refetch: the referral's id is not in it, nor anything else about it. The
    # assignment itself reaches Val only as a number: the referral isn't hers when it is delivered.
    # Their notifications page is pinged too: the in-app notice (tests/orgs/test_lost_referrals.py).
    heard = [await volunteers_page.receive_json() for _ in range(3)]
    assert sorted(heard, key=lambda event: event["type"]) == [
        {"type": "notification"},
        {"type": "organisation.skip", "organisation": organisation.pk, "seq": given_away["seq"]},
        {"type": "referrals.withdrawn", "organisation": organisation.pk, "user": volunteer.pk},
    ]

    # Whatever happens to it next reaches the coordinator, and only its numbers reach Val.
    await run(referral_note_add)(access=access, referral=theirs, text="Wyn rang Owen.")
    await run(referral_move)(access=access, referral=theirs, to="active")
    numbers = []
    for _ in range(2):
        event = await coordinator.receive_json()
        assert event["referral"] == theirs.pk
        numbers.append(event["seq"])
    assert await _heard_before_a_marker(volunteers_page, volunteer) == [
        {"type": "organisation.skip", "organisation": organisation.pk, "seq": seq} for seq in numbers
    ]
    # Their own referral still reaches them, in order: its arrival and acceptance (each checked when
    # it is delivered, so as a number or already as theirs), then its assignment.
    mine = await run(_accepted_and_given)(live_cast.org_staff, organisation, "Nia Rees", volunteer)
    heard = [await volunteers_page.receive_json() for _ in range(3)]
    assert [event["seq"] for event in heard] == [numbers[-1] + 1, numbers[-1] + 2, numbers[-1] + 3]
    for event in heard:
        assert event in (
            {"type": "organisation.skip", "organisation": organisation.pk, "seq": event["seq"]},
            {"type": "referral.changed", "organisation": organisation.pk, "referral": mine.pk, "seq": event["seq"]},
        )
    assert heard[-1]["type"] == "referral.changed"


async def test_someone_taken_off_the_staff_or_made_a_volunteer_is_told_to_refetch(connect: Any, live_cast: Cast):
    team = await run(_team)(live_cast)
    organisation, volunteer = team["organisation"], team["volunteer"]
    theirs = await run(_accepted_and_given)(live_cast.org_staff, organisation, "Owen Price", volunteer)
    volunteers_page = await _connect_staff(connect, volunteer, organisation)
    withdrawn = {"type": "referrals.withdrawn", "organisation": organisation.pk, "user": volunteer.pk}

    staff = await run(OrganisationStaff.objects.get)(organisation=organisation, user=volunteer)
    await run(organisation_staff_remove)(actor=live_cast.org_staff, staff=staff)
    assert await volunteers_page.receive_json() == withdrawn
    access = await run(access_organisation)(user=live_cast.org_staff, organisation_id=organisation.pk)
    await run(referral_note_add)(access=access, referral=theirs, text="Still assigned, but Val has left.")
    assert await _heard_before_a_marker(volunteers_page, volunteer) == [{"type": "notification"}]

    # A coordinator made a volunteer is told too; someone else's withdrawal is never passed on.
    await run(organisation_staff_add)(actor=None, organisation=organisation, user=volunteer)
    staff = await run(OrganisationStaff.objects.get)(organisation=organisation, user=volunteer)
    await run(organisation_staff_role_change)(actor=live_cast.org_staff, staff=staff, role=StaffRole.VOLUNTEER)
    assert await volunteers_page.receive_json() == withdrawn
    # Then the ping of the notice saying what changed for them (orgs/lost_referrals.py).
    assert await volunteers_page.receive_json() == {"type": "notification"}
    assert await run(hearing)(live_cast.org_staff.pk, withdrawn) is Hearing.NOTHING
    # Still on the staff, so their connection stays in the group: the referrals given to them
    # still reach them through it (each event checked as it is delivered).
    assert await _group_reaches([volunteers_page], volunteer, organisation) == [True]


def _duplicates_of_one_person(coordinator: User, organisation: Organisation, volunteer: User) -> dict[str, Referral]:
    """Two referrals of the same person: the one to keep unassigned, the duplicate given to the volunteer."""
    keep = _arrive(organisation, "Mary Jones")
    duplicate = _accepted_and_given(coordinator, organisation, "Mary Jones", volunteer)
    return {"keep": keep, "duplicate": duplicate}


async def test_a_volunteer_whose_referral_is_merged_away_refetches_and_hears_nothing_more_of_it(
    connect: Any, live_cast: Cast
):
    team = await run(_team)(live_cast)
    organisation, volunteer = team["organisation"], team["volunteer"]
    pair = await run(_duplicates_of_one_person)(live_cast.org_staff, organisation, volunteer)
    volunteers_page = await _connect_staff(connect, volunteer, organisation)
    access = await run(access_organisation)(user=live_cast.org_staff, organisation_id=organisation.pk)

    await run(referral_merge)(access=access, keep=pair["keep"], other=pair["duplicate"])
    # Told to refetch, as when a referral is given to someone else: no referral named (the merged
    # one's own change may come first, since it is still assigned to them until it leaves their lists).
    heard = await _heard_before_a_marker(volunteers_page, volunteer)
    assert {"type": "referrals.withdrawn", "organisation": organisation.pk, "user": volunteer.pk} in heard
    assert [event for event in heard if event["type"] == "referrals.withdrawn"] == [
        {"type": "referrals.withdrawn", "organisation": organisation.pk, "user": volunteer.pk}
    ]
    # The in-app notice's ping, once (tests/orgs/test_lost_referrals.py).
    assert [event for event in heard if event["type"] == "notification"] == [{"type": "notification"}]
    # Of the kept referral, not theirs, only a number (organisation.skip), never its id.
    assert all(
        event.get("referral") == pair["duplicate"].pk
        for event in heard
        if event["type"] not in {"referrals.withdrawn", "organisation.skip", "notification"}
    )
    assert all("referral" not in event for event in heard if event["type"] == "organisation.skip")
    await run(referral_note_add)(access=access, referral=pair["keep"], text="Rang Mary.")
    heard = await _heard_before_a_marker(volunteers_page, volunteer)
    assert [(event["type"], "referral" in event) for event in heard] == [("organisation.skip", False)]


async def test_a_volunteer_who_has_the_kept_referral_too_is_not_told_to_refetch(connect: Any, live_cast: Cast):
    team = await run(_team)(live_cast)
    organisation, volunteer = team["organisation"], team["volunteer"]
    keep = await run(_accepted_and_given)(live_cast.org_staff, organisation, "Mary Jones", volunteer)
    duplicate = await run(_accepted_and_given)(live_cast.org_staff, organisation, "Mary Jones", volunteer)
    volunteers_page = await _connect_staff(connect, volunteer, organisation)
    access = await run(access_organisation)(user=live_cast.org_staff, organisation_id=organisation.pk)

    await run(referral_merge)(access=access, keep=keep, other=duplicate)
    heard = await _heard_before_a_marker(volunteers_page, volunteer)
    assert [event["type"] for event in heard] == ["referral.changed", "referral.changed"]
    assert {event["referral"] for event in heard} == {keep.pk, duplicate.pk}


async def test_a_burst_of_merges_tells_the_volunteer_once(connect: Any, live_cast: Cast):
    team = await run(_team)(live_cast)
    organisation, volunteer = team["organisation"], team["volunteer"]
    pair = await run(_duplicates_of_one_person)(live_cast.org_staff, organisation, volunteer)
    volunteers_page = await _connect_staff(connect, volunteer, organisation)
    address = reverse(
        "orgs:referral_merge", kwargs={"organisation_id": organisation.pk, "referral_id": pair["keep"].pk}
    )

    def coordinators_clients() -> list[Client]:
        clients = [Client() for _ in range(6)]
        for client in clients:
            client.force_login(live_cast.org_staff)
        return clients

    clients = await run(coordinators_clients)()
    responses = await run(at_once)(
        [partial(client.post, address, {"other": pair["duplicate"].pk}) for client in clients]
    )
    # Six presses of "Merge" at once: each is sent back to the referral, one merges, and the
    # volunteer is told once.
    back = reverse("orgs:referral", kwargs={"organisation_id": organisation.pk, "referral_id": pair["keep"].pk})
    assert [(response.status_code, response["Location"]) for response in responses] == [(302, back)] * 6
    heard = await _heard_before_a_marker(volunteers_page, volunteer)
    withdrawn = [event for event in heard if event["type"] == "referrals.withdrawn"]
    assert withdrawn == [{"type": "referrals.withdrawn", "organisation": organisation.pk, "user": volunteer.pk}]
    merged = await run(Referral.objects.filter(merged_into=pair["keep"]).count)()
    assert merged == 1


async def test_a_page_that_reconnects_is_told_the_latest_number_to_compare_with_what_it_heard(
    connect: Any, live_cast: Cast
):
    team = await run(_team)(live_cast)
    organisation = team["organisation"]
    first = await _connect_staff(connect, live_cast.org_staff, organisation)
    arrived = await run(_arrive)(organisation, "Mary Jones")
    assert (await first.receive_json())["seq"] == 1
    await first.disconnect()

    # Two changes while it was away: on reconnecting it is told 3, so it knows it missed 2 and 3.
    access = await run(access_organisation)(user=live_cast.org_staff, organisation_id=organisation.pk)
    await run(referral_move)(access=access, referral=arrived, to="triaged")
    await run(referral_note_add)(access=access, referral=arrived, text="Rang the surgery.")
    again = await connect(live_cast.org_staff)
    assert await again.receive_json() == {"type": "organisation.latest", "organisation": organisation.pk, "seq": 3}
    # Someone on no organisation's staff is told of none.
    family = await connect(live_cast.helper)
    assert await _heard_before_a_marker(family, live_cast.helper) == []


def test_event_numbers_are_unique_and_gap_free_per_organisation_under_a_burst(live_cast: Cast) -> None:
    team = _team(live_cast)
    ours, theirs = team["organisation"], team["other"]

    def next_number(organisation_id: int) -> int:
        number = organisation_event_seq_next(organisation_id)
        assert number is not None
        return number

    numbers = at_once([partial(next_number, organisation.pk) for organisation in (ours, theirs) for _ in range(12)])
    assert sorted(numbers[:12]) == list(range(1, 13))
    assert sorted(numbers[12:]) == list(range(1, 13))
    # Referrals arriving at once from several senders: each change takes exactly one number.
    at_once([partial(_arrive, ours, f"Person {index}") for index in range(6)])
    ours.refresh_from_db()
    assert ours.event_seq == 12 + 6
    assert organisation_event_seq_next(theirs.pk + 1000) is None, "an organisation that is gone has no number"
