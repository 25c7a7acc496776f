"""Chat without spam: at most one email or text per conversation per quiet period, batched.

The first new message in a conversation queues one email per member, sent CHAT_BATCH_DELAY later;
messages arriving meanwhile are added to that same email. Once it has gone, nothing more is sent
about the conversation for CHAT_QUIET_PERIOD. When it is due, the worker sends it only if the
member still has unread messages there (`lib.hooks.conversation_unread`, answered by
conversations from the read marker its page moves); otherwise the email is dropped.
A member live on the page gets nothing at all (conversations.telling skips them).

Cost (docs/architecture/notifications.md, "The cost of a fan-out"): one query finds who already
has an email waiting or was sent one lately (notify() then makes no draft for them), and one
UPDATE appends the new line to every waiting email's `batch_lines`; the worker splices those
lines into the text and HTML when it sends the email (`composed`, through `Delivery.composed`).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, TextField, Value
from django.db.models.functions import Concat, Length, Replace
from django.db.models.lookups import LessThan
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from carecircle.lib.one_of import OneOf
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
        OneOf("recipient_id", recipient_ids),
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
    # The opener and intro in each language, translated once per language rather than per member.
    words: dict[str, tuple[str, str]] = {}
    for draft in drafts:
        draft.group = group
        if draft.channel == "email":
            language = (languages or {}).get(draft.recipient_id or 0) or translation.get_language() or ""
            with translation.override(language):
                if language not in words:
                    words[language] = (_opener(), _intro())
                opener, intro = words[language]
                head, _sep, foot = draft.body.partition(FOOTER)
                link = head.rstrip().rsplit("\n", 1)[-1].removeprefix(opener)
                draft.body = f"{intro}\n\n• {line}\n\n{opener}{link}\n{FOOTER}{foot}"
                draft.html_body = html(draft.body, subject=draft.subject)
        draft.not_before = max(draft.not_before or later, later)
    return list(drafts)


def _markers() -> tuple[list[str], list[str]]:
    """What starts the link line, in the text and in the HTML, in every site language."""
    text: list[str] = []
    html: list[str] = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            opener = _opener()
        text.append("\n\n" + opener)
        html.append("</p>\n" + PARAGRAPH + escape(opener))
    return text, html


def composed(body: str, html_body: str, batch_lines: str) -> tuple[str, str]:
    """The text and HTML of a batched email with the lines that joined it, as one email sent at once.

    Each line goes before the last link line ("Open it in CareCircle: ..."), in the text as a bullet
    and in the HTML as one more line of the same paragraph: the bytes rendering the grown text would
    give. The link line is looked for in every site language, so a member who changed language since
    the email was queued still gets every line.
    """
    if not batch_lines:
        return body, html_body
    text_markers, html_markers = _markers()
    where = max(body.rfind(marker) for marker in text_markers)
    if where < 0:
        # No link line (not a batch's first email): the lines end the main part, before the footer.
        where = body.find(FOOTER) if FOOTER in body else len(body)
    text = body[:where] + batch_lines + body[where:]
    where = max(html_body.rfind(marker) for marker in html_markers)
    if where < 0:
        return text, html_body
    lines = EmailHtml()
    added = "".join("<br>" + lines.line("• " + line) for line in batch_lines.split(BULLET)[1:])
    return text, html_body[:where] + added + html_body[where:]


def grow(recipient_ids: Collection[int], *, group: str, line: str) -> int:
    """Add `line` to the waiting batched emails of these members: one UPDATE, none per member.

    The line joins the email's `batch_lines`, spliced into its text and HTML only when it is sent
    (`composed`), so the UPDATE appends a few bytes to each row, whatever its language or size. An
    email already holding MAX_BATCH_LINES messages (one in its body, the rest in `batch_lines`)
    stays as it is. Returns how many emails grew.
    """
    if not recipient_ids:
        return 0
    # Each line in batch_lines is BULLET followed by text without a newline.
    bullets = Length("batch_lines") - Length(Replace("batch_lines", Value(BULLET), Value("")))
    return (
        Delivery.objects.filter(
            OneOf("recipient_id", recipient_ids), group=group, status=DeliveryStatus.QUEUED, channel="email"
        )
        .filter(LessThan(bullets, (MAX_BATCH_LINES - 1) * len(BULLET)))
        .update(batch_lines=Concat("batch_lines", Value(BULLET + line), output_field=TextField()))
    )
