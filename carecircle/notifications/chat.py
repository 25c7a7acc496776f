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
from collections.abc import Sequence

from carecircle.notifications.emails import FOOTER, html_from_text
from carecircle.notifications.models import Delivery, DeliveryStatus
from carecircle.notifications.services import DeliveryDraft

CHAT_BATCH_DELAY = datetime.timedelta(minutes=5)
CHAT_QUIET_PERIOD = datetime.timedelta(hours=1)
MAX_BATCH_LINES = 20
INTRO = "New messages you haven't read yet:"
OPEN = "Open it in CareCircle: "


def batch(drafts: Sequence[DeliveryDraft], *, group: str, line: str, now: datetime.datetime) -> list[DeliveryDraft]:
    """Fold this message into each member's waiting email for the conversation, or start one (3 queries)."""
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
        if key in waiting:
            row = waiting[key]
            if row.channel == "email" and row.body.count("\n• ") < MAX_BATCH_LINES:
                bullets, _, rest = row.body.partition(OPEN)
                row.body = f"{bullets.rstrip()}\n• {line}\n\n{OPEN}{rest}"
                row.html_body = html_from_text(row.body, subject=row.subject)
                grown.append(row)
            continue
        if key in recently_sent:
            continue
        draft.group = group
        if draft.channel == "email":
            head, _, foot = draft.body.partition(FOOTER)
            link = head.rstrip().rsplit("\n", 1)[-1].removeprefix(OPEN)
            draft.body = f"{INTRO}\n\n• {line}\n\n{OPEN}{link}\n{FOOTER}{foot}"
            draft.html_body = html_from_text(draft.body, subject=draft.subject)
        later = now + CHAT_BATCH_DELAY
        draft.not_before = max(draft.not_before or later, later)
        fresh.append(draft)
    if grown:
        Delivery.objects.bulk_update(grown, ["body", "html_body"])
    return fresh
