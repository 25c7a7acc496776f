"""Each message's shared part, rendered once and kept in the cache: what every reader sees alike.

A conversation page draws 50 messages through templates on every view; most of that HTML (who
wrote it and when, the quote it answers, the headline, the words, the photos) is the same for
every reader in one language and time zone. That part is cached under a key made from
everything it shows, so a changed message (an edit, a removal, a renamed author, an edited
quote, an erased body) simply has another key and can never be served old. Whatever differs
per reader (reactions with "you reacted", reply/edit/remove links, "Undo", the CSRF token) is
rendered per request around it, and access is checked before any of it is read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.core.cache import cache
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from carecircle.audit.display import when_text
from carecircle.conversations.models import Message, MessagePhoto

TEMPLATE = "conversations/messages.html#shared"
# Long enough to outlive a busy day of reading; a key never goes stale, so this only bounds memory.
FRAGMENT_SECONDS = 24 * 60 * 60
# Bumped whenever the shared partial's markup changes, so old HTML is never mixed with new.
VERSION = "1"

Photos = Sequence[tuple[MessagePhoto, str, str]]


def _author_name(message: Message | None) -> str | None:
    if message is None or message.author is None:
        return None
    return message.author.display_name


def fragment_key(*, message: Message, photos: Photos, this_year: int) -> str:
    """A key from everything the shared part shows, in the active language and time zone.

    Its time is shown in the active time zone, with the year when it isn't `this_year` there.
    """
    quoted = message.reply_to
    parts = (
        VERSION,
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


def shared_parts(entries: Sequence[tuple[Message, Photos]]) -> list[SafeString]:
    """The shared HTML of each (message, its photos), from the cache or rendered now.

    One cache round trip for the whole page, and one more to store what had to be rendered.
    """
    now = timezone.now()
    this_year = timezone.localtime(now).year
    keys = [fragment_key(message=message, photos=photos, this_year=this_year) for message, photos in entries]
    found: dict[str, str] = cache.get_many(keys) if keys else {}
    made: dict[str, str] = {}
    template = None
    result = []
    for key, (message, photos) in zip(keys, entries, strict=True):
        html = found.get(key)
        if html is None:
            template = template or get_template(TEMPLATE)
            when = when_text(message.created_at, now=now)
            html = made[key] = template.render({"message": message, "when": when, "photos": photos})
        # Rendered by our template with autoescaping, so the stored string is safe HTML.
        result.append(mark_safe(html))  # noqa: S308
    if made:
        cache.set_many(made, timeout=FRAGMENT_SECONDS)
    return result
