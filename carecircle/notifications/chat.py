"""Chat without spam: at most one email or text per conversation per quiet period, batched.

The first new message in a conversation queues one email per member, sent CHAT_BATCH_DELAY later;
messages arriving meanwhile are added to that same email. Once it has gone, nothing more is sent
about the conversation for CHAT_QUIET_PERIOD. When it is due, the worker sends it only if the
member still has unread messages there (`lib.hooks.conversation_unread`, answered by
conversations from the read marker its page moves); otherwise the email is dropped.
A member live on the page gets nothing at all (conversations.telling skips them).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

from django.utils import translation
from django.utils.translation import gettext as _

from carecircle.notifications.emails import FOOTER, html_from_text
from carecircle.notifications.models import Delivery, DeliveryStatus
from carecircle.notifications.services import DeliveryDraft

CHAT_BATCH_DELAY = datetime.timedelta(minutes=5)
CHAT_QUIET_PERIOD = datetime.timedelta(hours=1)
MAX_BATCH_LINES = 20


def _intro() -> str:
    return _("New messages you haven't read yet:")


def _opener() -> str:
    """What starts the line with the link in the active language ("Open it in CareCircle: "), as notify writes it."""
    return _("Open it in CareCircle: %(link)s").split("%(link)s")[0]


def batch(
    drafts: Sequence[DeliveryDraft],
    *,
    group: str,
    line: str,
    now: datetime.datetime,
    languages: Mapping[int, str] | None = None,
) -> list[DeliveryDraft]:
    """Fold this message into each member's waiting email for the conversation, or start one (3 queries).

    Each email stays in its recipient's language (`languages`: member id → language code).
    """
    if not drafts:
        return []
    recipient_ids = {draft.recipient_id for draft in drafts}
    waiting = {
        (row.recipient_id, row.channel): row
        for row in Delivery.objects.filter(recipient_id__in=recipient_ids, group=group, status=DeliveryStatus.QUEUED)
    }
    recently_sent = set(
        Delivery.objects.filter(
            recipient_id__in=recipient_ids,
            group=group,
            status=DeliveryStatus.SENT,
            sent_at__gte=now - CHAT_QUIET_PERIOD,
        ).values_list("recipient_id", "channel")
    )
    fresh: list[DeliveryDraft] = []
    grown: list[Delivery] = []
    for draft in drafts:
        key = (draft.recipient_id, draft.channel)
        language = (languages or {}).get(draft.recipient_id or 0) or translation.get_language()
        with translation.override(language):
            opener = _opener()
            if key in waiting:
                row = waiting[key]
                if row.channel == "email" and row.body.count("\n• ") < MAX_BATCH_LINES:
                    bullets, found, rest = row.body.rpartition("\n\n" + opener)
                    if found:
                        row.body = f"{bullets.rstrip()}\n• {line}{found}{rest}"
                        row.html_body = html_from_text(row.body, subject=row.subject)
                        grown.append(row)
                continue
            if key in recently_sent:
                continue
            draft.group = group
            if draft.channel == "email":
                head, _sep, foot = draft.body.partition(FOOTER)
                link = head.rstrip().rsplit("\n", 1)[-1].removeprefix(opener)
                draft.body = f"{_intro()}\n\n• {line}\n\n{opener}{link}\n{FOOTER}{foot}"
                draft.html_body = html_from_text(draft.body, subject=draft.subject)
        later = now + CHAT_BATCH_DELAY
        draft.not_before = max(draft.not_before or later, later)
        fresh.append(draft)
    if grown:
        Delivery.objects.bulk_update(grown, ["body", "html_body"])
    return fresh
