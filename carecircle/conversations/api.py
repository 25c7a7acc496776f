"""The conversations API: conversations, messages (cursor pages), updates, reactions, read markers, check-ins.

Every operation reads through conversations/selectors.py (built on circles/access.py: outsiders
404, missing capability 403) and writes through conversations/services.py. Posting is idempotent
with a client_id: the first answer is 201, a retry gets the same message with 200.
"""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Query, Router, Status
from ninja.params.functions import Path

from carecircle.accounts.api_auth import viewer
from carecircle.circles.access import access_circle
from carecircle.conversations import selectors, services
from carecircle.conversations.api_schemas import (
    CheckInIn,
    CheckInOut,
    ConversationOut,
    DirectOpenIn,
    MessageCreateIn,
    MessageOut,
    MessagePageOut,
    MessageUpdateIn,
    ReadMarkerIn,
    ReadMarkerOut,
    UpdateCreateIn,
    checkin_out,
    message_out,
    person_out,
)
from carecircle.conversations.models import Conversation, ConversationKind, Message, ReactionKind
from carecircle.conversations.selectors import ConversationAccess
from carecircle.lib.errors import InvalidFields
from carecircle.lib.schemas import MAX_ID, CircleId, responses

router = Router(tags=["Conversations"])

ConversationId = Annotated[int, Path(ge=1, le=MAX_ID, description="The conversation's id.")]
MessageId = Annotated[int, Path(ge=1, le=MAX_ID, description="The message's id.")]
Cursor = Annotated[int | None, Query(ge=1, le=MAX_ID, description="A message id: page from here.")]
Limit = Annotated[int, Query(ge=1, le=100, description="At most this many messages.")]
TITLES = {
    ConversationKind.CIRCLE: "Family conversation",
    ConversationKind.NEWS: "Updates and support",
    ConversationKind.THREAD: "Comments",
}


def _page(where: ConversationAccess, messages: list[Message], has_more: bool) -> MessagePageOut:
    counts = selectors.reaction_counts(message_ids=[m.pk for m in messages], user_id=where.user_id)
    return MessagePageOut(
        messages=[message_out(m, viewer_id=where.user_id, reactions=counts.get(m.pk, [])) for m in messages],
        has_more=has_more,
    )


def _one(where: ConversationAccess, message: Message) -> MessageOut:
    counts = selectors.reaction_counts(message_ids=[message.pk], user_id=where.user_id)
    return message_out(message, viewer_id=where.user_id, reactions=counts.get(message.pk, []))


def _conversations_out(found: list[Conversation], *, user_id: int, names: dict[int, str]) -> list[ConversationOut]:
    """The conversations with read markers and unread counts: two queries however many there are."""
    markers = selectors.read_markers(conversation_ids=[c.pk for c in found], user_id=user_id)
    unread = selectors.unread_counts(markers={c.pk: markers.get(c.pk, 0) for c in found}, user_id=user_id)
    result = []
    for conversation in found:
        other = None
        title = TITLES.get(ConversationKind(conversation.kind), "")
        if conversation.kind == ConversationKind.DIRECT:
            first, second = conversation.first_user_id, conversation.second_user_id
            other_id = second if first == user_id else first
            other = person_out(other_id, names.get(other_id or 0))
            title = f"Messages with {other.name}"
        result.append(
            ConversationOut(
                id=conversation.pk,
                kind=conversation.kind,  # type: ignore[arg-type]
                title=title,
                unread=min(unread.get(conversation.pk, 0), selectors.UNREAD_CAP + 1),
                last_read_id=markers.get(conversation.pk, 0),
                with_person=other,
            )
        )
    return result


@router.get(
    "/circles/{circle_id}/conversations",
    operation_id="conversation_list",
    summary="The conversations you may read in a circle, with unread counts",
    response=responses({200: list[ConversationOut]}, 404, 422),
)
def conversation_list(request: HttpRequest, circle_id: CircleId) -> list[ConversationOut]:
    """The family conversation (if your role reads it), the news feed, and your direct conversations."""
    access = access_circle(user=viewer(request), circle_id=circle_id)
    found: list[Conversation] = []
    if access.can("conversations.read"):
        found.append(services.family_conversation(circle=access.circle))
    if access.can("updates.read"):
        found.append(services.news_conversation(circle=access.circle))
    if access.can("conversations.read"):
        found += selectors.direct_conversations_for(circle=access.circle, user_id=access.user_id)
    names = selectors.member_names(circle=access.circle)
    return _conversations_out(found, user_id=access.user_id, names=names)


@router.post(
    "/circles/{circle_id}/conversations/direct",
    operation_id="direct_open",
    summary="Open (or find) your direct conversation with another member",
    response=responses({200: ConversationOut}, 400, 403, 404, 422),
)
def direct_open(request: HttpRequest, circle_id: CircleId, payload: DirectOpenIn) -> ConversationOut:
    access = access_circle(user=viewer(request), circle_id=circle_id, capability="conversations.post")
    names = selectors.member_names(circle=access.circle)
    if payload.user_id not in names or payload.user_id == access.user_id:
        raise InvalidFields({"user_id": gettext("Choose another member of this circle.")})
    conversation = services.direct_conversation(
        circle=access.circle, user_id=access.user_id, other_user_id=payload.user_id
    )
    return _conversations_out([conversation], user_id=access.user_id, names=names)[0]


@router.get(
    "/circles/{circle_id}/conversations/{conversation_id}/messages",
    operation_id="message_list",
    summary="A page of messages",
    response=responses({200: MessagePageOut}, 403, 404, 422),
)
def message_list(
    request: HttpRequest,
    circle_id: CircleId,
    conversation_id: ConversationId,
    before: Cursor = None,
    after: Cursor = None,
    limit: Limit = 50,
) -> MessagePageOut:
    """Newest page by default; `before=<id>` pages back, `after=<id>` pages forward (oldest first either way)."""
    where = selectors.access_conversation(user=viewer(request), circle_id=circle_id, conversation_id=conversation_id)
    messages, more = selectors.messages_page(conversation=where.conversation, before=before, after=after, limit=limit)
    return _page(where, messages, more)


@router.post(
    "/circles/{circle_id}/conversations/{conversation_id}/messages",
    operation_id="message_create",
    summary="Post a message",
    response=responses({200: MessageOut, 201: MessageOut}, 400, 403, 404, 409, 422),
)
def message_create(
    request: HttpRequest, circle_id: CircleId, conversation_id: ConversationId, payload: MessageCreateIn
) -> Status[MessageOut]:
    """In the news feed this is a message of support. A retry with the same client_id returns it with 200."""
    actor = viewer(request)
    where = selectors.access_conversation(user=actor, circle_id=circle_id, conversation_id=conversation_id)
    where.require_write()
    reply_to = None
    if payload.reply_to is not None:
        reply_to = Message.objects.filter(pk=payload.reply_to, conversation=where.conversation).first()
        if reply_to is None:
            raise InvalidFields({"reply_to": gettext("That message isn't in this conversation.")})
    posted = services.message_post(
        actor=actor, where=where, body=payload.body, reply_to=reply_to, client_id=payload.client_id
    )
    return Status(201 if posted.created else 200, _one(where, posted.message))


def _message(
    request: HttpRequest, circle_id: int, conversation_id: int, message_id: int
) -> tuple[ConversationAccess, Message]:
    return selectors.access_message(
        user=viewer(request), circle_id=circle_id, conversation_id=conversation_id, message_id=message_id
    )


@router.get(
    "/circles/{circle_id}/conversations/{conversation_id}/messages/{message_id}",
    operation_id="message_get",
    summary="One message",
    response=responses({200: MessageOut}, 403, 404, 422),
)
def message_get(
    request: HttpRequest, circle_id: CircleId, conversation_id: ConversationId, message_id: MessageId
) -> MessageOut:
    where, message = _message(request, circle_id, conversation_id, message_id)
    return _one(where, message)


@router.patch(
    "/circles/{circle_id}/conversations/{conversation_id}/messages/{message_id}",
    operation_id="message_update",
    summary="Change your message (it shows as edited; the earlier wording is kept)",
    response=responses({200: MessageOut}, 400, 403, 404, 409, 422),
)
def message_update(
    request: HttpRequest,
    circle_id: CircleId,
    conversation_id: ConversationId,
    message_id: MessageId,
    payload: MessageUpdateIn,
) -> MessageOut:
    where, message = _message(request, circle_id, conversation_id, message_id)
    message = services.message_edit(
        actor=viewer(request),
        where=where,
        message=message,
        body=payload.body,
        title=payload.title if payload.title is not None else message.title,
    )
    return _one(where, message)


@router.delete(
    "/circles/{circle_id}/conversations/{conversation_id}/messages/{message_id}",
    operation_id="message_remove",
    summary="Remove a message (yours, or anyone's if you are an organiser)",
    response=responses({204: None}, 403, 404, 422),
)
def message_remove(
    request: HttpRequest, circle_id: CircleId, conversation_id: ConversationId, message_id: MessageId
) -> Status[None]:
    where, message = _message(request, circle_id, conversation_id, message_id)
    services.message_remove(actor=viewer(request), where=where, message=message)
    return Status(204, None)


@router.post(
    "/circles/{circle_id}/conversations/{conversation_id}/messages/{message_id}/restore",
    operation_id="message_restore",
    summary="Undo a removal (the person who removed it, within 10 minutes)",
    response=responses({200: MessageOut}, 403, 404, 409, 422),
)
def message_restore(
    request: HttpRequest, circle_id: CircleId, conversation_id: ConversationId, message_id: MessageId
) -> MessageOut:
    where, message = _message(request, circle_id, conversation_id, message_id)
    message = services.message_restore(actor=viewer(request), where=where, message=message)
    return _one(where, message)


def _react(
    request: HttpRequest, circle_id: int, conversation_id: int, message_id: int, reaction: str, on: bool
) -> None:
    where, message = _message(request, circle_id, conversation_id, message_id)
    services.reaction_set(actor=viewer(request), where=where, message=message, kind=reaction, on=on)


@router.put(
    "/circles/{circle_id}/conversations/{conversation_id}/messages/{message_id}/reactions/{reaction}",
    operation_id="reaction_add",
    summary="React to a message (doing it twice changes nothing)",
    response=responses({204: None}, 403, 404, 409, 422),
)
def reaction_add(
    request: HttpRequest,
    circle_id: CircleId,
    conversation_id: ConversationId,
    message_id: MessageId,
    reaction: ReactionKind,
) -> Status[None]:
    _react(request, circle_id, conversation_id, message_id, reaction, True)
    return Status(204, None)


@router.delete(
    "/circles/{circle_id}/conversations/{conversation_id}/messages/{message_id}/reactions/{reaction}",
    operation_id="reaction_remove",
    summary="Take back your reaction",
    response=responses({204: None}, 403, 404, 409, 422),
)
def reaction_remove(
    request: HttpRequest,
    circle_id: CircleId,
    conversation_id: ConversationId,
    message_id: MessageId,
    reaction: ReactionKind,
) -> Status[None]:
    _react(request, circle_id, conversation_id, message_id, reaction, False)
    return Status(204, None)


@router.put(
    "/circles/{circle_id}/conversations/{conversation_id}/read",
    operation_id="read_marker_set",
    summary="Mark messages up to an id as read (the marker never moves back)",
    response=responses({200: ReadMarkerOut}, 400, 403, 404, 422),
)
def read_marker_set(
    request: HttpRequest, circle_id: CircleId, conversation_id: ConversationId, payload: ReadMarkerIn
) -> ReadMarkerOut:
    actor = viewer(request)
    where = selectors.access_conversation(user=actor, circle_id=circle_id, conversation_id=conversation_id)
    return ReadMarkerOut(
        last_read_id=services.read_marker_set(actor=actor, where=where, last_read_id=payload.last_read_id)
    )


def _news(request: HttpRequest, circle_id: int) -> ConversationAccess:
    access = access_circle(user=viewer(request), circle_id=circle_id, capability="updates.read")
    return selectors.conversation_access_for(access, services.news_conversation(circle=access.circle))


@router.get(
    "/circles/{circle_id}/updates",
    operation_id="update_list",
    summary="Updates about how things are going, newest page first",
    response=responses({200: MessagePageOut}, 403, 404, 422),
)
def update_list(request: HttpRequest, circle_id: CircleId, before: Cursor = None, limit: Limit = 20) -> MessagePageOut:
    """Only updates (with a headline); messages of support are in the news conversation's messages."""
    where = _news(request, circle_id)
    rows, more = selectors.updates_page(conversation=where.conversation, before=before, limit=limit)
    return _page(where, rows, more)


@router.post(
    "/circles/{circle_id}/updates",
    operation_id="update_create",
    summary="Post an update",
    response=responses({200: MessageOut, 201: MessageOut}, 400, 403, 404, 409, 422),
)
def update_create(request: HttpRequest, circle_id: CircleId, payload: UpdateCreateIn) -> Status[MessageOut]:
    actor = viewer(request)
    where = _news(request, circle_id)
    if not where.can_post_update:
        where.circle_access.require("updates.post")
    posted = services.message_post(
        actor=actor, where=where, title=payload.title, body=payload.body, client_id=payload.client_id
    )
    return Status(201 if posted.created else 200, _one(where, posted.message))


@router.get(
    "/circles/{circle_id}/checkins",
    operation_id="checkin_list",
    summary="Recent check-ins meant for you",
    response=responses({200: list[CheckInOut]}, 404, 422),
)
def checkin_list(request: HttpRequest, circle_id: CircleId) -> list[CheckInOut]:
    access = access_circle(user=viewer(request), circle_id=circle_id)
    return [checkin_out(checkin) for checkin in selectors.checkins_visible_to(access=access)]


@router.post(
    "/circles/{circle_id}/checkins",
    operation_id="checkin_create",
    summary="Say how you're doing, to the audience you choose",
    response=responses({200: CheckInOut, 201: CheckInOut}, 400, 404, 422),
)
def checkin_create(request: HttpRequest, circle_id: CircleId, payload: CheckInIn) -> Status[CheckInOut]:
    actor = viewer(request)
    access = access_circle(user=actor, circle_id=circle_id)
    checkin, created = services.checkin_post(
        actor=actor,
        access=access,
        feeling=payload.feeling,
        note=payload.note,
        audience=payload.audience,
        client_id=payload.client_id,
    )
    return Status(201 if created else 200, checkin_out(checkin))
