"""Each message's shared part, rendered once and kept in the cache: what every reader sees alike.

A conversation page draws 50 messages through templates on every view; most of that HTML (who
wrote it and when, the quote it answers, the headline, the words, the photos) is the same for
every reader in one language and time zone. That part is cached under a key made from
everything it shows, so a changed message (an edit, a removal, a renamed author, an edited
quote, an erased body) simply has another key and can never be served old. Whatever differs
per reader (reactions with "you reacted", reply/edit/remove links, "Undo", the CSRF token) is
rendered per request around it, and access is checked before any of it is read.

A list of messages as a page shows it (the newest 50, or those before `?before=`) is kept too, as
data: each message's shared part and the facts each reader's part is drawn from (author, removal,
reaction counts), under circles.fragments.region_key (the circle's event sequence, the reader's role
and capability set, time zone, language and today's date) with the conversation and the page. Every
change to a message or its reactions records a circle event, so a kept list is never older than
what the key says. Whether "Undo" still shows, which reactions are the reader's own and what they
may do with each message are worked out per request, never kept (pages.py).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from carecircle.audit.display import when_text
from carecircle.circles.access import CircleAccess
from carecircle.circles.fragments import has_secrets, kept, region_key
from carecircle.conversations.models import Message, MessagePhoto
from carecircle.conversations.parts import body_parts, is_long, shortened

TEMPLATE = "conversations/messages.html#shared"
# Long enough to outlive a busy day of reading; a key never goes stale, so this only bounds memory.
FRAGMENT_SECONDS = 24 * 60 * 60
# Bumped whenever the shared partial's markup changes, so old HTML is never mixed with new.
VERSION = "3"

Photos = Sequence[tuple[MessagePhoto, str, str]]


def _author_name(message: Message | None) -> str | None:
    if message is None or message.author is None:
        return None
    return message.author.display_name


def fragment_key(*, message: Message, photos: Photos, this_year: int, part: int | None = None) -> str:
    """A key from everything the shared part shows, in the active language and time zone.

    Its time is shown in the active time zone, with the year when it isn't `this_year` there;
    `part` is the part of a long message its own page shows (None: shortened, as lists show it).
    """
    quoted = message.reply_to
    parts = (
        VERSION,
        part,
        translation.get_language() or "",
        timezone.get_current_timezone_name(),
        this_year,
        message.pk,
        message.circle_id,
        message.kind,
        message.via,
        message.created_at.isoformat(),
        str(message.edited_at),
        str(message.deleted_at),
        message.deleted_by_id == message.author_id,
        _author_name(message),
        message.title,
        message.body_html,
        None if quoted is None else (quoted.pk, str(quoted.deleted_at), _author_name(quoted), quoted.body_html),
        quoted.body if quoted is not None and not quoted.body_html else None,
        [(photo.pk, photo.description, address, thumbnail) for photo, address, thumbnail in photos],
    )
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=20).hexdigest()
    return f"conversations:message:{message.pk}:{digest}"


def shared_parts(entries: Sequence[tuple[Message, Photos]], *, part: int | None = None) -> list[SafeString]:
    """The shared HTML of each (message, its photos), from the cache or rendered now.

    One cache round trip for the whole page, and one more to store what had to be rendered. In a
    list (`part` None) a long message shows shortened, with a link to its own page; that page shows
    `part` (from 1) of its words (parts.py).
    """
    now = timezone.now()
    this_year = timezone.localtime(now).year
    keys = [fragment_key(message=message, photos=photos, this_year=this_year, part=part) for message, photos in entries]
    found: dict[str, str] = cache.get_many(keys) if keys else {}
    made: dict[str, str] = {}
    template = None
    result = []
    for key, (message, photos) in zip(keys, entries, strict=True):
        html = found.get(key)
        if html is None:
            template = template or get_template(TEMPLATE)
            when = when_text(message.created_at, now=now)
            html = made[key] = template.render(
                {"message": message, "when": when, "photos": photos, **_words(message, part)}
            )
        # Rendered by our template with autoescaping, so the stored string is safe HTML.
        result.append(mark_safe(html))  # noqa: S308
    if made:
        cache.set_many(made, timeout=FRAGMENT_SECONDS)
    return result


def _words(message: Message, part: int | None) -> dict[str, object]:
    """The words the shared part shows: shortened (with the whole message's address) or one part."""
    body_html = message.body_html
    if part is not None:
        found = body_parts(body_html)
        return {"body": mark_safe(found[min(part, len(found)) - 1])}  # noqa: S308  (parts of safe HTML)
    if is_long(body_html):
        whole_url = reverse(
            "conversations:message",
            kwargs={
                "circle_id": message.circle_id,
                "conversation_id": message.conversation_id,
                "message_id": message.pk,
            },
        )
        return {"body": mark_safe(shortened(body_html)), "whole_url": whole_url}  # noqa: S308  (escaped text)
    return {"body": mark_safe(body_html)}  # noqa: S308  (rendered safe when written, formatting.py)


@dataclass(frozen=True)
class Listed:
    """A message of a list as every reader sees it: its shared part and what each reader's part is drawn from."""

    message_id: int
    conversation_id: int
    is_removed: bool
    author_id: int | None
    author_name: str
    deleted_by_id: int | None
    deleted_at: datetime.datetime | None
    # The update's replies address, or "" for other messages.
    thread_url: str
    # (reaction kind, how many), in the reactions' order; which are the reader's own is read per request.
    reactions: tuple[tuple[str, int], ...]
    shared: SafeString


@dataclass(frozen=True)
class KeptList:
    """A page of a conversation's messages, oldest first, and whether older ones exist."""

    messages: tuple[Listed, ...]
    more: bool


def kept_list(
    access: CircleAccess, *, conversation_id: int, before: int | None, draw: Callable[[], KeptList]
) -> KeptList:
    """The page of messages kept for everyone in the reader's position, or drawn now (and kept).

    The caller has checked the reader's access to the conversation. When the cache is off or
    unreachable, the list is drawn as usual.
    """
    # The shared parts hold no form and no script; a token or nonce there would be someone's secret.
    return kept(
        lambda: region_key(access, "conversation-list", [str(conversation_id), str(before)]),
        draw,
        kind=KeptList,
        keep=lambda drawn: not any(has_secrets(item.shared) for item in drawn.messages),
    )
