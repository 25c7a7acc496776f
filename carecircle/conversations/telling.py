"""Who hears about what happens in conversations: every call goes through lib.hooks.notify.

Members' preferences decide the channel; notify batches chat so a busy conversation sends at most
one email or text per conversation while messages stay unread (docs/architecture/notifications.md).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Collection
from typing import TYPE_CHECKING

from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop

from carecircle.conversations.models import (
    CheckIn,
    ConversationKind,
    Feeling,
    Message,
    MessageKind,
    ReadMarker,
    ThankYou,
)
from carecircle.lib.after_response import after_response
from carecircle.lib.each_language import EachLanguage, each_language
from carecircle.lib.hooks import ReplyTarget, notify, notify_finish

if TYPE_CHECKING:
    from carecircle.accounts.models import User
    from carecircle.circles.models import Circle
    from carecircle.conversations.selectors import ConversationAccess

logger = logging.getLogger(__name__)

EXCERPT = 200
# A member whose read marker moved this recently is reading the conversation on its page right now.
LIVE_WINDOW = datetime.timedelta(minutes=2)


def _said(message: str, **values: object) -> str:
    """A whole sentence, translated when notify renders it for each member (in their language).

    `message` is marked with gettext_noop so makemessages finds it; the placeholders are named so a
    translator can move them. Nothing is queried: notify already holds each member's language.
    The result is a lazy string (django's Promise), typed as the str it becomes.
    """
    return lazy(lambda: gettext(message) % values, str)()


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _url(where: ConversationAccess, message: Message) -> str:
    conversation = where.conversation
    circle_id = where.circle.pk
    if conversation.kind == ConversationKind.CIRCLE:
        page = reverse("conversations:family", kwargs={"circle_id": circle_id})
    elif conversation.kind == ConversationKind.NEWS:
        page = reverse("conversations:news", kwargs={"circle_id": circle_id})
    else:
        page = reverse(
            "conversations:conversation", kwargs={"circle_id": circle_id, "conversation_id": conversation.pk}
        )
    return f"{page}#message-{message.pk}"


def _reply_target(where: ConversationAccess, message: Message) -> ReplyTarget:
    """Where an emailed reply to news of this message goes, and what a member needs to write there."""
    conversation = where.conversation
    if message.kind == MessageKind.UPDATE:
        return ReplyTarget("update", message.pk, "support.send")
    if conversation.kind == ConversationKind.NEWS or (
        conversation.kind == ConversationKind.THREAD and conversation.subject_kind == "update"
    ):
        return ReplyTarget("conversation", conversation.pk, "support.send")
    if conversation.kind == ConversationKind.THREAD:
        # Other apps' threads have their own rule; it is checked when the reply arrives.
        return ReplyTarget("conversation", conversation.pk, "")
    return ReplyTarget("conversation", conversation.pk, "conversations.post")


def message_title(*, actor: User, where: ConversationAccess, kind: str, title: str) -> EachLanguage | None:
    """The title of the readers' notice of a new message (`kind`) or update (headline `title`), in every language.

    Put together before the post takes the circle's row lock, and handed to `message_posted`:
    translated three times it was ≈ 0.1 ms of the lock's time (docs/architecture/conversations.md).
    None when the readers are told nothing (a reply in a comment thread, a note of support).
    """
    conversation = where.conversation
    if kind == MessageKind.UPDATE:
        return each_language(
            _said(gettext_noop("News about %(person)s: %(title)s"), person=where.circle.person_name, title=title)
        )
    if kind != MessageKind.MESSAGE or conversation.kind == ConversationKind.THREAD:
        return None
    if conversation.kind == ConversationKind.DIRECT:
        return each_language(_said(gettext_noop("%(name)s wrote in a direct message"), name=actor.display_name))
    return each_language(_said(gettext_noop("%(name)s wrote in the family conversation"), name=actor.display_name))


def message_posted(
    *,
    actor: User,
    where: ConversationAccess,
    message: Message,
    member_ids: Collection[int],
    title: EachLanguage | None,
) -> list[str]:
    """A new message or update: mentions first, then the readers of the conversation (or the news).

    Inside the message's transaction only one row per notice is written (notify(later=True)), from
    the circle's `member_ids` the post already read for its mention names, and nothing else is read:
    the live event leaves at the commit, and `message_told(keys)` then tells the members, after the
    request's answer, leaving out whoever is reading the conversation live by then
    (`conversation_live_readers`). `title` is the readers' notice's title (`message_title`), put in
    every language before the circle's row lock. Returns those keys.
    """
    conversation = where.conversation
    url = _url(where, message)
    excerpt = _excerpt(message.body)
    read = "updates.read" if conversation.kind == ConversationKind.NEWS else "conversations.read"
    pair: list[int] | None = None
    if conversation.kind == ConversationKind.DIRECT:
        pair = [user_id for user_id in (conversation.first_user_id, conversation.second_user_id) if user_id]
    elif conversation.kind == ConversationKind.THREAD:
        # Comment threads have their own readers (the owning app decides); mentions still reach them.
        pair = []
    reply_target = _reply_target(where, message)
    # Who is reading the conversation live is asked when the members are told, after the commit
    # (live_message_id, the conversation_live_readers hook): one query fewer before the live event.
    mentioned = [user_id for user_id in message.mentions if user_id != actor.pk]
    keys: list[str] = []
    if mentioned and notify(
        category="mention",
        circle=where.circle,
        key=f"mention-{message.pk}",
        title=_said(gettext_noop("%(name)s mentioned you"), name=actor.display_name),
        body=excerpt,
        url=url,
        actor=actor,
        user_ids=mentioned if pair is None or not pair else [u for u in mentioned if u in pair],
        capability=read,
        conversation_id=conversation.pk,
        reply_target=reply_target,
        later=True,
        live_message_id=message.pk,
    ):
        keys.append(f"mention-{message.pk}")
    if message.kind == MessageKind.UPDATE:
        if notify(
            category="news",
            circle=where.circle,
            key=f"update-{message.pk}",
            title=title or "",
            body=excerpt,
            url=url,
            actor=actor,
            user_ids=member_ids,
            skip_user_ids=mentioned,
            capability="updates.read",
            reply_target=reply_target,
            later=True,
        ):
            keys.append(f"update-{message.pk}")
        return keys
    if message.kind != MessageKind.MESSAGE or pair == [] or title is None:
        return keys
    if notify(
        category="message",
        circle=where.circle,
        key=f"message-{message.pk}",
        title=title,
        body=excerpt,
        url=url,
        actor=actor,
        user_ids=member_ids if pair is None else pair,
        skip_user_ids=mentioned,
        capability=read,
        conversation_id=conversation.pk,
        reply_target=reply_target,
        later=True,
        live_message_id=message.pk,
    ):
        keys.append(f"message-{message.pk}")
    return keys


def message_told(keys: Collection[str]) -> None:
    """After the message's commit (its live event has left): tell the members the notices recorded.

    In a request this runs once its answer has been sent (lib/after_response.py), elsewhere at once.
    Never raises: the message is stored, and the worker's sweep tells whoever this didn't reach.
    """
    if keys:
        after_response(lambda: _tell(keys))


def _tell(keys: Collection[str]) -> None:
    try:
        notify_finish(keys)
    except Exception:
        logger.exception("Telling the members about %s failed; the sweep carries on", ", ".join(keys))


def conversation_live_readers(*, conversation_id: int, message_id: int) -> set[int]:
    """Members live on the conversation's page: they had read everything before this message just now.

    They see the message appear, so they get nothing else about it (one query). Notifications ask
    (the lib.hooks hook) when they tell the members about the message, after its commit; the
    author is left out there as the actor.
    """
    before = Message.objects.filter(conversation_id=conversation_id, id__lt=message_id).order_by("-id").values("id")
    return set(
        ReadMarker.objects.filter(
            conversation_id=conversation_id,
            last_read_id__gte=Coalesce(Subquery(before[:1]), Value(0)),
            updated_at__gte=timezone.now() - LIVE_WINDOW,
        ).values_list("user_id", flat=True)
    )


def conversation_unread(*, user_id: int, conversation_id: int) -> bool:
    """Whether someone else wrote in the conversation after the member's read marker (one query)."""
    marker = ReadMarker.objects.filter(conversation_id=conversation_id, user_id=user_id).values("last_read_id")
    return (
        Message.objects.filter(conversation_id=conversation_id, deleted_at__isnull=True)
        .exclude(author_id=user_id)
        .filter(id__gt=Coalesce(Subquery(marker[:1]), Value(0)))
        .exists()
    )


def checkin_posted(*, actor: User, circle: Circle, checkin: CheckIn) -> None:
    """Someone is struggling or finding it hard: the organisers and the person hear at once."""
    if checkin.feeling > Feeling.FINDING_IT_HARD:
        return
    if checkin.feeling == Feeling.STRUGGLING:
        title = _said(gettext_noop("%(name)s checked in: struggling"), name=actor.display_name)
    else:
        title = _said(gettext_noop("%(name)s checked in: finding it hard"), name=actor.display_name)
    notify(
        category="checkin",
        circle=circle,
        key=f"checkin-{checkin.pk}",
        title=title,
        body=_excerpt(checkin.note),
        url=reverse("conversations:checkins", kwargs={"circle_id": circle.pk}),
        actor=actor,
        capability="members.manage",
    )


def thanks_sent(*, actor: User, circle: Circle, thanks: ThankYou) -> None:
    if thanks.subject_label:
        title = _said(
            gettext_noop("%(name)s thanked you for %(thing)s"), name=actor.display_name, thing=thanks.subject_label
        )
    else:
        title = _said(gettext_noop("%(name)s thanked you"), name=actor.display_name)
    notify(
        category="thanks",
        circle=circle,
        key=f"thanks-{thanks.pk}",
        title=title,
        body=_excerpt(thanks.note),
        url=reverse("circles:home", kwargs={"circle_id": circle.pk}),
        actor=actor,
        user_ids=[thanks.recipient_id],
    )
