"""What conversations do for data rights: a person's messages and photos, erasure, and a circle's erasure."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import ngettext

from carecircle.accounts.models import User
from carecircle.circles.models import Circle
from carecircle.conversations.models import CheckIn, Message, MessagePhoto, Reaction, ReadMarker, ThankYou
from carecircle.lib.privacy_registry import (
    circle_eraser_register,
    csv_rows,
    erasure_register,
    json_array,
    subject_part_register,
)
from carecircle.lib.zipstream import Member
from carecircle.realtime.events import circle_event_record

BATCH = 500
# The files' order since they were first written: by the circle's person's name, as the models'
# default order once sorted (the models now sort by ids, so the join is paid only here).
_BY_CIRCLE_NAME = ("circle__person_name", "circle_id")
_BY_CIRCLE_NAME_THEN_MESSAGE = (
    "message__conversation__circle__person_name",
    "message__conversation__circle_id",
    "message__conversation_id",
    "message_id",
    "id",
)


def _messages(user: User) -> Iterable[dict[str, object]]:
    rows = Message.objects.filter(author=user).order_by("id")
    for message in rows.iterator(BATCH):
        yield {
            "id": message.pk,
            "circle": message.circle_id,
            "conversation": message.conversation_id,
            "kind": message.kind,
            "title": message.title,
            "body": message.body,
            "created_at": message.created_at,
            "edited_at": message.edited_at,
            "deleted_at": message.deleted_at,
        }


def subject_access(user: User) -> Iterable[Member]:
    yield ("conversations/messages-you-wrote.json", json_array(_messages(user)))
    yield (
        "conversations/reactions.csv",
        csv_rows(
            ["message", "reaction", "when"],
            Reaction.objects.filter(user=user)
            .order_by(*_BY_CIRCLE_NAME_THEN_MESSAGE)
            .values_list("message_id", "kind", "created_at")
            .iterator(BATCH),
        ),
    )
    yield (
        "conversations/check-ins.csv",
        csv_rows(
            ["circle", "feeling", "note", "when"],
            CheckIn.objects.filter(author=user)
            .order_by(*_BY_CIRCLE_NAME, "-id")
            .values_list("circle_id", "feeling", "note", "created_at"),
        ),
    )
    yield (
        "conversations/thanks.csv",
        csv_rows(
            ["circle", "from you", "to you", "note", "when"],
            (
                (
                    thanks.circle_id,
                    thanks.sender_id == user.pk,
                    thanks.recipient_id == user.pk,
                    thanks.note,
                    thanks.created_at,
                )
                for thanks in (ThankYou.objects.filter(sender=user) | ThankYou.objects.filter(recipient=user)).order_by(
                    *_BY_CIRCLE_NAME, "-id"
                )
            ),
        ),
    )
    for photo in MessagePhoto.objects.filter(message__author=user).order_by("id").iterator(BATCH):
        if photo.image.name:
            yield (f"conversations/photos/{photo.pk}-{photo.image.name.rsplit('/', 1)[-1]}", photo.image.open)


def erase(user: User) -> None:
    # Messages in shared conversations stay for the others, under "Former member" (the account is
    # de-identified, not deleted). What was only about this person goes.
    _conversations_changed_for(user)
    Reaction.objects.filter(user=user).delete()
    ReadMarker.objects.filter(user=user).delete()
    CheckIn.objects.filter(author=user).delete()
    ThankYou.objects.filter(recipient=user).delete()


def _conversations_changed_for(user: User) -> None:
    """A circle event in each circle where the person wrote or reacted: their name and reactions there change.

    Pages keep a conversation's messages per circle event (fragments.py), and neither the new name
    nor the reactions taken away record one of their own.
    """
    wrote = Message.objects.filter(author=user).order_by().values_list("circle_id", flat=True).distinct()
    reacted = Reaction.objects.filter(user=user).order_by().values_list("message__circle_id", flat=True).distinct()
    for circle in Circle.objects.filter(pk__in={*wrote, *reacted}).order_by("pk"):
        circle_event_record(circle=circle, type="membership.changed", user=user.pk)


def kept(user: User) -> list[str]:
    count = Message.objects.filter(author=user, deleted_at__isnull=True).count()
    if not count:
        return []
    return [
        ngettext(
            "Your %(count)s message and photos in circle conversations stay, so the conversations still make "
            "sense to the others, but they will say “Former member” instead of your name.",
            "Your %(count)s messages and photos in circle conversations stay, so the conversations still make "
            "sense to the others, but they will say “Former member” instead of your name.",
            count,
        )
        % {"count": count}
    ]


def erase_circle(circle_id: int) -> int:
    removed = 0
    photos = MessagePhoto.objects.filter(message__circle_id=circle_id)
    while batch := list(photos.order_by("id")[:BATCH]):
        for photo in batch:
            for field in (photo.image, photo.thumbnail):
                if field.name:
                    field.storage.delete(field.name)
        with transaction.atomic():
            removed += MessagePhoto.objects.filter(pk__in=[photo.pk for photo in batch]).delete()[0]
    messages = Message.objects.filter(circle_id=circle_id)
    while ids := list(messages.order_by("-id").values_list("id", flat=True)[:BATCH]):
        with transaction.atomic():
            Message.objects.filter(reply_to_id__in=ids).update(reply_to=None)
            removed += Message.objects.filter(pk__in=ids).delete()[0]
    return removed


subject_part_register("conversations", subject_access)
erasure_register("conversations", handler=erase, kept=kept)
circle_eraser_register("conversations", erase_circle)
