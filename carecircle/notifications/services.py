"""Queueing and sending email, text messages and push notifications (ARCHITECTURE rule 7).

A delivery is queued as a row in the same transaction as the change that caused it, and sent by the
worker outside any transaction: claim the row (one conditional UPDATE that takes a lease), send,
record the outcome (another UPDATE). A slow or silent mail server therefore never holds a database
lock. A permanent failure (a bounced address, an invalid number) marks the member's channel as
failing and tells them in the app. docs/architecture/notifications.md has the whole design.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from carecircle.lib.hooks import conversation_unread
from carecircle.notifications.busy_services import ServiceHolds, held_note, hold_still_on_locked, urgent_first
from carecircle.notifications.channel_failing import channel_mark_failing, member_reason
from carecircle.notifications.mail_session import MailSession
from carecircle.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    NotificationSettings,
    PushSubscription,
    TextOptOut,
    TextsSent,
)
from carecircle.notifications.push import PermanentPushError, push_device, push_send, push_service_of
from carecircle.notifications.retry_after import Busy, busy_answer, retry_after_parse
from carecircle.notifications.sms import PermanentSmsError, get_sms_backend


def still_unread(delivery: Delivery) -> bool:
    """Whether a batched chat email is still worth sending: the member hasn't read the conversation since."""
    prefix = "conversation-"
    if not delivery.group.startswith(prefix) or delivery.recipient_id is None:
        return True
    return conversation_unread(user_id=delivery.recipient_id, conversation_id=int(delivery.group.removeprefix(prefix)))


logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Longer than any one send can take (the SMTP timeout); after it another worker may take the row over.
LEASE = datetime.timedelta(minutes=10)


@dataclass
class DeliveryDraft:
    """A delivery about to be queued; `deliveries_enqueue` writes many in one query."""

    channel: str
    to: str
    body: str
    idempotency_key: str
    subject: str = ""
    html_body: str = ""
    recipient_id: int | None = None
    category: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    not_before: datetime.datetime | None = None
    group: str = ""


def delivery_enqueue(
    *,
    channel: Channel | str,
    to: str,
    body: str,
    idempotency_key: str,
    subject: str = "",
    html_body: str = "",
    recipient_id: int | None = None,
    category: str = "",
) -> Delivery:
    """Queue a message; the same idempotency key never queues it twice."""
    delivery, created = Delivery.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "channel": channel,
            "to": to,
            "subject": subject,
            "body": body,
            "html_body": html_body,
            "recipient_id": recipient_id,
            "category": category,
        },
    )
    if created:
        _send_after_commit([delivery.pk])
    return delivery


def deliveries_enqueue(drafts: Sequence[DeliveryDraft]) -> list[int]:
    """Queue many messages in a constant number of queries; keys already queued are left alone.

    Returns the ids queued now. Sent by one background task after the transaction commits.
    """
    if not drafts:
        return []
    keys = [draft.idempotency_key for draft in drafts]
    existing = set(Delivery.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    rows = [
        Delivery(
            channel=draft.channel,
            to=draft.to,
            subject=draft.subject,
            body=draft.body,
            html_body=draft.html_body,
            idempotency_key=draft.idempotency_key,
            recipient_id=draft.recipient_id,
            category=draft.category,
            headers=draft.headers,
            not_before=draft.not_before,
            group=draft.group,
        )
        for draft in {draft.idempotency_key: draft for draft in drafts}.values()
        if draft.idempotency_key not in existing
    ]
    if not rows:
        return []
    try:
        with transaction.atomic():
            ids = [row.pk for row in Delivery.objects.bulk_create(rows)]
    except IntegrityError:
        # A concurrent writer queued some of the same keys between our read and our write.
        ids = [row.pk for row in rows if _create_unless_queued(row)]
    _send_after_commit(ids)
    return ids


def _create_unless_queued(row: Delivery) -> bool:
    try:
        with transaction.atomic():
            row.pk = None
            row.save(force_insert=True)
    except IntegrityError:
        return False
    return True


def _send_after_commit(ids: list[int]) -> None:
    from carecircle.notifications.tasks import deliver_many

    if ids:
        transaction.on_commit(lambda: deliver_many.enqueue(ids))


# Rows claimed in one statement; small enough that the whole chunk is sent well within its lease.
CLAIM_BATCH = 50
# A row is sent only while this much of its lease is left (more than one send can take: the SMTP
# timeout is 20 s); rows whose lease ran low are handed back and claimed again with a fresh one.
LEASE_MARGIN = datetime.timedelta(minutes=2)


def deliveries_claim(*, delivery_ids: Sequence[int], now: datetime.datetime | None = None) -> list[Delivery]:
    """Take many rows for sending in one short transaction; two workers never take the same row.

    A row is free when queued and due, or when a worker's lease on it has run out (it died
    mid-send). On PostgreSQL the rows are locked with SKIP LOCKED, so a second worker claiming the
    same ids at once takes the others rather than waiting; SQLite runs the transaction IMMEDIATE,
    one writer at a time. Nothing is sent inside it. Returns the claimed rows in the order given.
    """
    if not delivery_ids:
        return []
    moment = now or timezone.now()
    due = Q(status=DeliveryStatus.QUEUED) & (Q(not_before__isnull=True) | Q(not_before__lte=moment))
    abandoned = Q(status=DeliveryStatus.SENDING, lease_until__lt=moment)
    lease = moment + LEASE
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True).filter(pk__in=delivery_ids).filter(due | abandoned)
        )
        if rows:
            Delivery.objects.filter(pk__in=[row.pk for row in rows]).update(
                status=DeliveryStatus.SENDING, lease_until=lease, attempts=F("attempts") + 1
            )
    for row in rows:
        row.status, row.lease_until, row.attempts = DeliveryStatus.SENDING, lease, row.attempts + 1
    order = {delivery_id: index for index, delivery_id in enumerate(delivery_ids)}
    return sorted(rows, key=lambda row: order[row.pk])


def delivery_claim(*, delivery_id: int, now: datetime.datetime | None = None) -> Delivery | None:
    """Take one row for sending (see `deliveries_claim`); None when it isn't free."""
    claimed = deliveries_claim(delivery_ids=[delivery_id], now=now)
    return claimed[0] if claimed else None


def deliveries_send(delivery_ids: Sequence[int]) -> dict[str, int]:
    """Send each delivery over one mail connection; returns how many had each outcome.

    Rows are claimed CLAIM_BATCH at a time (one transaction, two statements), the member's channel
    checked for the whole chunk in one query, then each row is sent and its outcome recorded on its
    own (one UPDATE) before the next, so a crash or a failure mid-chunk loses no outcome.
    """
    mail = MailSession()
    outcomes: dict[str, int] = {}
    holds = ServiceHolds()
    pending = list(dict.fromkeys(delivery_ids))
    try:
        while pending:
            chunk, pending = pending[:CLAIM_BATCH], pending[CLAIM_BATCH:]
            claimed = deliveries_claim(delivery_ids=chunk)
            outcomes["skipped"] = outcomes.get("skipped", 0) + len(chunk) - len(claimed)
            if not claimed:
                continue
            # Read for each chunk, so a service another worker found busy meanwhile is held back here too.
            holds.refresh()
            failing = failing_recipients(claimed)
            for index, delivery in enumerate(claimed):
                # The first of a fresh claim always goes: its lease is whole, so this can't loop.
                if index and _lease_running_out(delivery):
                    rest = claimed[index:]
                    _release(rest)
                    pending = [row.pk for row in rest] + pending
                    break
                status = _delivery_send_claimed(delivery, mail, failing=failing, holds=holds)
                outcomes[status] = outcomes.get(status, 0) + 1
                # A send that ended a hold released what was held for it: this run sends it next, after its own
                # claimed rows (the released rows aren't claimed yet), not two minutes later at the next sweep.
                released = [pk for pk in holds.take_released() if pk not in pending]
                pending = pending + released if released else pending
    finally:
        mail.close()
    if not outcomes.get("skipped"):
        outcomes.pop("skipped", None)
    return outcomes


def _lease_running_out(delivery: Delivery) -> bool:
    return delivery.lease_until is not None and timezone.now() > delivery.lease_until - LEASE_MARGIN


def _release(rows: Sequence[Delivery]) -> None:
    """Hand claimed rows back unsent (their lease ran low); the attempt they were counted doesn't count."""
    for row in rows:
        Delivery.objects.filter(pk=row.pk, status=DeliveryStatus.SENDING, lease_until=row.lease_until).update(
            status=DeliveryStatus.QUEUED, lease_until=None, attempts=F("attempts") - 1
        )


def delivery_send(*, delivery_id: int, mail: MailSession | None = None) -> str:
    """Send one delivery now, over `mail`'s connection if given; returns the outcome ("sent", "retry"…).

    Never called inside a transaction: the claim and the outcome are each one short statement, and
    the send itself holds no database lock however long the provider takes.
    """
    own = mail is None
    session = mail or MailSession()
    try:
        delivery = delivery_claim(delivery_id=delivery_id)
        if delivery is None:
            return "skipped"
        holds = ServiceHolds()
        holds.refresh()
        status = _delivery_send_claimed(delivery, session, failing=failing_recipients([delivery]), holds=holds)
        # What it released or what replaced it goes now too, not at the next sweep.
        released = holds.take_released()
        if released:
            deliveries_send(released)
        return status
    finally:
        if own:
            session.close()


def _delivery_send_claimed(
    delivery: Delivery,
    mail: MailSession,
    *,
    failing: set[tuple[int, str]],
    holds: ServiceHolds,
) -> str:
    """Send one claimed row and record what happened.

    `holds` knows each service that answered 429 or 503, to this worker or another, and until when;
    a row for such a service is handed back untried rather than sent (busy_services.py).
    """
    if not still_unread(delivery):
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.CANCELLED, lease_until=None
        )
        return "cancelled"
    device = push_device(delivery) if delivery.channel == Channel.PUSH else None
    if delivery.channel == Channel.PUSH and device is None:
        if _push_failed_instead(delivery, error="The device no longer takes notifications.", holds=holds):
            return "instead"
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.CANCELLED, lease_until=None, last_error="The device no longer takes notifications."
        )
        return "failing"
    if (delivery.recipient_id, delivery.channel) in failing:
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.CANCELLED, lease_until=None, last_error="The member's address stopped working."
        )
        return "failing"
    if delivery.channel == Channel.SMS and not text_may_go(delivery):
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.CANCELLED, lease_until=None, last_error="The number replied STOP to our texts."
        )
        return "opted-out"
    service = _service_of(delivery, device)
    now = timezone.now()
    # Held once, it has had its first attempt: `attempts` went back down, `held_by` remembers.
    first_attempt = delivery.attempts == 1 and delivery.held_by is None
    until = holds.holding(service, now=now, urgent_first_attempt=_urgent(delivery) and first_attempt)
    if until is not None:
        if _sent_instead(delivery, service=service, until=until, now=now, holds=holds, while_held=True):
            return "instead"
        if _hold_back(delivery, service=service, until=until, now=now):
            return "held"
        # The hold ended since this run read it (a send worked in another worker): send it now.
        holds.ended(service)
    if delivery.channel == Channel.SMS and not text_allowance_take(delivery):
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.CANCELLED,
            lease_until=None,
            last_error="The member's daily limit of texts was reached.",
        )
        return "capped"
    try:
        provider_id = _push(delivery, device) if device is not None else _send(delivery, mail)
    except Exception as error:
        busy = busy_answer(error)
        if busy is not None:
            answered = timezone.now()
            holds.answered(service, busy=busy, now=answered)
            wait = busy_retry_delay(delivery.attempts, busy=busy, now=answered)
            if _sent_instead(delivery, service=service, until=answered + wait, now=answered, holds=holds):
                return "instead"
        # An urgent push that won't be tried again goes by text or email instead (instead.py).
        if (
            device is not None
            and _failure_final(delivery, error, busy=busy)
            and _push_failed_instead(delivery, error=str(error), holds=holds)
        ):
            return "instead"
        return _record_failure(delivery, error, busy=busy)
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT,
        provider_id=provider_id[:120],
        sent_at=timezone.now(),
        lease_until=None,
        held_by=None,
    )
    holds.succeeded(service, now=timezone.now())
    return "sent"


def _sent_instead(
    delivery: Delivery,
    *,
    service: str,
    until: datetime.datetime,
    now: datetime.datetime,
    holds: ServiceHolds,
    while_held: bool = False,
) -> bool:
    """Urgent news `service` would keep waiting past a few minutes goes by the member's next channel (instead.py).

    An urgent push its push service asked to wait longer (Retry-After) goes by text or email the same way.

    What replaces it is sent next by this run, like what a hold released, outside any transaction.
    """
    from carecircle.notifications.instead import instead_of_waiting

    ids = instead_of_waiting(delivery, service=service, until=until, now=now, holds=holds, while_held=while_held)
    if ids is None:
        return False
    holds.released.extend(ids)
    return True


def _push_failed_instead(delivery: Delivery, *, error: str, holds: ServiceHolds) -> bool:
    """An urgent push that failed for good goes by the member's text or email (instead.py), sent next by this run."""
    from carecircle.notifications.instead import instead_of_failed_push

    ids = instead_of_failed_push(delivery, error=error[:300], holds=holds, now=timezone.now())
    holds.released.extend(ids)
    return bool(ids)


def _urgent(delivery: Delivery) -> bool:
    from carecircle.notifications.categories import CATEGORY_BY_KEY

    category = CATEGORY_BY_KEY.get(delivery.category)
    return category is not None and category.urgent


def _service_of(delivery: Delivery, device: PushSubscription | None) -> str:
    """Which service a delivery goes through: each push service (by origin), the text provider, the mail server."""
    if device is not None:
        return f"push {push_service_of(device)}"
    return str(delivery.channel)


def _hold_back(delivery: Delivery, *, service: str, until: datetime.datetime, now: datetime.datetime) -> bool:
    """Hand a claimed row back untried until its busy service may be asked again; the claim's attempt doesn't count.

    Only while the shared hold is still on, its row locked in the same short transaction as the
    UPDATE: a worker that ends the hold deletes that row before releasing what was held, so it waits
    for this commit and releases the row too, or comes first and this finds no hold. A row is never
    held after that release and left waiting for a hold that is over. False when it wasn't held
    back (the caller sends it).
    """
    held = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING)
    with transaction.atomic():
        if not hold_still_on_locked(service=service, now=now):
            return False
        return bool(
            held.update(
                status=DeliveryStatus.QUEUED,
                lease_until=None,
                not_before=until,
                attempts=F("attempts") - 1,
                last_error=held_note(service, until),
                held_by=service,
            )
        )


def _checks_channel(delivery: Delivery) -> bool:
    from carecircle.notifications.categories import CATEGORY_BY_KEY, DIGEST

    return (
        delivery.channel != Channel.PUSH
        and delivery.recipient_id is not None
        and (delivery.category in CATEGORY_BY_KEY or delivery.category == DIGEST.key)
    )


def failing_recipients(deliveries: Sequence[Delivery]) -> set[tuple[int, str]]:
    """(member, channel) pairs among these notifications whose address or number stopped working; one query at most.

    A bounce may have come since they were queued; messages not about a category (invitations,
    answers to inbound mail) go whatever the member's settings say.
    """
    members = {
        delivery.recipient_id
        for delivery in deliveries
        if delivery.recipient_id is not None and _checks_channel(delivery)
    }
    if not members:
        return set()
    rows = NotificationSettings.objects.filter(user_id__in=members).filter(
        Q(email_failing_since__isnull=False) | Q(sms_failing_since__isnull=False)
    )
    failing: set[tuple[int, str]] = set()
    for user_id, email_since, sms_since in rows.values_list("user_id", "email_failing_since", "sms_failing_since"):
        if email_since is not None:
            failing.add((user_id, Channel.EMAIL))
        if sms_since is not None:
            failing.add((user_id, Channel.SMS))
    return {pair for pair in failing if pair[0] in members}


# The one text a number that replied STOP still gets: the confirmation of it.
OPT_OUT_CONFIRMATION = "sms_opt_out"


def text_may_go(delivery: Delivery) -> bool:
    """Whether the number hasn't replied STOP; checked as each text is sent, so every path honours it."""
    if delivery.category == OPT_OUT_CONFIRMATION:
        return True
    return not TextOptOut.objects.filter(number=delivery.to).exists()


def text_allowance_take(delivery: Delivery) -> bool:
    """Count one text against the member's daily cap; False when the cap is reached (urgent news always goes).

    The count is one conditional UPDATE, so any number of workers sending at once never pass the cap.
    A text that then fails still counts: the cap is about what reaches a phone, and a retry is rare.
    """
    if delivery.recipient_id is None:
        return True
    from carecircle.notifications.categories import CATEGORY_BY_KEY

    category = CATEGORY_BY_KEY.get(delivery.category)
    if category is not None and category.urgent:
        return True
    day = timezone.now().astimezone(datetime.UTC).date()
    TextsSent.objects.get_or_create(user_id=delivery.recipient_id, day=day)
    taken = TextsSent.objects.filter(user_id=delivery.recipient_id, day=day, count__lt=settings.SMS_DAILY_CAP).update(
        count=F("count") + 1
    )
    return bool(taken)


def retry_delay(attempts: int) -> datetime.timedelta:
    """Back off: 2, 4, 8, 16 … minutes after each failed attempt, at most about an hour."""
    return datetime.timedelta(minutes=2 ** min(6, max(1, attempts)))


def busy_retry_delay(attempts: int, *, busy: Busy, now: datetime.datetime) -> datetime.timedelta:
    """The usual back-off, or the wait the busy service asked for (at most an hour) when that is longer."""
    asked = retry_after_parse(busy.retry_after, now=now)
    usual = retry_delay(attempts)
    return usual if asked is None else max(usual, asked)


def is_permanent(error: Exception) -> bool:
    """A failure that retrying can't fix: the address or number itself is refused."""
    if isinstance(error, PermanentSmsError | PermanentPushError):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    return isinstance(error, smtplib.SMTPDataError) and 500 <= error.smtp_code < 600


def _failure_permanent(error: Exception, *, busy: Busy | None) -> bool:
    # A busy service (429, 503) is never a refusal of the address, number or device, whatever else it says.
    return busy is None and (is_permanent(error) or isinstance(error, ValueError))


def _failure_final(delivery: Delivery, error: Exception, *, busy: Busy | None) -> bool:
    """Whether this failure is the delivery's last: refused for good, or out of attempts."""
    return _failure_permanent(error, busy=busy) or delivery.attempts >= MAX_ATTEMPTS


def _record_failure(delivery: Delivery, error: Exception, *, busy: Busy | None = None) -> str:
    logger.warning("Delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, error)
    permanent = _failure_permanent(error, busy=busy)
    final = _failure_final(delivery, error, busy=busy)
    # No longer held: a retry keeps its own back-off, not released early when the service recovers.
    changes: dict[str, Any] = {"last_error": str(error)[:500], "lease_until": None, "held_by": None}
    if final:
        changes["status"] = DeliveryStatus.FAILED
    else:
        now = timezone.now()
        wait = (
            retry_delay(delivery.attempts) if busy is None else busy_retry_delay(delivery.attempts, busy=busy, now=now)
        )
        changes["status"] = DeliveryStatus.QUEUED
        changes["not_before"] = now + wait
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(**changes)
    # A refused device is dealt with by push_send (removed or marked); the member's other channels go on.
    if permanent and is_permanent(error) and delivery.recipient_id is not None and delivery.channel != Channel.PUSH:
        channel_mark_failing(delivery=delivery, reason=member_reason(error))
    return "failed" if final else "retry"


def _push(delivery: Delivery, device: PushSubscription) -> str:
    from carecircle.notifications.categories import CATEGORY_BY_KEY

    category = CATEGORY_BY_KEY.get(delivery.category)
    return push_send(delivery, subscription=device, urgent=category is not None and category.urgent)


def _send(delivery: Delivery, mail: MailSession) -> str:
    if delivery.channel == Channel.SMS:
        return get_sms_backend().send(to=delivery.to, body=delivery.body)
    headers = {"X-CareCircle-Delivery": str(delivery.pk), "Auto-Submitted": "auto-generated", **delivery.headers}
    # A batched chat email gets the lines that joined it while it waited (notifications/chat.py).
    body, html_body = delivery.composed()
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.to],
        headers=headers,
    )
    if html_body:
        message.attach_alternative(html_body, "text/html")
    mail.send(message)
    return f"email-{delivery.pk}"


def deliveries_due(*, now: datetime.datetime | None = None, limit: int = 500) -> list[int]:
    """Deliveries waiting whose time has come (retries, quiet hours over, a worker that died), urgent ones first.

    Urgent first: when a hold on a busy service ends, the first delivery to try it is urgent news,
    and if the service is busy again the rest of the run is held, not the news.
    """
    moment = now or timezone.now()
    due = Q(status=DeliveryStatus.QUEUED) & (Q(not_before__isnull=True) | Q(not_before__lte=moment))
    abandoned = Q(status=DeliveryStatus.SENDING, lease_until__lt=moment)
    rows = Delivery.objects.filter(due | abandoned).order_by(urgent_first(), "id")
    return list(rows.values_list("pk", flat=True)[:limit])
