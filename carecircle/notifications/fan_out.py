"""Big circles: notify() writes one FanOut row; the worker tells each member after the commit.

In a circle of 1,000 the per-member rows (a notification, the deliveries, the chat batch's
UPDATE) cost most of a message's POST, and its live event waited for them to commit. Now the
change's transaction holds one row (`fan_out_record`), its commit publishes the live event at
once, and the worker expands the row (`fan_out_expand`), FAN_OUT_CHUNK members per transaction:

- **Claimed**: each chunk locks the row (`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL, an
  IMMEDIATE transaction on SQLite); a second worker at the same moment skips it, and one that
  comes after the lock reads the moved `position`.
- **Exactly once**: a chunk's notifications, deliveries, chat lines and the move of `position`
  commit together; the row is deleted with the last chunk. Notification keys and delivery
  idempotency keys would also refuse a second copy; the chat line append relies on `position`.
- **Resumable**: a worker that dies mid-chunk rolls the chunk back; the sweep (`fan_outs_resume`,
  run with the deliveries' sweep) carries on from `position`.
- **Nothing sent inside**: deliveries and the badge's live event leave after each chunk commits.

Each member is checked again when told (still a member, active, with the capability, not muting
the conversation). Docs: docs/architecture/notifications.md, "Big circles: the worker tells each member".
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Func, IntegerField
from django.utils import timezone, translation
from django.utils.functional import Promise, lazy

from carecircle.accounts.models import User
from carecircle.circles.models import Circle
from carecircle.lib.each_language import each_language
from carecircle.lib.hooks import ReplyTarget, conversation_live_readers
from carecircle.notifications.categories import category_named
from carecircle.notifications.models import FanOut

logger = logging.getLogger(__name__)

# The sweep leaves a fan-out this young to the task queued at its commit.
RESUME_AFTER = datetime.timedelta(seconds=30)


def _in_language(words: dict[str, str]) -> str:
    """The text in the active language, as the lazy text given to notify() would have become."""
    return words.get(translation.get_language() or "", words.get(settings.LANGUAGE_CODE, ""))


@dataclass(frozen=True)
class Notice:
    """One thing notify() tells, the same for every member: what a FanOut row keeps besides the members."""

    category: str
    circle: Circle
    key: str
    title: str | Promise
    body: str | Promise
    url: str
    actor: User | None
    capability: str | None
    conversation_id: int | None
    reply_target: ReplyTarget | None
    # With conversation_id: members reading the conversation live when told hear nothing (notify(later=True)).
    message_id: int | None = None


class _JsonLength(Func):
    """How many items a JSON list holds (PostgreSQL's jsonb, SQLite's JSON1)."""

    function = "jsonb_array_length"
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(compiler, connection, function="json_array_length", **extra_context)


def fan_out_record(notice: Notice, user_ids: Collection[int], *, by_worker: bool = True) -> None:
    """One row in the change's transaction; the worker is asked to expand it once it commits.

    The same key twice (a retried change) keeps the first row, as notify() tells once per key.
    Without `by_worker` the caller expands it itself after the commit (`fan_outs_finish`); the
    sweep finishes it if the caller died first.
    """
    key = notice.key[:160]
    target = notice.reply_target
    row = FanOut(
        circle=notice.circle,
        key=key,
        category=notice.category,
        actor=notice.actor,
        titles=dict(each_language(notice.title).words),
        bodies=dict(each_language(notice.body).words),
        url=notice.url[:500],
        capability=notice.capability or "",
        conversation_id=notice.conversation_id,
        message_id=notice.message_id,
        reply_target=None if target is None else [target.kind, target.object_id, target.capability],
        user_ids=list(user_ids),
    )
    # bulk_create with ignore_conflicts returns the rows given whether or not they were written, so
    # a retried change also asks for an expansion: it finds the first row claimed, moved on or gone.
    FanOut.objects.bulk_create([row], ignore_conflicts=True)
    if by_worker:
        transaction.on_commit(lambda: _expand_later(key))


def fan_outs_finish(keys: Collection[str]) -> int:
    """Tell the members of the smaller fan-outs with these keys now (notify(later=True)); how many told.

    Called once the change's transaction committed and its live event left (after its request's
    answer: lib/after_response.py). Those of NOTIFY_IN_WORKER_FROM members or more are left to
    the worker's task. One transaction for all the keys: the rows are claimed together
    (`FOR UPDATE SKIP LOCKED` on PostgreSQL, an IMMEDIATE transaction on SQLite), told and deleted
    with the members' rows, so this, a retry, the worker and the sweep tell each member once.
    """
    chosen = [key[:160] for key in keys]
    if not chosen:
        return 0
    with transaction.atomic():
        rows = list(
            FanOut.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("circle", "actor")
            .alias(size=_JsonLength("user_ids"))
            .filter(key__in=chosen, position=0, size__lt=settings.NOTIFY_IN_WORKER_FROM)
        )
        for row in rows:
            _tell_row(row, row.user_ids)
        if rows:
            FanOut.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


def _expand_later(key: str) -> None:
    from carecircle.notifications.tasks import expand_fan_out

    fan_out_id = FanOut.objects.filter(key=key).values_list("pk", flat=True).first()
    if fan_out_id is not None:
        expand_fan_out.enqueue(fan_out_id)


def fan_out_expand(fan_out_id: int, *, chunk: int | None = None) -> int:
    """Tell the members of one fan-out, a chunk per transaction, until none is left; how many chunks.

    Stops at once when another worker holds the row (it carries on) or the row is gone (done).
    """
    size = chunk or settings.FAN_OUT_CHUNK
    chunks = 0
    more = True
    while more:
        done, more = _expand_chunk(fan_out_id, size)
        chunks += done
    return chunks


def _expand_chunk(fan_out_id: int, size: int) -> tuple[bool, bool]:
    """Tell the next `size` members and move `position` in one transaction; whether one was done, and more are left.

    The last chunk deletes the row and says none are left, so a small fan-out costs one transaction, not two.
    """
    with transaction.atomic():
        row = (
            FanOut.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("circle", "actor")
            .filter(pk=fan_out_id)
            .first()
        )
        if row is None:
            return False, False
        ids = row.user_ids[row.position : row.position + size]
        row.position += len(ids)
        row.attempts += 1
        row.claimed_at = timezone.now()
        _tell_row(row, ids)
        if row.position >= len(row.user_ids):
            row.delete()
            return True, False
        row.save(update_fields=["position", "attempts", "claimed_at"])
    return True, True


def _tell_row(row: FanOut, ids: list[int]) -> None:
    """Tell these members of the row (each checked again: member, active, capability, not muting, not reading live)."""
    from carecircle.notifications.notify import _members, tell

    actor = row.actor
    skip = {actor.pk} if actor is not None else set()
    if row.message_id is not None and row.conversation_id is not None:
        skip |= conversation_live_readers(conversation_id=row.conversation_id, message_id=row.message_id)
    members = _members(row.circle, ids, row.capability or None, skip)
    if not members:
        return
    target = row.reply_target
    notice = Notice(
        category=row.category,
        circle=row.circle,
        key=row.key,
        title=lazy(_in_language, str)(row.titles),
        body=lazy(_in_language, str)(row.bodies),
        url=row.url,
        actor=actor,
        capability=row.capability or None,
        conversation_id=row.conversation_id,
        reply_target=None if target is None else ReplyTarget(target[0], int(target[1]), target[2]),
    )
    tell(category_named(row.category), members, notice)


def fan_outs_resume(*, now: datetime.datetime | None = None) -> int:
    """Expand every fan-out left waiting (its worker died, or its task was lost); how many chunks."""
    moment = now or timezone.now()
    waiting = list(
        FanOut.objects.filter(created_at__lte=moment - RESUME_AFTER).order_by("id").values_list("pk", flat=True)
    )
    chunks = 0
    for fan_out_id in waiting:
        try:
            chunks += fan_out_expand(fan_out_id)
        except Exception:
            # One broken fan-out must not keep the others (or the deliveries' sweep) waiting.
            logger.exception("Fan-out %s failed; the next sweep tries again", fan_out_id)
    return chunks
