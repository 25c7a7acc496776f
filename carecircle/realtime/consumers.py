"""The one WebSocket endpoint. Thin: authenticate, join groups, re-check access as events arrive."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import json
import logging
import time
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer

from carecircle.accounts.sessions import session_tag
from carecircle.circles.access import circle_member_ids, is_member
from carecircle.circles.models import Circle, Membership
from carecircle.lib.channel_layers import FOR_USERS
from carecircle.realtime.events import HANDLER, channel_person, channel_taker, circle_group, user_group
from carecircle.realtime.registries import Hearing, LiveScope, live_scopes, scope_group
from carecircle.realtime.server_frames import frame_bytes, frame_writer
from carecircle.realtime.watchdog import restarts_seen, subscriptions_confirm, watchdog_enrol, watchdog_leave

logger = logging.getLogger(__name__)

# Close codes: 4401 = not signed in (the client stops retrying until the page reloads).
CLOSE_UNAUTHENTICATED = 4401
# 1013 "try again later": this connection fell too far behind the live events (its layer's
# ChannelBacklog, or the queues layer's list in Redis, overflowed); the client reconnects and
# catches up by sequence number.
CLOSE_TOO_FAR_BEHIND = 1013
# 1012 "service restart": the process lost its connection to Redis (and perhaps every group with
# it); the client reconnects at once and catches up.
CLOSE_REDIS_LOST = 1012
# Clients only send pings; anything longer is ignored unread.
MAX_INCOMING_CHARACTERS = 1024
# Events that change who is in a circle are always checked against the database, never the trust
# window: a removed member must not hear even the ids of their own removal.
FRESH_CHECK_PREFIXES = ("access.", "membership.")
# The scope key under which realtime/routing.py keeps the server's own `send`: the consumer writes
# event frames with it, past channels' session wrapper, which does nothing for a WebSocket frame.
SERVER_SEND = "carecircle.server_send"
# What a connection does with an event without awaiting anything (EventsConsumer._at_once); None: ask.
SEND = "send"
DROP = "drop"


def _circle_ids_of(user_id: int) -> list[int]:
    return list(Membership.objects.filter(user_id=user_id).values_list("circle_id", flat=True))


def _is_member(user_id: int, circle_id: int) -> bool:
    # "events.view" is fixed for every role, so membership is the whole check.
    return is_member(user_id=user_id, circle_id=circle_id)


def _member_ids(circle_id: int) -> frozenset[int]:
    return circle_member_ids(circle_id=circle_id)


def _circle_seqs_of(user_id: int) -> list[tuple[int, int]]:
    return list(
        Membership.objects.filter(user_id=user_id).order_by("circle_id").values_list("circle_id", "circle__event_seq")
    )


def _latest_seqs(circle_ids: list[int]) -> list[tuple[int, int]]:
    return list(Circle.objects.filter(pk__in=circle_ids).order_by("pk").values_list("pk", "event_seq"))


def _scopes_of(user_id: int) -> tuple[set[str], list[dict[str, Any]]]:
    """The groups of the person's scopes, and the latest number of each numbered one (as messages)."""
    groups: set[str] = set()
    latest: list[dict[str, Any]] = []
    for scope in live_scopes():
        if scope.latest_for is None:
            groups.update(scope_group(scope.key, found) for found in scope.ids_for(user_id))
            continue
        for found, seq in scope.latest_for(user_id):
            groups.add(scope_group(scope.key, found))
            latest.append({"type": f"{scope.key}.latest", scope.key: found, "seq": seq})
    return groups, latest


def _hearing(scope: LiveScope, user_id: int, event: dict[str, Any]) -> Hearing:
    return scope.hearing(user_id, event)


def _scope_of(event: dict[str, Any]) -> LiveScope | None:
    """The scope an event belongs to (an organisation…), if it isn't a circle's or a personal one."""
    if "circle" in event:
        return None
    for scope in live_scopes():
        if isinstance(event.get(scope.key), int):
            return scope
    return None


scopes_of = database_sync_to_async(_scopes_of)
hearing_now = database_sync_to_async(_hearing)
circle_ids_of = database_sync_to_async(_circle_ids_of)
latest_seqs = database_sync_to_async(_latest_seqs)
circle_seqs_of = database_sync_to_async(_circle_seqs_of)
is_member_now = database_sync_to_async(_is_member)
member_ids_now = database_sync_to_async(_member_ids)


class CircleMembers:
    """This process's latest answer to "who is in circle N?", shared by all its connections.

    An event to a circle of 500 open pages used to cost each page's consumer its own query once its
    trust window ended (500 queries a second in a busy conversation); now the first consumer to need
    the answer reads the circle's members once, the others in this process wait for that same read,
    and the answer is trusted for `trust_seconds` from when the read began. Only a "yes" is trusted:
    someone missing from the answer is asked about alone, so a person added a moment ago is not
    turned away.
    """

    # Circles remembered before the stale answers are dropped (a process sees many circles over a day).
    most = 1000

    def __init__(self) -> None:
        self.read: dict[int, tuple[float, frozenset[int]]] = {}
        self.reading: dict[tuple[int, int], asyncio.Future[frozenset[int]]] = {}

    def clear(self) -> None:
        self.read.clear()
        self.reading.clear()

    def trusted(self, circle_id: int, user_id: int, *, now: float, trust_seconds: float) -> bool:
        """True if this process's answer, still within its window, has the person: no await, no read."""
        found = self.read.get(circle_id)
        return found is not None and now - found[0] < trust_seconds and user_id in found[1]

    async def includes(self, circle_id: int, user_id: int, *, now: float, trust_seconds: float) -> bool:
        found = self.read.get(circle_id)
        if found is None or now - found[0] >= trust_seconds:
            found = (now, await self._read(circle_id))
            self.read[circle_id] = found
            if len(self.read) > self.most:
                self.read = {key: kept for key, kept in self.read.items() if now - kept[0] < trust_seconds}
        return user_id in found[1]

    async def _read(self, circle_id: int) -> frozenset[int]:
        # One read per circle at a time in each event loop; a waiter that is cancelled (its
        # connection closed) doesn't cancel the read the others wait for.
        key = (id(asyncio.get_running_loop()), circle_id)
        pending = self.reading.get(key)
        if pending is None:
            pending = asyncio.ensure_future(member_ids_now(circle_id))
            self.reading[key] = pending

            def finished(done: asyncio.Future[frozenset[int]]) -> None:
                if self.reading.get(key) is done:
                    del self.reading[key]

            pending.add_done_callback(finished)
        return await asyncio.shield(pending)


circle_members = CircleMembers()


class EncodedEvents:
    """The JSON text of the last events this process sent, so each is encoded once, not once per socket.

    Both Redis layers hand every connection of a process the same event dict (the pub/sub layer
    since `BoundedPubSubChannelLayer.deserialize`), so its text is looked up by the dict's identity;
    the dict is kept with its text, so that identity is not reused meanwhile. A personal event sent
    to a circle is sent without its list of people, also encoded once.
    """

    most = 64

    def __init__(self) -> None:
        self.texts: collections.OrderedDict[tuple[int, bool], tuple[dict[str, Any], str]] = collections.OrderedDict()
        self.frames: collections.OrderedDict[tuple[int, bool], tuple[dict[str, Any], bytes]] = collections.OrderedDict()
        self.people: collections.OrderedDict[tuple[int, None], tuple[dict[str, Any], frozenset[int]]] = (
            collections.OrderedDict()
        )

    def names(self, event: dict[str, Any], user_id: int) -> bool:
        """Whether a personal event sent to a circle names this person; its list is made a set once per event."""
        key = (id(event), None)
        found = self.people.get(key)
        if found is None or found[0] is not event:
            named = event.get(FOR_USERS)
            people = (
                frozenset(person for person in named if isinstance(person, int))
                if isinstance(named, list)
                else frozenset()
            )
            found = (event, people)
            self.people[key] = found
            if len(self.people) > self.most:
                self.people.popitem(last=False)
        return user_id in found[1]

    def text(self, event: dict[str, Any], *, without_people: bool = False) -> str:
        key = (id(event), without_people)
        found = self.texts.get(key)
        if found is not None and found[0] is event:
            return found[1]
        sent = {name: value for name, value in event.items() if name != FOR_USERS} if without_people else event
        text = json.dumps(sent)
        self.texts[key] = (event, text)
        if len(self.texts) > self.most:
            self.texts.popitem(last=False)
        return text

    def frame(self, event: dict[str, Any], *, without_people: bool = False) -> bytes:
        """The WebSocket frame of `text`, built once per event: a server's frames are the same for every socket."""
        key = (id(event), without_people)
        found = self.frames.get(key)
        if found is not None and found[0] is event:
            return found[1]
        frame = frame_bytes(self.text(event, without_people=without_people))
        self.frames[key] = (event, frame)
        if len(self.frames) > self.most:
            self.frames.popitem(last=False)
        return frame


encoded_events = EncodedEvents()


# Message type → handler name (channels' get_handler_name), worked out once per type, not per message.
_HANDLER_NAMES: dict[str, str] = {}


class _Closed:
    """How many connections this process has closed for falling too far behind (said in each log line)."""

    too_far_behind = 0


def closed_too_far_behind() -> int:
    return _Closed.too_far_behind


class EventsConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # channels has no type hints
    """Sends a signed-in person the ids of what changed in their circles, and nothing else."""

    # Group membership in Redis expires (group_expiry) and vanishes if Redis restarts, and a grant or
    # revocation message can be dropped: this often, each connection re-joins its groups and
    # reconciles its circles with the database.
    group_refresh_seconds = 60.0
    # A membership the database confirmed is trusted this long before it is asked again, so a busy
    # conversation costs each process at most one query a second per circle (CircleMembers) instead
    # of one per connection per event. Membership and access events are always checked afresh; see
    # docs/architecture/realtime.md.
    membership_trust_seconds = 1.0
    # The clock the trust window is measured on; tests move it on instead of waiting.
    clock = staticmethod(time.monotonic)

    user_id: int
    circle_ids: set[int]
    scope_groups: set[str]
    session_tag: str = ""
    refresher: asyncio.Task[None] | None = None
    # Set once the connection is accepted and has said hello; from then on an event may be handled
    # in the channel layer reader's turn (`take_now`).
    live: bool = False
    # A message taken from a source and not yet handled (waiting for the lock, or being handled).
    in_hand: bool = False
    frame_write: Any = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accept first so the close code reaches the browser: a refused handshake shows only 1006.
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user_id = user.pk
        channel_person(self.channel_layer, self.channel_name, self.user_id)
        self.circle_ids = set()
        self.scope_groups = set()
        session = self.scope.get("session")
        self.session_tag = session_tag(session.session_key) if session is not None and session.session_key else ""
        restarts = restarts_seen()
        # The personal group comes first: a grant sent while the circles are being read still arrives.
        await self.channel_layer.group_add(user_group(self.user_id), self.channel_name)
        for circle_id in await circle_ids_of(self.user_id):
            await self._join(circle_id)
        scopes_latest = await self._join_scopes()
        await self.accept()
        await self.send_json({"type": "hello", "circles": sorted(self.circle_ids)})
        for message in scopes_latest:
            await self.send_json(message)
        self.refresher = asyncio.create_task(self._ask_for_refreshes())
        watchdog_enrol(self)
        if restarts_seen() != restarts:
            # Redis restarted while this connection joined its groups, and the watchdog resynced the
            # others before this one enrolled: the groups may be on the old server.
            await subscriptions_confirm(self.channel_layer)
            await self.resync()
        self.live = True

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Hand a message to its handler, without channels' thread hop before each one.

        channels' own dispatch first runs `close_old_connections` through `sync_to_async`, one hop
        to the process's single thread-sensitive thread per message per connection: an event to a
        circle with 500 open pages in a process queued 500 hops there, one after the other, before
        the last page heard it, although the answer was already trusted and no query was needed.
        Every database read of this consumer goes through `database_sync_to_async`, which closes
        stale connections in its own thread before and after, so the hop guarded nothing here.
        """
        kind = message.get("type")
        name = _HANDLER_NAMES.get(kind) if isinstance(kind, str) else None
        if name is None:
            name = get_handler_name(message)
            if isinstance(kind, str) and len(_HANDLER_NAMES) < 64:
                _HANDLER_NAMES[kind] = name
        handler = getattr(self, name, None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            await self.serve(scope, receive, send)
        finally:
            # However the connection ends (even by an error in a handler or a failed read from
            # Redis, which skip `disconnect`), its timer ends with it, and the watchdog forgets it:
            # a resync would put the dead connection back in its groups on the new Redis, where
            # every event would queue a copy for it that nobody reads.
            if self.refresher is not None:
                self.refresher.cancel()
            watchdog_leave(self)

    async def serve(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Serve one connection: what the browser sends and what the channel layer hands it, one at a time.

        channels' own loop (`await_many_dispatch`) started a new task for the next channel-layer
        read and an `asyncio.wait` over both sources after every message, per connection per
        event. Here each source is read by one task for the life of the connection, and a lock
        keeps their handlers from interleaving, as channels' loop did (an event waits while the
        connection is still joining its groups). Whichever task ends first (the browser left, a
        handler failed) ends the other.
        """
        self.scope = scope
        self.base_send = send
        # Event frames go straight to the server (routing.KeepServerSend); without it (a test's
        # consumer alone) through channels' send as everything else.
        self.frame_send = scope.get(SERVER_SEND) or send
        # uvicorn's connection, written to at once when its send wouldn't wait (server_frames.py).
        self.frame_write = frame_writer(self.frame_send)
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.handling = handling = asyncio.Lock()

        async def handle_each(read: Any) -> None:
            while True:
                message = await read()
                self.in_hand = True
                try:
                    async with handling:
                        await self.dispatch(message)
                finally:
                    self.in_hand = False

        sources = [receive]
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
            sources.append(self.channel_receive)
            if self.frame_write is not None:
                channel_taker(self.channel_layer, self.channel_name, self.take_now)
        readers = [asyncio.ensure_future(handle_each(read)) for read in sources]
        try:
            done, _ = await asyncio.wait(readers, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for reader in readers:
                reader.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
        for reader in done:
            with contextlib.suppress(StopConsumer):
                reader.result()

    async def disconnect(self, code: int) -> None:
        self.live = False
        watchdog_leave(self)
        if not hasattr(self, "user_id"):
            return
        await self.channel_layer.group_discard(user_group(self.user_id), self.channel_name)
        for circle_id in list(self.circle_ids):
            await self._leave(circle_id)
        for group in list(self.scope_groups):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        # Binary frames, oversized frames and malformed JSON are ignored rather than ending the connection.
        if text_data is None or len(text_data) > MAX_INCOMING_CHARACTERS:
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    def take_now(self, message: dict[str, Any]) -> bool:
        """Handle a message in the channel layer reader's turn, if that needs no await; True if handled.

        The usual event of a busy circle (this process's answer on its members fresh, the frame
        already built for the process) is written to uvicorn's connection here, without waking this
        connection's task, queueing the message or awaiting uvicorn's send: per connection per event,
        most of what was left of the receiving side's cost. Only when the connection has nothing
        waiting or in hand, so its messages keep their order; anything else (a check to make, a
        close, a paused socket) returns False and is queued for the task as before.
        """
        if not self.live or self.in_hand or self.handling.locked() or message.get("type") != HANDLER:
            return False
        event = message.get("event")
        if not isinstance(event, dict):
            return False
        decided = self._at_once(event)
        if decided is DROP:
            return True
        if decided is SEND:
            return bool(self.frame_write(encoded_events.frame(event, without_people=FOR_USERS in event)))
        return False

    def _at_once(self, event: dict[str, Any]) -> str | None:
        """SEND or DROP if that is decided without awaiting anything; None if the database or a close is needed."""
        if event.get("type") == "sessions.ended":
            return None
        if FOR_USERS in event and not encoded_events.names(event, self.user_id):
            # A personal event sent once to the circle: only its members' own connections pass it on,
            # without the list, so nobody hears that (or how often) anyone else was told.
            return DROP
        if _scope_of(event) is not None:
            return None
        circle_id = event.get("circle")
        if not isinstance(circle_id, int):
            return SEND
        if str(event.get("type")).startswith(FRESH_CHECK_PREFIXES):
            return None
        if circle_members.trusted(
            circle_id, self.user_id, now=self.clock(), trust_seconds=self.membership_trust_seconds
        ):
            # The usual case in a busy circle: this process's answer is fresh; no await before the send.
            return SEND
        return None

    async def circle_event(self, message: dict[str, Any]) -> None:
        """Every event from a circle group or the personal group; membership is re-checked first."""
        event = message.get("event")
        if not isinstance(event, dict):
            return
        decided = self._at_once(event)
        without_people = FOR_USERS in event
        if decided is DROP:
            return
        if decided is SEND:
            await self._send_event(event, without_people)
            return
        circle_id = event.get("circle")
        if event.get("type") == "sessions.ended":
            # Signed out (here or from another device): this connection's session no longer exists.
            if self.session_tag and self.session_tag in event.get("sessions", []):
                await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        scope = _scope_of(event)
        if scope is not None:
            # An organisation's event: asked of the database each time (a volunteer hears only of
            # their own referrals, and only the numbers of the others; someone who left the staff
            # hears nothing more).
            shown = {key: value for key, value in event.items() if key != FOR_USERS}
            hearing = await hearing_now(scope, self.user_id, shown)
            if hearing is Hearing.EVENT:
                await self._send_event(event, without_people)
            elif hearing is Hearing.NUMBER and isinstance(event.get("seq"), int):
                await self.send_json({"type": f"{scope.key}.skip", scope.key: event[scope.key], "seq": event["seq"]})
            return
        if not isinstance(circle_id, int):
            return  # not reached: _at_once sends those
        kind = event.get("type")
        fresh = str(kind).startswith(FRESH_CHECK_PREFIXES)
        if await self._still_member(circle_id, fresh=fresh):
            if kind == "access.granted":
                await self._join(circle_id)
            elif kind == "access.revoked":
                # Re-added since: the grant that follows (or came first) keeps the client in the circle.
                return
            await self._send_event(event, without_people)
            return
        # Not a member (any more): leave at once, and tell the client only that access ended.
        await self._leave(circle_id)
        if kind == "access.revoked":
            await self._send_event(event, without_people)

    async def _send_event(self, event: dict[str, Any], without_people: bool) -> None:
        """One event's frame: its text encoded once per process, written straight to the server."""
        if self.frame_write is not None and self.frame_write(
            encoded_events.frame(event, without_people=without_people)
        ):
            return
        await self.frame_send(
            {"type": "websocket.send", "text": encoded_events.text(event, without_people=without_people)}
        )

    async def channel_overflowed(self, message: dict[str, Any]) -> None:
        """The layer dropped what this connection was too slow to read: close, so the client catches up.

        Closing (rather than telling the client where each circle is) covers every kind of message
        dropped, personal and organisation ones too: a reconnect reads everything afresh.
        """
        _Closed.too_far_behind += 1
        logger.warning(
            "A live connection fell too far behind; closing it so its client catches up (%s so far in this process)",
            _Closed.too_far_behind,
        )
        await self.close(code=CLOSE_TOO_FAR_BEHIND)

    async def channel_lost(self, message: dict[str, Any]) -> None:
        """The process's read from Redis failed (BoundedRedisChannelLayer): close, so the client catches up.

        If Redis restarted, it forgot this connection's groups; a connection that was busy handling
        a message when the read failed would otherwise stay open hearing nothing until the
        watchdog's next ask, or the minute's refresh if the watchdog missed it.
        """
        await self.close(code=CLOSE_REDIS_LOST)

    async def _still_member(self, circle_id: int, *, fresh: bool) -> bool:
        if not fresh and await circle_members.includes(
            circle_id, self.user_id, now=self.clock(), trust_seconds=self.membership_trust_seconds
        ):
            return True
        return bool(await is_member_now(self.user_id, circle_id))

    async def groups_refresh(self, message: dict[str, Any]) -> None:
        """Re-join every group, and tell the client about any grant or revocation it never heard of.

        Each circle's latest number goes too (from the same query): a connection whose groups were
        lost without anyone noticing catches up within a refresh, however it lost them.
        """
        seqs = await circle_seqs_of(self.user_id)
        current = {circle_id for circle_id, _ in seqs}
        for circle_id in sorted(self.circle_ids - current):
            await self._leave(circle_id)
            await self.send_json({"type": "access.revoked", "circle": circle_id})
        for circle_id in sorted(current - self.circle_ids):
            await self._join(circle_id)
            await self.send_json({"type": "access.granted", "circle": circle_id})
        await self.channel_layer.group_add(user_group(self.user_id), self.channel_name)
        for circle_id in current:
            await self.channel_layer.group_add(circle_group(circle_id), self.channel_name)
        scopes_latest = await self._join_scopes()
        for circle_id, seq in seqs:
            await self.send_json({"type": "circle.latest", "circle": circle_id, "seq": seq})
        for message in scopes_latest:
            await self.send_json(message)

    async def scopes_refresh(self, message: dict[str, Any]) -> None:
        """Re-read the person's scopes now (added to or taken off an organisation's staff), not at the next refresh.

        The database decides, not the message, so someone added back before this arrived stays. The
        numbers of the scopes are not sent: the event that follows (if any) tells the page what to
        refetch.
        """
        await self._join_scopes()

    async def resync(self) -> None:
        """After Redis restarted: re-join every group and tell the client each circle's latest number."""
        await self.channel_layer.group_add(user_group(self.user_id), self.channel_name)
        for circle_id in list(self.circle_ids):
            await self.channel_layer.group_add(circle_group(circle_id), self.channel_name)
        scopes_latest = await self._join_scopes()
        for circle_id, seq in await latest_seqs(sorted(self.circle_ids)):
            await self.send_json({"type": "circle.latest", "circle": circle_id, "seq": seq})
        for message in scopes_latest:
            await self.send_json(message)

    async def _ask_for_refreshes(self) -> None:
        # The refresh arrives as a message, so it never interleaves with the handling of an event.
        while True:
            await asyncio.sleep(self.group_refresh_seconds)
            try:
                await self.channel_layer.send(self.channel_name, {"type": "groups.refresh"})
            except Exception:
                # Redis is unreachable: the next refresh tries again.
                logger.debug("Could not ask %s to refresh its groups", self.channel_name, exc_info=True)

    async def _join_scopes(self) -> list[dict[str, Any]]:
        """Join the groups of the scopes the person is in now (their organisations), and leave the others.

        Returns the `<key>.latest` messages of the numbered scopes, for the caller to send.
        """
        found: tuple[set[str], list[dict[str, Any]]] = await scopes_of(self.user_id)
        current, latest = found
        for group in sorted(self.scope_groups - current):
            await self.channel_layer.group_discard(group, self.channel_name)
        for group in sorted(current):
            await self.channel_layer.group_add(group, self.channel_name)
        self.scope_groups = current
        return latest

    async def _join(self, circle_id: int) -> None:
        if circle_id not in self.circle_ids:
            self.circle_ids.add(circle_id)
            await self.channel_layer.group_add(circle_group(circle_id), self.channel_name)

    async def _leave(self, circle_id: int) -> None:
        self.circle_ids.discard(circle_id)
        await self.channel_layer.group_discard(circle_group(circle_id), self.channel_name)
