"""Request and response schemas of the conversations API, and how messages become responses."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Literal

from django.urls import reverse
from ninja import Schema
from pydantic import Field

from carecircle.conversations.models import Audience as CheckInAudienceChoices
from carecircle.conversations.models import CheckIn, Feeling, Message, ReactionKind
from carecircle.conversations.services import MESSAGE_MAX_CHARACTERS, TITLE_MAX_CHARACTERS, UPDATE_MAX_CHARACTERS
from carecircle.lib.schemas import MAX_ID, InputSchema, NoNul, Note, Trimmed, enum_named

MessageText = Annotated[str, Trimmed(UPDATE_MAX_CHARACTERS), NoNul]
ChatText = Annotated[str, Trimmed(MESSAGE_MAX_CHARACTERS, min_length=1), NoNul]
Title = Annotated[str, Trimmed(TITLE_MAX_CHARACTERS, min_length=1), NoNul]
ClientId = Annotated[uuid.UUID | None, Field(default=None, description="Send the same id when retrying: no duplicate.")]


# Who sees a check-in (conversations.models.Audience), named apart from the record's audience.
Audience = Annotated[
    CheckInAudienceChoices, enum_named("CheckInAudience", CheckInAudienceChoices, "Who sees the check-in.")
]


class PersonOut(Schema):
    id: int | None = Field(description="The user's id; null once they have left CareCircle.")
    name: str


class ConversationOut(Schema):
    id: int
    kind: Literal["circle", "news", "direct", "thread"]
    title: str
    unread: int = Field(description="Messages by others since your read marker, counted up to 100.")
    last_read_id: int
    with_person: PersonOut | None = Field(default=None, description="Direct conversations: the other person.")


class PhotoOut(Schema):
    id: int
    url: str
    thumbnail_url: str
    width: int
    height: int
    description: str


class ReactionOut(Schema):
    kind: ReactionKind
    count: int
    mine: bool


class MessageOut(Schema):
    id: int
    conversation: int
    kind: Literal["message", "update", "support"]
    author: PersonOut
    title: str
    body: str = Field(description="As typed; empty once removed.")
    body_html: str = Field(description="Safe HTML: escaped text, bold, italics, links and @mentions only.")
    reply_to: int | None
    mentions: list[int]
    photos: list[PhotoOut]
    reactions: list[ReactionOut]
    created_at: datetime.datetime
    edited_at: datetime.datetime | None
    removed: bool
    client_id: uuid.UUID | None = Field(description="Yours only: the id your client sent.")
    via: str = Field(
        description='How a message written outside the app arrived: "sms" for a text, "email" for a reply by email; '
        "empty when written in the app. "
        "Set by CareCircle; it can't be sent."
    )


class MessagePageOut(Schema):
    messages: list[MessageOut] = Field(description="Oldest first.")
    has_more: bool = Field(description="More messages exist beyond this page in the direction asked.")


class MessageCreateIn(InputSchema):
    body: ChatText
    reply_to: int | None = Field(default=None, ge=1, le=MAX_ID)
    client_id: ClientId = None


class UpdateCreateIn(InputSchema):
    title: Title
    body: MessageText = ""
    client_id: ClientId = None


class MessageUpdateIn(InputSchema):
    body: MessageText
    title: Title | None = Field(default=None, description="Updates only.")


class DirectOpenIn(InputSchema):
    user_id: int = Field(ge=1, le=MAX_ID, description="The other member's user id.")


class ReadMarkerIn(InputSchema):
    last_read_id: int = Field(ge=0, le=MAX_ID, description="The newest message id you have seen.")


class ReadMarkerOut(Schema):
    last_read_id: int


class CheckInIn(InputSchema):
    feeling: Feeling = Field(description="1 struggling … 5 doing well.")
    note: Note = ""
    audience: Audience
    client_id: ClientId = None


class CheckInOut(Schema):
    id: int
    author: PersonOut
    feeling: Feeling
    feeling_label: str
    note: str
    audience: Audience
    created_at: datetime.datetime


def person_out(user_id: int | None, name: str | None) -> PersonOut:
    return PersonOut(id=user_id, name=name or "Someone who left")


def message_out(message: Message, *, viewer_id: int, reactions: list[tuple[str, int, bool]]) -> MessageOut:
    removed = message.is_deleted
    circle_id = message.circle_id
    photos = (
        []
        if removed
        else [
            PhotoOut(
                id=photo.pk,
                url=reverse("conversations:photo", kwargs={"circle_id": circle_id, "photo_id": photo.pk}),
                thumbnail_url=reverse(
                    "conversations:photo_thumbnail", kwargs={"circle_id": circle_id, "photo_id": photo.pk}
                ),
                width=photo.width,
                height=photo.height,
                description=photo.description,
            )
            for photo in message.photos.all()
        ]
    )
    author = message.author
    return MessageOut(
        id=message.pk,
        conversation=message.conversation_id,
        kind=message.kind,  # type: ignore[arg-type]
        author=person_out(message.author_id, author.display_name if author else None),
        title="" if removed else message.title,
        body="" if removed else message.body,
        body_html="" if removed else message.body_html,
        reply_to=message.reply_to_id,
        mentions=[] if removed else list(message.mentions),
        photos=photos,
        reactions=[]
        if removed
        else [ReactionOut(kind=ReactionKind(kind), count=count, mine=mine) for kind, count, mine in reactions],
        created_at=message.created_at,
        edited_at=message.edited_at,
        removed=removed,
        client_id=message.client_id if message.author_id == viewer_id else None,
        via=message.via,
    )


def checkin_out(checkin: CheckIn) -> CheckInOut:
    return CheckInOut(
        id=checkin.pk,
        author=person_out(checkin.author_id, checkin.author.display_name),
        feeling=Feeling(checkin.feeling),
        feeling_label=str(Feeling(checkin.feeling).label),
        note=checkin.note,
        audience=CheckInAudienceChoices(checkin.audience),
        created_at=checkin.created_at,
    )
