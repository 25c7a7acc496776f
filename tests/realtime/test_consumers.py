"""The WebSocket consumer through the real stack (origin check, session auth, routing, channel layer)."""

from __future__ import annotations

import time

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from carecircle.accounts.models import User
from carecircle.circles.models import Circle, Membership, Role
from carecircle.circles.services import circle_update, membership_add_directly, membership_remove
from carecircle.lib.channel_layers import LOST
from carecircle.realtime.consumers import CLOSE_REDIS_LOST, CLOSE_UNAUTHENTICATED, EventsConsumer
from carecircle.realtime.events import user_group, users_event_send
from tests.cast import invite_and_join, make_user
from tests.realtime.communicator import WebsocketCommunicator

run = database_sync_to_async


async def rename(*, actor: User, circle: Circle, name: str) -> None:
    await run(circle_update)(actor=actor, circle=circle, person_name=name, person_date_of_birth=None)


async def latest_seq(circle: Circle) -> int:
    seq: int = await run(lambda: Circle.objects.values_list("event_seq", flat=True).get(pk=circle.pk))()
    return seq


async def test_a_signed_out_visitor_is_closed_with_the_not_signed_in_code(connect, transactional_db):
    communicator = await connect(None, expect_hello=False)
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}


async def test_a_forged_session_cookie_counts_as_signed_out(connect, websocket_app, transactional_db):
    communicator = WebsocketCommunicator(
        websocket_app,
        "/ws/",
        headers=[(b"host", b"testserver"), (b"origin", b"http://testserver"), (b"cookie", b"sessionid=forged")],
    )
    assert await communicator.connect()
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}


@pytest.mark.parametrize("origin", [None, b"http://elsewhere.example"])
async def test_a_connection_from_another_site_is_refused(connect, live_cast, origin):
    communicator = await connect(live_cast.helper, origin=origin, expect_hello=False)
    assert communicator.accepted is False


async def test_hello_lists_only_the_members_circles(connect, live_cast):
    helper = await connect(live_cast.helper)
    outsider = await connect(live_cast.outsider)
    assert helper.hello == {"type": "hello", "circles": [live_cast.circle.pk]}
    assert outsider.hello == {"type": "hello", "circles": [live_cast.other_circle.pk]}


async def test_members_hear_when_someone_joins_through_the_services(connect, live_cast):
    organiser = await connect(live_cast.organiser)
    helper = await connect(live_cast.helper)
    newcomer = await run(make_user)("newcomer")
    member = await run(invite_and_join)(
        inviter=live_cast.organiser, circle=live_cast.circle, user=newcomer, role=Role.HELPER
    )
    for communicator in (organiser, helper):
        invited = await communicator.receive_json()
        assert invited["type"] == "invitation.created"
        joined = await communicator.receive_json()
        assert joined == {
            "type": "membership.added",
            "circle": live_cast.circle.pk,
            "seq": invited["seq"] + 1,
            "member": member.pk,
            "user": newcomer.pk,
        }


async def test_a_removed_member_is_told_at_once_and_hears_nothing_more_from_that_circle(connect, live_cast):
    helper = await connect(live_cast.helper)
    organiser = await connect(live_cast.organiser)
    membership = await run(live_cast.membership)("helper")

    await run(membership_remove)(actor=live_cast.organiser, member=membership)

    # The helper's first message is the revocation, not the removal event of the circle.
    assert await helper.receive_json() == {"type": "access.revoked", "circle": live_cast.circle.pk}
    assert (await organiser.receive_json())["type"] == "membership.removed"
    await rename(actor=live_cast.organiser, circle=live_cast.circle, name="Papa")
    assert (await organiser.receive_json())["type"] == "circle.changed"
    # Joining another circle afterwards is the next thing the helper hears: the rename never reached them.
    await run(membership_add_directly)(
        actor=live_cast.outsider, circle=live_cast.other_circle, user=live_cast.helper, role=Role.HELPER
    )
    assert await helper.receive_json() == {"type": "access.granted", "circle": live_cast.other_circle.pk}


async def test_membership_is_rechecked_for_every_event_even_if_the_revocation_was_lost(connect, live_cast):
    helper = await connect(live_cast.helper)
    # As if the access.revoked message had been dropped: the membership row goes, no event is sent.
    await run(lambda: Membership.objects.filter(circle=live_cast.circle, user=live_cast.helper).delete())()

    await rename(actor=live_cast.organiser, circle=live_cast.circle, name="Papa")
    await run(membership_add_directly)(
        actor=live_cast.outsider, circle=live_cast.other_circle, user=live_cast.helper, role=Role.HELPER
    )

    assert await helper.receive_json() == {"type": "access.granted", "circle": live_cast.other_circle.pk}


async def test_a_busy_circle_costs_each_process_one_membership_query_a_second_not_one_per_connection(
    connect, live_cast, monkeypatch
):
    import carecircle.realtime.consumers as consumers

    read_circle = []
    asked_alone = []
    real_read, real_check = consumers.member_ids_now, consumers.is_member_now

    async def counting_read(circle_id: int) -> frozenset[int]:
        read_circle.append(circle_id)
        return frozenset(await real_read(circle_id))

    async def counting_check(user_id: int, circle_id: int) -> bool:
        asked_alone.append(circle_id)
        return bool(await real_check(user_id, circle_id))

    monkeypatch.setattr(consumers, "member_ids_now", counting_read)
    monkeypatch.setattr(consumers, "is_member_now", counting_check)
    pages = [await connect(person) for person in (live_cast.helper, live_cast.organiser, live_cast.helper)]
    for name in ("Papa", "Dad", "Father"):
        await rename(actor=live_cast.organiser, circle=live_cast.circle, name=name)
    for page in pages:
        for _ in range(3):
            assert (await page.receive_json())["type"] == "circle.changed"

    assert read_circle == [live_cast.circle.pk]
    assert asked_alone == []


async def test_an_event_to_trusted_members_runs_nothing_in_a_thread(connect, live_cast, monkeypatch):
    """Each page hears it without a hop to the database thread (channels' dispatch took one per page per event)."""
    import channels.db

    from carecircle.realtime.events import HANDLER, circle_group

    monkeypatch.setattr(EventsConsumer, "clock", staticmethod(lambda: 1000.0))
    pages = [await connect(person) for person in (live_cast.helper, live_cast.organiser, live_cast.helper)]
    layer = get_channel_layer()
    event = {"type": "circle.changed", "circle": live_cast.circle.pk, "seq": 1}
    await layer.group_send(circle_group(live_cast.circle.pk), {"type": HANDLER, "event": event})
    for page in pages:
        assert await page.receive_json() == event
    hops = []
    real = channels.db.close_old_connections

    def counting() -> None:
        hops.append(1)
        real()

    monkeypatch.setattr(channels.db, "close_old_connections", counting)

    following = {**event, "seq": 2}
    await layer.group_send(circle_group(live_cast.circle.pk), {"type": HANDLER, "event": following})
    for page in pages:
        assert await page.receive_json() == following

    assert hops == []


async def test_someone_missing_from_the_shared_answer_is_asked_about_alone(connect, live_cast, monkeypatch):
    import carecircle.realtime.consumers as consumers

    helper = await connect(live_cast.helper)
    # As if the process had read the circle's members just before the helper joined it.
    consumers.circle_members.read[live_cast.circle.pk] = (EventsConsumer.clock(), frozenset())

    await rename(actor=live_cast.organiser, circle=live_cast.circle, name="Papa")

    assert (await helper.receive_json())["type"] == "circle.changed"


async def test_the_removal_itself_is_checked_afresh_even_inside_the_trust_window(connect, live_cast):
    helper = await connect(live_cast.helper)
    await rename(actor=live_cast.organiser, circle=live_cast.circle, name="Papa")
    assert (await helper.receive_json())["type"] == "circle.changed"
    membership = await run(live_cast.membership)("helper")

    await run(membership_remove)(actor=live_cast.organiser, member=membership)

    # Whichever group delivers first, the helper hears the revocation and nothing about the removal
    # (across processes the circle's group can deliver first: tests/realtime/test_two_servers.py).
    assert await helper.receive_json() == {"type": "access.revoked", "circle": live_cast.circle.pk}
    await run(membership_add_directly)(
        actor=live_cast.outsider, circle=live_cast.other_circle, user=live_cast.helper, role=Role.HELPER
    )
    assert await helper.receive_json() == {"type": "access.granted", "circle": live_cast.other_circle.pk}


async def test_a_silently_removed_member_hears_nothing_once_the_trust_window_ends(connect, live_cast, monkeypatch):
    later = [0.0]
    monkeypatch.setattr(EventsConsumer, "clock", staticmethod(lambda: time.monotonic() + later[0]))
    helper = await connect(live_cast.helper)
    await rename(actor=live_cast.organiser, circle=live_cast.circle, name="Papa")
    assert (await helper.receive_json())["type"] == "circle.changed"
    # The row goes without any revocation message, as if it had been dropped.
    await run(lambda: Membership.objects.filter(circle=live_cast.circle, user=live_cast.helper).delete())()
    later[0] = EventsConsumer.membership_trust_seconds + 1

    await rename(actor=live_cast.organiser, circle=live_cast.circle, name="Dad")
    await run(membership_add_directly)(
        actor=live_cast.outsider, circle=live_cast.other_circle, user=live_cast.helper, role=Role.HELPER
    )
    assert await helper.receive_json() == {"type": "access.granted", "circle": live_cast.other_circle.pk}


async def test_an_outsider_hears_nothing_from_a_circle_they_are_not_in(connect, live_cast):
    outsider = await connect(live_cast.outsider)

    await rename(actor=live_cast.organiser, circle=live_cast.circle, name="Papa")
    await rename(actor=live_cast.outsider, circle=live_cast.other_circle, name="Auntie Josephine")

    event = await outsider.receive_json()
    assert (event["type"], event["circle"]) == ("circle.changed", live_cast.other_circle.pk)


async def test_someone_added_to_a_circle_hears_from_it_at_once(connect, live_cast):
    newcomer_user = await run(make_user)("newcomer")
    newcomer = await connect(newcomer_user)
    assert newcomer.hello["circles"] == []

    await run(membership_add_directly)(
        actor=live_cast.organiser, circle=live_cast.circle, user=newcomer_user, role=Role.HELPER
    )
    assert await newcomer.receive_json() == {"type": "access.granted", "circle": live_cast.circle.pk}

    await rename(actor=live_cast.organiser, circle=live_cast.circle, name="Papa")
    changed = await newcomer.receive_json()
    assert (changed["type"], changed["circle"]) == ("circle.changed", live_cast.circle.pk)


async def test_events_are_numbered_one_by_one_in_each_circle_and_carry_ids_only(connect, live_cast):
    organiser = await connect(live_cast.organiser)
    outsider = await connect(live_cast.outsider)
    start = await latest_seq(live_cast.circle)
    other_start = await latest_seq(live_cast.other_circle)

    for name in ("Papa", "Pops", "Father"):
        await rename(actor=live_cast.organiser, circle=live_cast.circle, name=name)
    await rename(actor=live_cast.outsider, circle=live_cast.other_circle, name="Auntie Josephine")

    events = [await organiser.receive_json() for _ in range(3)]
    assert [event["seq"] for event in events] == [start + 1, start + 2, start + 3]
    # Only ids travel: the new name is fetched over HTTP through the access checks.
    assert all(set(event) == {"type", "circle", "seq"} for event in events)
    assert "Papa" not in str(events)
    assert (await outsider.receive_json())["seq"] == other_start + 1


async def test_pings_are_answered_and_junk_is_ignored(connect, live_cast):
    helper = await connect(live_cast.helper)
    await helper.send_text("not json")
    await helper.send_bytes(b"\x00\x01")
    await helper.send_text("[" * 5000)
    await helper.send_json({"type": "ping"})
    assert await helper.receive_json() == {"type": "pong"}


async def test_a_connection_reconciles_its_circles_when_grants_and_revocations_were_lost(
    connect, live_cast, monkeypatch
):
    monkeypatch.setattr(EventsConsumer, "group_refresh_seconds", 0.05)
    helper = await connect(live_cast.helper)

    # As if both messages had been dropped: the rows change, no event is sent.
    def change_rows_silently() -> None:
        Membership.objects.filter(circle=live_cast.circle, user=live_cast.helper).delete()
        Membership.objects.create(circle=live_cast.other_circle, user=live_cast.helper, role=Role.HELPER)

    await run(change_rows_silently)()

    # Every refresh also tells each circle's latest number (tested below); skipped here.
    async def next_not_latest() -> dict[str, object]:
        while True:
            event: dict[str, object] = await helper.receive_json()
            if event["type"] != "circle.latest":
                return event

    assert await next_not_latest() == {"type": "access.revoked", "circle": live_cast.circle.pk}
    assert await next_not_latest() == {"type": "access.granted", "circle": live_cast.other_circle.pk}
    await rename(actor=live_cast.outsider, circle=live_cast.other_circle, name="Auntie Josephine")
    changed = await next_not_latest()
    assert (changed["type"], changed["circle"]) == ("circle.changed", live_cast.other_circle.pk)


async def test_every_refresh_tells_each_circles_latest_number(connect, live_cast, monkeypatch):
    """However a connection lost its groups, its client hears the latest number within one refresh."""
    monkeypatch.setattr(EventsConsumer, "group_refresh_seconds", 0.05)
    helper = await connect(live_cast.helper)
    # Changed without an event reaching anyone, as if it had been published while the groups were gone.
    await run(lambda: Circle.objects.filter(pk=live_cast.circle.pk).update(event_seq=41))()
    for _ in range(5):
        event = await helper.receive_json()
        if event == {"type": "circle.latest", "circle": live_cast.circle.pk, "seq": 41}:
            return
    raise AssertionError(f"no circle.latest with the new number; last heard {event}")


async def test_a_connection_that_joined_across_a_redis_restart_resyncs_itself(connect, live_cast, monkeypatch):
    """Its groups may be on the old Redis, and the watchdog resynced the others before it enrolled."""
    from carecircle.realtime import consumers

    counts = iter([3, 4])  # before joining the groups, then after enrolling: a restart was seen between
    monkeypatch.setattr(consumers, "restarts_seen", lambda: next(counts))
    helper = await connect(live_cast.helper)
    seq = await latest_seq(live_cast.circle)
    assert await helper.receive_json() == {"type": "circle.latest", "circle": live_cast.circle.pk, "seq": seq}


async def test_a_connection_that_joined_with_no_restart_is_not_resynced(connect, live_cast, monkeypatch):
    from carecircle.realtime import consumers

    monkeypatch.setattr(consumers, "restarts_seen", lambda: 3)
    helper = await connect(live_cast.helper)
    await helper.send_json({"type": "ping"})
    assert await helper.receive_json() == {"type": "pong"}, "nothing else was sent first"


async def test_signing_out_other_devices_closes_their_live_connections(connect, live_cast):
    from carecircle.accounts.models import SignedInSession
    from carecircle.accounts.sessions import sessions_sign_out_others

    this_device = await connect(live_cast.helper)
    other_device = await connect(live_cast.helper)
    for communicator in (this_device, other_device):
        await run(SignedInSession.objects.create)(user=live_cast.helper, session_key=communicator.session_key)

    await run(sessions_sign_out_others)(actor=live_cast.helper, current_session_key=this_device.session_key)

    closed = await other_device.receive_output()
    assert closed == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
    await rename(actor=live_cast.organiser, circle=live_cast.circle, name="Papa")
    assert (await this_device.receive_json())["type"] == "circle.changed"


async def test_a_personal_event_sent_to_the_circle_reaches_only_the_members_it_names(connect, live_cast):
    """notify() tells many members with one send to the circle; each connection keeps only its own."""
    organiser = await connect(live_cast.organiser)
    helper = await connect(live_cast.helper)
    paid_carer = await connect(live_cast.paid_carer)
    named = [live_cast.helper.pk, live_cast.paid_carer.pk]

    await run(users_event_send)(user_ids=named, circle_id=live_cast.circle.pk, type="notification")

    # Each named member hears it without the list: nobody learns who else was told.
    for connection in (helper, paid_carer):
        assert await connection.receive_json() == {"type": "notification", "circle": live_cast.circle.pk}
    # The organiser, not named, hears nothing of it: the next event is the circle's own.
    await rename(actor=live_cast.organiser, circle=live_cast.circle, name="Papa")
    assert (await organiser.receive_json())["type"] == "circle.changed"


async def test_a_member_named_after_leaving_hears_nothing(connect, live_cast):
    """Named in the list but no longer a member (removed without a revocation message): dropped."""
    helper = await connect(live_cast.helper)
    await run(lambda: Membership.objects.filter(circle=live_cast.circle, user=live_cast.helper).delete())()

    await run(users_event_send)(user_ids=[live_cast.helper.pk], circle_id=live_cast.circle.pk, type="notification")

    await run(membership_add_directly)(
        actor=live_cast.outsider, circle=live_cast.other_circle, user=live_cast.helper, role=Role.HELPER
    )
    assert await helper.receive_json() == {"type": "access.granted", "circle": live_cast.other_circle.pk}


async def test_a_connection_told_its_process_lost_redis_closes_so_its_client_catches_up(connect, live_cast):
    # The queues layer tells every connection of a process whose read from Redis failed
    # (tests/realtime/test_queues_layer.py); here the consumer's side of it.
    helper = await connect(live_cast.helper)
    await get_channel_layer().group_send(user_group(live_cast.helper.pk), {"type": LOST})
    assert await helper.receive_output() == {"type": "websocket.close", "code": CLOSE_REDIS_LOST}


async def test_event_frames_go_straight_to_the_server_past_the_session_wrapper(connect, live_cast, monkeypatch):
    """The routing keeps the server's send; an event's frame doesn't pass channels' session wrapper."""
    from channels.sessions import InstanceSessionWrapper

    from carecircle.realtime.events import HANDLER, circle_group

    wrapped = []
    real_send = InstanceSessionWrapper.send

    async def counting_send(self, message):
        wrapped.append(message["type"])
        return await real_send(self, message)

    monkeypatch.setattr(InstanceSessionWrapper, "send", counting_send)
    page = await connect(live_cast.helper)
    assert wrapped == ["websocket.accept", "websocket.send"]  # the handshake and the hello, as before
    event = {"type": "circle.changed", "circle": live_cast.circle.pk, "seq": 1}

    await get_channel_layer().group_send(circle_group(live_cast.circle.pk), {"type": HANDLER, "event": event})

    assert await page.receive_json() == event
    assert wrapped == ["websocket.accept", "websocket.send"]


async def test_an_event_to_a_trusted_member_is_sent_without_asking_the_shared_answer(connect, live_cast, monkeypatch):
    """Within the trust window the answer is looked up in place: no await before the send."""
    import carecircle.realtime.consumers as consumers
    from carecircle.realtime.events import HANDLER, circle_group

    monkeypatch.setattr(EventsConsumer, "clock", staticmethod(lambda: 1000.0))
    page = await connect(live_cast.helper)
    layer = get_channel_layer()
    first = {"type": "circle.changed", "circle": live_cast.circle.pk, "seq": 1}
    await layer.group_send(circle_group(live_cast.circle.pk), {"type": HANDLER, "event": first})
    assert await page.receive_json() == first
    asked = []
    real_includes = consumers.CircleMembers.includes

    async def counting_includes(self, *args, **kwargs):
        asked.append(args)
        return await real_includes(self, *args, **kwargs)

    monkeypatch.setattr(consumers.CircleMembers, "includes", counting_includes)

    following = {**first, "seq": 2}
    await layer.group_send(circle_group(live_cast.circle.pk), {"type": HANDLER, "event": following})

    assert await page.receive_json() == following
    assert asked == []


def test_the_shared_answer_is_trusted_only_within_its_window_and_only_for_a_yes():
    from carecircle.realtime.consumers import CircleMembers

    members = CircleMembers()
    members.read[7] = (100.0, frozenset({1, 2}))

    assert members.trusted(7, 1, now=100.5, trust_seconds=1.0)
    assert not members.trusted(7, 3, now=100.5, trust_seconds=1.0)  # not in it: asked alone
    assert not members.trusted(7, 1, now=101.0, trust_seconds=1.0)  # the window ended
    assert not members.trusted(8, 1, now=100.5, trust_seconds=1.0)  # never read


def test_a_personal_event_names_a_person_only_if_its_list_does():
    from carecircle.lib.channel_layers import FOR_USERS
    from carecircle.realtime.consumers import EncodedEvents

    encoded = EncodedEvents()
    event = {"type": "notification", "circle": 1, FOR_USERS: [4, 5]}

    assert encoded.names(event, 4)
    assert not encoded.names(event, 6)
    assert not encoded.names({"type": "notification", "circle": 1, FOR_USERS: "4"}, 4)
    # Another event's list, whatever the first one's was.
    assert encoded.names({"type": "notification", "circle": 1, FOR_USERS: [6]}, 6)
