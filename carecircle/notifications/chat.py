"""Chat without spam: at most one email or text per conversation per quiet period, batched.

The first new message in a conversation queues one email per member, sent CHAT_BATCH_DELAY later;
messages arriving meanwhile are added to that same email. Once it has gone, nothing more is sent
about the conversation for CHAT_QUIET_PERIOD. When it is due, the worker sends it only if the
member still has unread messages there (`lib.hooks.conversation_unread`, answered by
conversations from the read marker its page moves); otherwise the email is dropped.
A member live on the page gets nothing at all (conversations.telling skips them).

Cost (docs/architecture/notifications.md, "The cost of a fan-out"): one query finds who already
has an email waiting or was sent one lately (notify() then makes no draft for them), and one
UPDATE adds the new line to every waiting email, text and HTML, in the database.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, F, IntegerField, Q, TextField, Value, When
from django.db.models.functions import Concat, Length, Replace, Reverse, StrIndex, Substr
from django.db.models.lookups import GreaterThan, LessThan
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from carecircle.notifications.emails import FOOTER, PARAGRAPH, EmailHtml
from carecircle.notifications.models import Delivery, DeliveryStatus
from carecircle.notifications.services import DeliveryDraft

CHAT_BATCH_DELAY = datetime.timedelta(minutes=5)
CHAT_QUIET_PERIOD = datetime.timedelta(hours=1)
MAX_BATCH_LINES = 20
BULLET = "\n• "


def _intro() -> str:
    return _("New messages you haven't read yet:")


def _opener() -> str:
    """What starts the line with the link in the active language ("Open it in CareCircle: "), as notify writes it."""
    return _("Open it in CareCircle: %(link)s").split("%(link)s")[0]


@dataclass
class Batches:
    """Where each member stands in the conversation's batch: (member, channel) already taken care of."""

    # An email, text or push still waiting to go: this message joins it (emails) or rides with it.
    waiting: set[tuple[int, str]] = field(default_factory=set)
    # One sent within CHAT_QUIET_PERIOD: nothing more until it ends.
    recently_sent: set[tuple[int, str]] = field(default_factory=set)

    def covers(self, recipient_id: int, channel: str) -> bool:
        key = (recipient_id, channel)
        return key in self.waiting or key in self.recently_sent


def batches(recipient_ids: Collection[int], *, group: str, now: datetime.datetime) -> Batches:
    """One query: which members already have something waiting, or were sent something lately."""
    found = Batches()
    if not recipient_ids:
        return found
    for recipient_id, channel, status in Delivery.objects.filter(
        Q(status=DeliveryStatus.QUEUED) | Q(status=DeliveryStatus.SENT, sent_at__gte=now - CHAT_QUIET_PERIOD),
        recipient_id__in=recipient_ids,
        group=group,
    ).values_list("recipient_id", "channel", "status"):
        if recipient_id is not None:
            target = found.waiting if status == DeliveryStatus.QUEUED else found.recently_sent
            target.add((recipient_id, channel))
    return found


def batch(
    drafts: Sequence[DeliveryDraft],
    *,
    group: str,
    line: str,
    now: datetime.datetime,
    languages: Mapping[int, str] | None = None,
    html: EmailHtml | None = None,
) -> list[DeliveryDraft]:
    """Turn the drafts of members with nothing waiting into the first email of a batch, due later.

    notify() makes no draft for a member `batches()` covers; `grow()` adds the line to their email.
    Each email stays in its recipient's language (`languages`: member id → language code).
    """
    html = html or EmailHtml()
    later = now + CHAT_BATCH_DELAY
    for draft in drafts:
        draft.group = group
        if draft.channel == "email":
            language = (languages or {}).get(draft.recipient_id or 0) or translation.get_language()
            with translation.override(language):
                opener = _opener()
                head, _sep, foot = draft.body.partition(FOOTER)
                link = head.rstrip().rsplit("\n", 1)[-1].removeprefix(opener)
                draft.body = f"{_intro()}\n\n• {line}\n\n{opener}{link}\n{FOOTER}{foot}"
                draft.html_body = html(draft.body, subject=draft.subject)
        draft.not_before = max(draft.not_before or later, later)
    return list(drafts)


def _by_language(values: Mapping[str, str | int], ids: Mapping[str, list[int]], output: Any) -> Any:
    """Each waiting email's own value of `values` (language → value), picked by its recipient's language."""
    if len(values) == 1:
        [value] = values.values()
        return Value(value, output_field=output)
    return Case(
        *[When(recipient_id__in=ids[language], then=Value(value)) for language, value in values.items()],
        output_field=output,
    )


def _before_last(column: str, markers: Mapping[str, str], ids: Mapping[str, list[int]], piece: str) -> Concat:
    """`column` with `piece` put just before the last of its language's marker (the caller checks there is one)."""
    marker = _by_language({language: value[::-1] for language, value in markers.items()}, ids, TextField())
    size = _by_language({language: len(value) - 2 for language, value in markers.items()}, ids, IntegerField())
    # Where the last marker starts (from 1), found as the first one in the reversed text.
    start = Length(column) - StrIndex(Reverse(column), marker) - size
    return Concat(Substr(column, 1, start - Value(1)), Value(piece), Substr(column, start), output_field=TextField())


def grow(
    recipient_ids: Collection[int], *, group: str, line: str, languages: Mapping[int, str], html: EmailHtml
) -> int:
    """Add `line` to the waiting batched emails of these members: one UPDATE, none per member.

    The text gains a bullet before the link line and the HTML the same line, as rendering the grown
    text again would make it; the link line is found in each email's own language. An email already
    holding MAX_BATCH_LINES messages stays as it is. Returns how many emails grew.
    """
    ids: dict[str, list[int]] = {}
    for recipient_id in recipient_ids:
        ids.setdefault(languages.get(recipient_id) or translation.get_language(), []).append(recipient_id)
    if not ids:
        return 0
    openers = {}
    for language in ids:
        with translation.override(language):
            openers[language] = _opener()
    text_markers = {language: "\n\n" + opener for language, opener in openers.items()}
    html_markers = {language: "</p>\n" + PARAGRAPH + escape(opener) for language, opener in openers.items()}
    return (
        Delivery.objects.filter(
            recipient_id__in=list(recipient_ids), group=group, status=DeliveryStatus.QUEUED, channel="email"
        )
        .filter(
            GreaterThan(StrIndex("body", _by_language(text_markers, ids, TextField())), 0),
            # Fewer than MAX_BATCH_LINES bullets: each one is BULLET's characters.
            LessThan(Length("body") - Length(Replace("body", Value(BULLET), Value(""))), MAX_BATCH_LINES * len(BULLET)),
        )
        .update(
            body=_before_last("body", text_markers, ids, BULLET + line),
            html_body=Case(
                When(
                    GreaterThan(StrIndex("html_body", _by_language(html_markers, ids, TextField())), 0),
                    then=_before_last("html_body", html_markers, ids, "<br>" + html.line("• " + line)),
                ),
                default=F("html_body"),
                output_field=TextField(),
            ),
        )
    )
