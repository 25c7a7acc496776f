"""Every write to conversations, messages, reactions, read markers, check-ins, visitors and thanks.

Keyword-only, explicit actor, one transaction, live events (ids only) after commit. Callers check
access first (conversations/selectors.py) and pass the result in.

What is audited: updates (news for the wider circle), removing a message, "visitors welcome?"
changes and thanks. Not audited: chat messages, edits, reactions, read markers and check-ins. The
message row already records who wrote what and when, and edits keep every earlier wording; an
audit row for each chat line would bury the log organisers read for changes that matter, and a
check-in is private to its audience, so it doesn't belong in a log the organisers read.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from carecircle.audit.services import audit_record
from carecircle.circles.access import CircleAccess
from carecircle.circles.models import Circle, Membership
from carecircle.conversations import formatting, selectors, telling
from carecircle.conversations.models import (
    Audience,
    CheckIn,
    Conversation,
    ConversationKind,
    Feeling,
    Message,
    MessageKind,
    MessagePhoto,
    MessageRevision,
    Reaction,
    ReactionKind,
    ReadMarker,
    ThankYou,
    Visitors,
    VisitorsStatus,
)
from carecircle.conversations.photos import MAX_PHOTOS_PER_MESSAGE, Photo
from carecircle.conversations.selectors import UNDO_MINUTES, ConversationAccess
from carecircle.lib.errors import Conflict, DomainError
from carecircle.lib.idempotency import replayed
from carecircle.lib.text import TextRefused, multi_line, single_line
from carecircle.realtime.events import circle_event_record, circle_seq_take, user_event_send

if TYPE_CHECKING:
    from carecircle.accounts.models import User

MESSAGE_MAX_CHARACTERS = 5000
UPDATE_MAX_CHARACTERS = 10000
TITLE_MAX_CHARACTERS = 120
NOTE_MAX_CHARACTERS = 500


class ConversationError(DomainError):
    """A request that breaks a rule of conversations; the message says what to do instead."""


class ConversationConflict(ConversationError, Conflict):
    """A change the message's current state refuses, such as changing a removed message (409)."""


# The request field each kind of text arrives in, so the API can point at it.
SINGLE_LINE = frozenset({"headline", "photo description"})
# Whole sentences per kind of text, so translators can inflect the noun.
TOO_LONG = {
    "message": gettext_lazy("Your message is %(length)s characters long. Keep it under %(limit)s."),
    "update": gettext_lazy("Your update is %(length)s characters long. Keep it under %(limit)s."),
    "headline": gettext_lazy("Your headline is %(length)s characters long. Keep it under %(limit)s."),
    "photo description": gettext_lazy("Your photo description is %(length)s characters long. Keep it under %(limit)s."),
    "note": gettext_lazy("Your note is %(length)s characters long. Keep it under %(limit)s."),
}
TEXT_FIELDS = {"message": "body", "update": "body", "headline": "title", "photo description": "photo_description"}


@dataclass(frozen=True)
class Posted:
    message: Message
    created: bool


def clean_text(text: str, *, limit: int, what: str = "message") -> str:
    """Text as stored (lib/text.py): a headline is one line; messages, updates and notes keep theirs."""
    try:
        if what in SINGLE_LINE:
            return single_line(text, limit=limit, what=what)
        checked = multi_line(text, limit=10**9, what=what)
    except TextRefused as error:
        raise ConversationError(str(error), field=TEXT_FIELDS.get(what, what)) from error
    if len(checked) > limit:
        raise ConversationError(
            str(TOO_LONG.get(what, TOO_LONG["message"])) % {"length": f"{len(checked):,}", "limit": f"{limit:,}"},
            field=TEXT_FIELDS.get(what, what),
        )
    return checked


def _members(circle: Circle) -> list[tuple[int, str]]:
    """The circle's members and their names: read once per post, for mentions and then for notices."""
    return list(Membership.objects.filter(circle=circle).values_list("user_id", "user__display_name"))


def _names(circle: Circle) -> dict[str, int]:
    return formatting.mention_names(_members(circle))


def _replay(actor: User, client_id: uuid.UUID | None, where: ConversationAccess) -> Message | None:
    if client_id is None:
        return None
    existing = Message.objects.filter(author=actor, client_id=client_id).first()
    if existing is not None and existing.conversation_id != where.conversation.pk:
        raise ConversationConflict(
            gettext("This client_id was already used for another message. Send a new client_id.")
        )
    return existing


# The circle's standing conversations are made the first time someone opens them.


def _one(circle: Circle, kind: str, **fields: object) -> Conversation:
    found = Conversation.objects.filter(circle=circle, kind=kind, **fields).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Conversation.objects.create(circle=circle, kind=kind, **fields)
    except IntegrityError:
        # Made at the same moment by another request.
        return Conversation.objects.get(circle=circle, kind=kind, **fields)


def family_conversation(*, circle: Circle) -> Conversation:
    return _one(circle, ConversationKind.CIRCLE)


def news_conversation(*, circle: Circle) -> Conversation:
    return _one(circle, ConversationKind.NEWS)


def direct_conversation(*, circle: Circle, user_id: int, other_user_id: int) -> Conversation:
    first, second = sorted((user_id, other_user_id))
    return _one(circle, ConversationKind.DIRECT, first_user_id=first, second_user_id=second)


def thread_conversation(*, circle: Circle, subject_kind: str, subject_id: int) -> Conversation:
    return _one(circle, ConversationKind.THREAD, subject_kind=subject_kind, subject_id=subject_id)


def message_post(
    *,
    actor: User,
    where: ConversationAccess,
    body: str,
    title: str = "",
    reply_to: Message | None = None,
    photos: Sequence[Photo] = (),
    photo_description: str = "",
    client_id: uuid.UUID | None = None,
    via: str = "",
) -> Posted:
    """Post a message (with a title in the news feed: an update). A retry with the same client_id returns the first.

    `via` says how a message written outside the app arrived ("sms", "email"); the conversation shows it.
    """
    existing = _replay(actor, client_id, where)
    if existing is not None:
        return Posted(existing, created=False)
    try:
        with transaction.atomic():
            message, keys = _message_create(
                actor=actor,
                where=where,
                body=body,
                title=title,
                reply_to=reply_to,
                photos=photos,
                photo_description=photo_description,
                client_id=client_id,
                via=via,
            )
    except IntegrityError:
        # Two retries raced: the first one stored the message.
        existing = _replay(actor, client_id, where)
        if existing is None:
            raise
        return Posted(existing, created=False)
    # Committed (unless a caller's transaction is still open): the live event has left; the
    # notifications follow in one short transaction, after the request's answer
    # (docs/architecture/conversations.md).
    telling.message_told(keys)
    return Posted(message, created=True)


def _message_create(
    *,
    actor: User,
    where: ConversationAccess,
    body: str,
    title: str,
    reply_to: Message | None,
    photos: Sequence[Photo],
    photo_description: str,
    client_id: uuid.UUID | None,
    via: str = "",
) -> tuple[Message, list[str]]:
    """The message, and the keys of the notices to tell once it has committed."""
    conversation = where.conversation
    title = clean_text(title, limit=TITLE_MAX_CHARACTERS, what="headline")
    if title and conversation.kind != ConversationKind.NEWS:
        raise ConversationError(gettext("Only updates in the news have a headline."), field="title")
    kind = MessageKind.MESSAGE
    if conversation.kind == ConversationKind.NEWS:
        kind = MessageKind.UPDATE if title else MessageKind.SUPPORT
    if kind == MessageKind.UPDATE and not where.can_post_update:
        raise PermissionDenied(gettext("Your role in this circle doesn't include posting updates."))
    if kind != MessageKind.UPDATE:
        where.require_write()
    limit = UPDATE_MAX_CHARACTERS if kind == MessageKind.UPDATE else MESSAGE_MAX_CHARACTERS
    body = clean_text(body, limit=limit, what="update" if kind == MessageKind.UPDATE else "message")
    description = clean_text(photo_description, limit=200, what="photo description")
    if len(photos) > MAX_PHOTOS_PER_MESSAGE:
        raise ConversationError(
            ngettext(
                "Add at most %(count)s photo to one message.",
                "Add at most %(count)s photos to one message.",
                MAX_PHOTOS_PER_MESSAGE,
            )
            % {"count": MAX_PHOTOS_PER_MESSAGE},
            field="photos",
        )
    if not body and not photos:
        raise ConversationError(gettext("Write something or add a photo before sending."), field="body")
    if reply_to is not None and (reply_to.conversation_id != conversation.pk or reply_to.is_deleted):
        raise ConversationError(
            gettext("The message you're replying to isn't here any more. Send yours without the reply."),
            field="reply_to",
        )
    members = _members(where.circle)
    body_html, mentions = formatting.render(body, formatting.mention_names(members))
    # The readers' notice's title in every language, before the lock rather than under it.
    notice_title = telling.message_title(actor=actor, where=where, kind=kind, title=title)
    # The circle's row lock comes before the insert, so message ids of a circle follow commit order:
    # a client fetching "after the last id it has" never skips a message that committed later with a
    # lower id. The lock and the live event's number are one UPDATE … RETURNING (circle_seq_take).
    seq = circle_seq_take(where.circle)
    message = Message.objects.create(
        circle=where.circle,
        conversation=conversation,
        kind=kind,
        author=actor,
        title=title,
        body=body,
        body_html=body_html,
        reply_to=reply_to,
        mentions=mentions,
        client_id=client_id,
        via=via,
    )
    for photo in photos:
        stored = MessagePhoto(message=message, description=description, width=photo.width, height=photo.height)
        stored.image.save("photo.jpg", ContentFile(photo.image), save=False)
        stored.thumbnail.save("thumb.jpg", ContentFile(photo.thumbnail), save=False)
        stored.save()
    if kind == MessageKind.UPDATE:
        audit_record(
            actor=actor,
            action="update.posted",
            circle=where.circle,
            data={"message": message.pk, "title": title, "photos": len(photos)},
        )
    circle_event_record(
        circle=where.circle, type="message.posted", seq=seq, conversation=conversation.pk, message=message.pk
    )
    for user_id in mentions:
        if user_id != actor.pk:
            user_event_send(user_id=user_id, type="mention", circle=where.circle.pk, message=message.pk)
    keys = telling.message_posted(
        actor=actor,
        where=where,
        message=message,
        member_ids=[user_id for user_id, _name in members],
        title=notice_title,
    )
    return message, keys


@transaction.atomic
def message_edit(*, actor: User, where: ConversationAccess, message: Message, body: str, title: str = "") -> Message:
    """Change your own message; the earlier wording is kept as a revision and the message shows "edited"."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.author_id != actor.pk:
        raise PermissionDenied(gettext("Only the person who wrote a message can change it."))
    if message.is_deleted:
        raise ConversationConflict(gettext("This message was removed, so it can't be changed."))
    if message.kind == MessageKind.UPDATE:
        if not where.can_post_update:
            raise PermissionDenied(gettext("Your role in this circle doesn't include posting updates."))
    else:
        where.require_write()
    is_update = message.kind == MessageKind.UPDATE
    body = clean_text(body, limit=UPDATE_MAX_CHARACTERS if is_update else MESSAGE_MAX_CHARACTERS)
    title = clean_text(title, limit=TITLE_MAX_CHARACTERS, what="headline") if is_update else ""
    if is_update and not title:
        raise ConversationError(gettext("An update needs a headline."), field="title")
    if not body and not message.photos.exists():
        raise ConversationError(gettext("Write something, or remove the message instead."), field="body")
    if body == message.body and title == message.title:
        return message
    MessageRevision.objects.create(
        message=message, title=message.title, body=message.body, written_at=message.edited_at or message.created_at
    )
    message.body = body
    message.title = title
    message.body_html, message.mentions = formatting.render(body, _names(where.circle))
    message.edited_at = timezone.now()
    message.save(update_fields=["body", "title", "body_html", "mentions", "edited_at"])
    circle_event_record(
        circle=where.circle, type="message.edited", conversation=message.conversation_id, message=message.pk
    )
    return message


@transaction.atomic
def message_remove(*, actor: User, where: ConversationAccess, message: Message) -> Message:
    """Remove a message (its author, or an organiser). The row and its history stay; the page shows it was removed."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    by_author = message.author_id == actor.pk
    if not by_author and not where.can_moderate:
        raise PermissionDenied(gettext("Only the person who wrote a message, or an organiser, can remove it."))
    if message.is_deleted:
        return message
    message.deleted_at = timezone.now()
    message.deleted_by = actor
    message.save(update_fields=["deleted_at", "deleted_by"])
    audit_record(
        actor=actor,
        action="message.removed",
        circle=where.circle,
        subject=None if by_author else message.author,
        data={"message": message.pk, "kind": message.kind, "by_author": by_author},
    )
    circle_event_record(
        circle=where.circle, type="message.removed", conversation=message.conversation_id, message=message.pk
    )
    return message


@transaction.atomic
def message_restore(*, actor: User, where: ConversationAccess, message: Message) -> Message:
    """Undo a removal: the person who removed the message, within UNDO_MINUTES."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.deleted_at is None:
        return message
    if not selectors.can_undo_removal(user_id=actor.pk, message=message):
        raise ConversationConflict(
            gettext("A removal can be undone for %(minutes)s minutes, by the person who removed it.")
            % {"minutes": UNDO_MINUTES}
        )
    message.deleted_at = None
    message.deleted_by = None
    message.save(update_fields=["deleted_at", "deleted_by"])
    audit_record(actor=actor, action="message.restored", circle=where.circle, data={"message": message.pk})
    circle_event_record(
        circle=where.circle, type="message.edited", conversation=message.conversation_id, message=message.pk
    )
    return message


@transaction.atomic
def reaction_set(*, actor: User, where: ConversationAccess, message: Message, kind: str, on: bool) -> bool:
    """Add (on=True) or take back a reaction. Doing it twice changes nothing. Returns whether anything changed."""
    if not where.can_react:
        raise PermissionDenied(gettext("Your role in this circle doesn't include reacting here."))
    reaction = ReactionKind(kind)
    if message.is_deleted:
        raise ConversationConflict(gettext("This message was removed, so it can't take reactions."))
    if on:
        _, changed = Reaction.objects.get_or_create(message=message, user=actor, kind=reaction)
    else:
        changed = Reaction.objects.filter(message=message, user=actor, kind=reaction).delete()[0] > 0
    if changed:
        circle_event_record(
            circle=where.circle, type="reaction.changed", conversation=message.conversation_id, message=message.pk
        )
    return changed


def read_marker_set(*, actor: User, where: ConversationAccess, last_read_id: int) -> int:
    """Move the member's read marker forward to a message of this conversation; it never moves back."""
    newest = (
        Message.objects.filter(conversation=where.conversation, id__lte=last_read_id)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    if newest is None:
        return 0
    return _read_marker_move(actor, where, newest)


def read_marker_seen(*, actor: User, where: ConversationAccess, message: Message, read_up_to: int) -> int:
    """Move the marker to a message of this conversation just shown, knowing where it stood (0: no marker).

    A page read from the conversation already knows the message is there and where the marker is, so
    a reader who has seen everything costs no query here.
    """
    if message.conversation_id != where.conversation.pk:
        raise ValueError("The message is not in this conversation.")
    if read_up_to >= message.pk:
        return read_up_to
    return _read_marker_move(actor, where, message.pk)


def _read_marker_move(actor: User, where: ConversationAccess, newest: int) -> int:
    marker, created = ReadMarker.objects.get_or_create(
        conversation=where.conversation, user=actor, defaults={"last_read_id": newest}
    )
    if not created and newest > marker.last_read_id:
        # A conditional UPDATE: two devices marking at once can't move the marker backwards.
        ReadMarker.objects.filter(pk=marker.pk, last_read_id__lt=newest).update(
            last_read_id=newest, updated_at=timezone.now()
        )
        return newest
    return max(newest, marker.last_read_id)


def _checkin_replayed(actor: User, client_id: uuid.UUID | None, access: CircleAccess) -> CheckIn | None:
    if client_id is None:
        return None
    return replayed(
        CheckIn.objects.filter(author=actor, client_id=client_id).first(),
        matches=lambda checkin: checkin.circle_id == access.circle.pk,
        used_for=lambda checkin: gettext("a check-in in another circle (id %(id)s)") % {"id": checkin.pk},
    )


def checkin_post(
    *,
    actor: User,
    access: CircleAccess,
    feeling: int,
    note: str = "",
    audience: str,
    client_id: uuid.UUID | None = None,
) -> tuple[CheckIn, bool]:
    """Say how you're doing, to the audience you choose. Returns the check-in and whether it is new."""
    existing = _checkin_replayed(actor, client_id, access)
    if existing is not None:
        return existing, False
    try:
        chosen_feeling = Feeling(feeling)
        chosen_audience = Audience(audience)
    except ValueError as error:
        raise ConversationError(gettext("Choose how you're doing and who should see it."), field="feeling") from error
    note = clean_text(note, limit=NOTE_MAX_CHARACTERS, what="note")
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(
                circle=access.circle,
                author=actor,
                feeling=chosen_feeling,
                note=note,
                audience=chosen_audience,
                client_id=client_id,
            )
            circle_event_record(circle=access.circle, type="checkin.posted", checkin=checkin.pk)
            telling.checkin_posted(actor=actor, circle=access.circle, checkin=checkin)
    except IntegrityError:
        earlier = _checkin_replayed(actor, client_id, access)
        if earlier is None:
            raise
        return earlier, False
    return checkin, True


@transaction.atomic
def visitors_set(*, actor: User, access: CircleAccess, status: str, note: str = "") -> VisitorsStatus:
    """Say whether visitors are welcome (the person or an organiser). Each change is kept."""
    access.require("circle.edit")
    try:
        chosen = Visitors(status)
    except ValueError as error:
        raise ConversationError(gettext("Choose whether visitors are welcome."), field="status") from error
    note = clean_text(note, limit=300, what="note")
    current = VisitorsStatus.objects.filter(circle=access.circle).order_by("-id").first()
    if current is not None and current.status == chosen and current.note == note:
        return current
    row = VisitorsStatus.objects.create(circle=access.circle, status=chosen, note=note, set_by=actor)
    audit_record(actor=actor, action="visitors.changed", circle=access.circle, data={"status": chosen.value})
    circle_event_record(circle=access.circle, type="visitors.changed")
    return row


def _thanks_replayed(actor: User, client_id: uuid.UUID | None, circle: Circle, recipient: User) -> ThankYou | None:
    if client_id is None:
        return None
    return replayed(
        ThankYou.objects.filter(sender=actor, client_id=client_id).first(),
        matches=lambda thanks: thanks.circle_id == circle.pk and thanks.recipient_id == recipient.pk,
        used_for=lambda thanks: gettext("thanks to someone else (id %(id)s)") % {"id": thanks.pk},
    )


def thanks_send(
    *,
    actor: User,
    circle: Circle,
    recipient: User,
    subject_kind: str = "",
    subject_id: int | None = None,
    subject_label: str = "",
    note: str = "",
    client_id: uuid.UUID | None = None,
) -> tuple[ThankYou, bool]:
    """Thank a member for something they did. Any app may call this (tasks: on a completed task).

    Both people must be in the circle; you can't thank yourself. A retry with the same client_id
    (or thanking the same person twice for the same thing) returns the first thanks.
    """
    existing = _thanks_replayed(actor, client_id, circle, recipient)
    if existing is not None:
        return existing, False
    if recipient.pk == actor.pk:
        raise ConversationConflict(gettext("You can't thank yourself, but it was kind of you to help."))
    members = set(
        Membership.objects.filter(circle=circle, user_id__in=[actor.pk, recipient.pk]).values_list("user_id", flat=True)
    )
    if actor.pk not in members:
        raise PermissionDenied(gettext("Only people in the circle can send thanks."))
    if recipient.pk not in members:
        raise ConversationConflict(gettext("That person isn't in the circle any more."))
    if subject_kind and subject_id is not None:
        same = ThankYou.objects.filter(
            circle=circle, sender=actor, recipient=recipient, subject_kind=subject_kind, subject_id=subject_id
        ).first()
        if same is not None:
            return same, False
    note = clean_text(note, limit=NOTE_MAX_CHARACTERS, what="note")
    label = clean_text(subject_label, limit=200, what="label")
    try:
        with transaction.atomic():
            thanks = ThankYou.objects.create(
                circle=circle,
                sender=actor,
                recipient=recipient,
                subject_kind=subject_kind,
                subject_id=subject_id,
                subject_label=label,
                note=note,
                client_id=client_id,
            )
            audit_record(
                actor=actor,
                action="thanks.sent",
                circle=circle,
                subject=recipient,
                data={"thanks": thanks.pk, "for": label},
            )
            circle_event_record(circle=circle, type="thanks.sent", thanks=thanks.pk, user=recipient.pk)
            user_event_send(user_id=recipient.pk, type="thanks", circle=circle.pk, thanks=thanks.pk)
            telling.thanks_sent(actor=actor, circle=circle, thanks=thanks)
    except IntegrityError:
        earlier = _thanks_replayed(actor, client_id, circle, recipient)
        if earlier is None:
            raise
        return earlier, False
    return thanks, True
