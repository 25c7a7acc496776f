"""Urgent news its service would keep waiting: send it by the member's next channel instead.

A text provider or mail service that asked us to back off holds its deliveries for up to an hour
(busy_services.py). For someone struggling or a visit concern that is too long: when an urgent
delivery would wait more than URGENT_WAIT_AT_MOST, the worker that holds it sends it by the
member's next working channel where they allow that category (email, then push, for a text),
saying what it was meant as, and marks the original "sent another way" (status `instead`), so it
never goes both ways. An urgent push its push service's own Retry-After would keep waiting more
than that goes by text, else email, the same way. An urgent push that failed for good (its device
gone or refused, out of attempts) goes by text, else email, once per news and member
(`instead_of_failed_push`). Nothing is added on a channel that already carries the same news
(`_already_told`, one helper for both). Non-urgent news keeps waiting
(docs/architecture/notifications.md, "Urgent news another way").

Only the worker holding a row's lease can switch it, in one short transaction (the conditional
UPDATE of the original and the INSERT of the new rows); the new rows are sent after it, by the
same run, outside any transaction.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from carecircle.accounts.models import User
from carecircle.notifications.busy_services import ServiceHolds, hold_still_on_locked
from carecircle.notifications.categories import CATEGORY_BY_KEY, EMAIL, PUSH, SMS, Category
from carecircle.notifications.models import Delivery, DeliveryStatus, PushSubscription, TextOptOut

# Urgent news waits at most this long for a busy service when another channel can carry it now.
URGENT_WAIT_AT_MOST = datetime.timedelta(minutes=5)
# Where an urgent push that failed for good, or that its push service would keep waiting, goes instead,
# in order (a text reaches a phone soonest).
AFTER_FAILED_PUSH: tuple[str, ...] = (SMS, EMAIL)
# Where urgent news goes instead, in order, for each channel it was meant for. A push service holds
# its other devices at most five minutes (PUSH_HOLD_AT_MOST), so only the refused push itself, waiting
# what its Retry-After asked (up to an hour), is ever moved.
NEXT_CHANNELS: dict[str, tuple[str, ...]] = {SMS: (EMAIL, PUSH), EMAIL: (PUSH, SMS), PUSH: AFTER_FAILED_PUSH}
# A push notify() queued: `<news key>-push-<member>-<device>` (notify.member_drafts).
PUSH_KEY = re.compile(r"^(?P<news>.+)-push-(?P<member>[0-9]+)-[0-9]+$")
# A text or email notify() queued: `<news key>-<channel>-<member>` (notify.drafts_in_language).
MESSAGE_KEY = re.compile(r"^(?P<news>.+)-(?P<channel>sms|email)-(?P<member>[0-9]+)$")
# What was itself sent instead of something else: never read as news, so never moved again.
REPLACEMENT_PREFIXES = ("instead-", "pushfail-")
# Rows that carry news to the member: waiting, being sent or sent (not failed, cancelled or moved).
CARRYING = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING, DeliveryStatus.SENT)


def urgent(delivery: Delivery) -> bool:
    category = CATEGORY_BY_KEY.get(delivery.category)
    return category is not None and category.urgent


def instead_of_waiting(
    delivery: Delivery,
    *,
    service: str,
    until: datetime.datetime,
    now: datetime.datetime,
    holds: ServiceHolds,
    while_held: bool,
) -> list[int] | None:
    """Send a claimed urgent delivery another way if `service` would keep it waiting too long; the new ids.

    None when it isn't urgent, the wait is short, or the member has no other channel that allows
    the category and works now: then it waits like any other. With `while_held`, only while the
    shared hold is still on (checked in the switch itself: a worker that ended it sends the row).
    An empty list when it was marked sent another way with nothing new: the first such channel
    already carries the same news (`_already_told`), so nothing is added there.
    """
    if delivery.recipient_id is None or until - now <= URGENT_WAIT_AT_MOST or not urgent(delivery):
        return None
    if delivery.channel not in NEXT_CHANNELS:
        return None
    user = User.objects.filter(pk=delivery.recipient_id, is_active=True).first()
    if user is None:
        return None
    category = CATEGORY_BY_KEY[delivery.category]
    allowed = _allowed_channels(user, category)
    news = news_of(delivery)
    for channel in NEXT_CHANNELS[delivery.channel]:
        if channel not in allowed:
            continue
        key = _replacement_key(news, user, channel) if news else ""
        rows = _rows(delivery, user=user, category=category, channel=channel, holds=holds, now=now, key=key)
        if not rows:
            continue
        if news and _already_told(news, user, channels=(channel,), pending_pushes=True):
            # The member already gets this news there: nothing more, and the original doesn't go later too.
            note = f"Sent another way: the same news already goes to the member by {channel}."
            switched = _switch(
                delivery, channel=channel, rows=[], now=now, service=service, while_held=while_held, note=note
            )
            return None if switched is None else []
        return _switch(
            delivery,
            channel=channel,
            rows=rows,
            now=now,
            service=service,
            until=until,
            while_held=while_held,
            duplicate_carries=bool(news),
        )
    return None


def news_of(delivery: Delivery) -> str:
    """The news key a delivery notify() queued carries (its idempotency key without channel and member); "" if none.

    Empty for what was itself sent instead of something else, and for keys of another form (a
    digest, an invitation, a key cut at 120 characters): those are never matched with other rows.
    """
    key = delivery.idempotency_key
    if key.startswith(REPLACEMENT_PREFIXES):
        return ""
    if delivery.channel == PUSH:
        match = PUSH_KEY.match(key)
    else:
        match = MESSAGE_KEY.match(key)
        if match is not None and match["channel"] != delivery.channel:
            match = None
    if match is None or int(match["member"]) != delivery.recipient_id:
        return ""
    return match["news"]


def _digest(news: str) -> str:
    return hashlib.sha256(news.encode()).hexdigest()[:40]


def _replacement_key(news: str, user: User, channel: str) -> str:
    """The one key of what carries `news` to the member by `channel` instead of another channel (pushes add a device).

    Per news, not per original: a held text and a held push of the same news switching to email
    at the same moment, in two workers, queue one email (the unique key keeps the first).
    """
    return f"instead-{_digest(news)}-{channel}-{user.pk}"


def instead_of_failed_push(delivery: Delivery, *, error: str, holds: ServiceHolds, now: datetime.datetime) -> list[int]:
    """Send a claimed urgent push that failed for good (device gone, refused, out of attempts) another way; the new ids.

    By text, else email, where the member allows the category and it works now (as `instead_of_waiting`).
    Nothing when the member already gets this news another way: a text or an email notify() queued for
    it that hasn't failed, or the push sent to another of their devices. One replacement per news and
    member however many of their devices fail and however many workers see it (the idempotency key is
    the news', not the device's). Pushes that were themselves sent instead of a text are not moved again.
    """
    if delivery.channel != PUSH or delivery.recipient_id is None or not urgent(delivery):
        return []
    news = news_of(delivery)
    if not news:
        return []
    user = User.objects.filter(pk=delivery.recipient_id, is_active=True).first()
    if user is None:
        return []
    if _already_told(news, user, channels=(*AFTER_FAILED_PUSH, PUSH)):
        return []
    category = CATEGORY_BY_KEY[delivery.category]
    allowed = _allowed_channels(user, category)
    key = f"pushfail-{_digest(news)}-{user.pk}"
    for channel in AFTER_FAILED_PUSH:
        if channel not in allowed:
            continue
        rows = _rows(
            delivery, user=user, category=category, channel=channel, holds=holds, now=now, key=key, waited=False
        )
        if rows:
            note = f"Sent another way: by {channel}, as the push failed: {error}"
            return _switch(delivery, channel=channel, rows=rows, now=now, note=note) or []
    return []


def _already_told(news: str, user: User, *, channels: tuple[str, ...], pending_pushes: bool = False) -> bool:
    """Whether the member already gets this news by one of `channels`: a row carrying it there (one query).

    Used before anything is queued instead of something else, for a busy service or a failed push,
    so a switch never duplicates what the member gets anyway. A text or email counts when it is
    queued, being sent or sent: notify()'s own (`<news>-<channel>-<member>`), or one sent instead of
    another channel (`instead-…`, `pushfail-…`). A push counts once **sent** to one of their devices,
    or also while waiting with `pending_pushes` (a busy text switching to push): for a failed push,
    another device's push still waiting may fail too, and two failing at once must not each count on
    the other.
    """
    digest = _digest(news)
    messages = [channel for channel in channels if channel != PUSH]
    keys = [f"{news}-{channel}-{user.pk}"[:120] for channel in messages]
    keys += [_replacement_key(news, user, channel) for channel in messages]
    carrying = Q(idempotency_key__in=keys) | Q(idempotency_key=f"pushfail-{digest}-{user.pk}", channel__in=messages)
    told = carrying & Q(status__in=CARRYING)
    if PUSH in channels:
        pushes = Q(idempotency_key__startswith=f"{news}-push-{user.pk}-") | Q(
            idempotency_key__startswith=f"{_replacement_key(news, user, PUSH)}-"
        )
        told |= pushes & Q(status__in=CARRYING if pending_pushes else [DeliveryStatus.SENT])
    return Delivery.objects.filter(recipient_id=user.pk).filter(told).exists()


def _allowed_channels(user: User, category: Category) -> set[str]:
    """The channels the member allows this category on and that work for them, as their preferences page shows."""
    from carecircle.notifications.preferences import preferences_for

    for row in preferences_for(user).rows:
        if row.category.key == category.key:
            return {cell.channel for cell in row.cells if cell.enabled and cell.available}
    return set()


def _busy_long(holds: ServiceHolds, service: str, now: datetime.datetime) -> bool:
    until = holds.until.get(service)
    return until is not None and until - now > URGENT_WAIT_AT_MOST


def _rows(
    delivery: Delivery,
    *,
    user: User,
    category: Category,
    channel: str,
    holds: ServiceHolds,
    now: datetime.datetime,
    key: str = "",
    waited: bool = True,
) -> list[Delivery]:
    """The deliveries that carry the news by `channel`, in the member's language; none if it can't go that way now."""
    from carecircle.notifications.notify import language_of

    # An original whose news can't be read (not queued by notify()) gets a key of its own.
    key = key or f"instead-{delivery.pk}-{channel}"
    common = {"recipient_id": user.pk, "category": category.key, "created_at": now}
    with translation.override(language_of(user)):
        if channel == EMAIL:
            if not user.email or _busy_long(holds, EMAIL, now):
                return []
            return [
                Delivery(
                    channel=EMAIL,
                    to=user.email,
                    idempotency_key=key,
                    **_email(delivery, user, category, waited=waited),
                    **common,
                )
            ]
        if channel == SMS:
            if not user.phone or _busy_long(holds, SMS, now) or TextOptOut.objects.filter(number=user.phone).exists():
                return []
            return [Delivery(channel=SMS, to=user.phone, body=_text(delivery, category), idempotency_key=key, **common)]
        return _pushes(delivery, user=user, category=category, holds=holds, now=now, key=key, common=common)


def meant_as(channel: str) -> str:
    """What the news was meant as, in the member's words: the first line of what goes instead."""
    if channel == SMS:
        return _("This was meant as a text message.")
    if channel == PUSH:
        return _("This was meant as a push notification.")
    return _("This was meant as an email.")


def _push_link(delivery: Delivery) -> str:
    """Where the push would have opened, on this site (the notifications list if it can't be read)."""
    try:
        path = str(json.loads(delivery.body).get("url", ""))
    except (ValueError, AttributeError):
        path = ""
    if not path.startswith("/") or path.startswith("//"):
        path = reverse("notifications:list")
    return f"{settings.SITE_URL}{path}"


def _email(delivery: Delivery, user: User, category: Category, *, waited: bool) -> dict[str, object]:
    from carecircle.notifications.emails import html_from_text
    from carecircle.notifications.notify import email_footer
    from carecircle.notifications.preferences import unsubscribe_url

    if delivery.channel == PUSH:
        why = (
            _(
                "The push notification service asked us to wait, so it comes by email now to reach you sooner. "
                "It won't come as a push notification as well."
            )
            if waited
            else _("It couldn't reach your device, so it comes by email instead.")
        )
        body = f"{delivery.subject or category.label}\n{_push_link(delivery)}"
    else:
        why = _(
            "The text message service asked us to wait, so it comes by email now to reach you sooner. "
            "It won't come as a text as well."
        )
        body, _html = delivery.composed()
    subject = _("Urgent: %(what)s") % {"what": category.label}
    stop = unsubscribe_url(user_id=user.pk, category=category.key)
    text = email_footer(f"{meant_as(delivery.channel)} {why}\n\n{body}", category=category, stop=stop, mute="")
    return {
        "subject": subject[:200],
        "body": text,
        "html_body": html_from_text(text, subject=subject),
        "headers": {"List-Unsubscribe": f"<{stop}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    }


def _text(delivery: Delivery, category: Category) -> str:
    from carecircle.notifications.sms_text import fit

    if delivery.channel == PUSH:
        what = _("Meant as a push notification: %(subject)s") % {"subject": delivery.subject or category.label}
        return fit(f"{what} {_push_link(delivery)}")
    link = f"{settings.SITE_URL}{reverse('notifications:list')}"
    what = _("Meant as an email: %(subject)s") % {"subject": delivery.subject or category.label}
    return fit(f"{what} {link}")


def _pushes(
    delivery: Delivery,
    *,
    user: User,
    category: Category,
    holds: ServiceHolds,
    now: datetime.datetime,
    key: str,
    common: dict[str, object],
) -> list[Delivery]:
    from carecircle.notifications.push import push_payload, push_service_of

    devices = [
        device
        for device in PushSubscription.objects.filter(user=user, failing_since__isnull=True).order_by("id")
        if not _busy_long(holds, f"push {push_service_of(device)}", now)
    ]
    if not devices:
        return []
    meant = pgettext("push title", "%(what)s (meant as a text message)") if delivery.channel == SMS else ""
    title = meant % {"what": category.label} if meant else delivery.subject or str(category.label)
    payload = push_payload(category=category.key, title=title, url=reverse("notifications:list"))
    return [
        Delivery(
            channel=PUSH,
            to=str(device.pk),
            subject=title[:200],
            body=payload,
            idempotency_key=f"{key}-{device.pk}",
            **common,
        )
        for device in devices
    ]


def _switch(
    delivery: Delivery,
    *,
    channel: str,
    rows: list[Delivery],
    now: datetime.datetime,
    service: str = "",
    until: datetime.datetime | None = None,
    while_held: bool = False,
    note: str = "",
    duplicate_carries: bool = False,
) -> list[int] | None:
    """Mark the original sent another way and queue what replaces it, together or not at all; the new ids.

    None when it wasn't switched. The UPDATE needs the lease this worker claimed (and, `while_held`,
    the hold still on), so two workers never both switch one row, and the unique idempotency keys never
    queue a replacement twice. With `duplicate_carries` (a key per news and channel, `_replacement_key`),
    a replacement another worker queued a moment ago for the same news carries it: the original is
    still marked sent another way, with nothing new (an empty list). Otherwise both roll back.
    """
    if not note and until is not None:
        note = f"Sent another way: by {channel}, as {service} asked to wait until {until:%Y-%m-%d %H:%M:%S} UTC."
    mine = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING, lease_until=delivery.lease_until)
    try:
        with transaction.atomic():
            # The hold's row locked first, as when a row is held back: a worker ending the hold meanwhile
            # waits for this commit, or came first and this worker sends the row by its own service.
            if while_held and not hold_still_on_locked(service=service, now=now):
                return None
            switched = mine.update(
                status=DeliveryStatus.INSTEAD,
                instead_channel=channel,
                lease_until=None,
                held_by=None,
                sent_at=now,
                last_error=note[:500],
            )
            if not switched:
                return None
            if not rows:
                return []
            if not duplicate_carries:
                return [row.pk for row in Delivery.objects.bulk_create(rows)]
            try:
                with transaction.atomic():
                    return [row.pk for row in Delivery.objects.bulk_create(rows)]
            except IntegrityError:
                # Another worker switched another original of the same news to this channel first.
                return []
    except IntegrityError:
        # Its replacement was queued before (a switch that can't happen twice under one lease): nothing more.
        return None


# How long the preferences page lists what went another way.
SHOWN_FOR = datetime.timedelta(days=7)
SHOWN_AT_MOST = 5


def sent_instead_lines(user: User, *, now: datetime.datetime) -> list[str]:
    """The member's urgent news that went another way lately, each in plain words, newest first (one query)."""
    from django.utils import timezone

    from carecircle.lib.date_words import short_date

    rows = (
        Delivery.objects.filter(recipient_id=user.pk, status=DeliveryStatus.INSTEAD, created_at__gte=now - SHOWN_FOR)
        .order_by("-created_at", "-id")
        .values_list("channel", "instead_channel", "category", "sent_at")[:SHOWN_AT_MOST]
    )
    sentences = sent_instead_sentences()
    lines = []
    for meant, went, key, sent_at in rows:
        sentence = sentences.get((key, meant, went))
        if sentence is None or sent_at is None:
            continue
        lines.append(sentence % {"when": short_date(timezone.localtime(sent_at), "j M Y, H:i")})
    return lines


def sent_instead_sentences() -> dict[tuple[str, str, str], str]:
    """One whole sentence per urgent category and (meant, went) pair of channels, in the active language.

    A category's label pasted into one sentence read "about someone is struggling", and Welsh and
    Polish would have to inflect it: each urgent category says what it was about in its own words.
    """
    return {
        ("checkin", SMS, EMAIL): _("A text message saying someone is struggling went by email instead, on %(when)s."),
        ("checkin", SMS, PUSH): _(
            "A text message saying someone is struggling went as a push notification instead, on %(when)s."
        ),
        ("checkin", EMAIL, PUSH): _(
            "An email saying someone is struggling went as a push notification instead, on %(when)s."
        ),
        ("checkin", EMAIL, SMS): _("An email saying someone is struggling went by text message instead, on %(when)s."),
        ("checkin", PUSH, SMS): _(
            "A push notification saying someone is struggling went by text message instead, on %(when)s."
        ),
        ("checkin", PUSH, EMAIL): _(
            "A push notification saying someone is struggling went by email instead, on %(when)s."
        ),
        ("visit_concern", SMS, EMAIL): _(
            "A text message about a concern after a visit went by email instead, on %(when)s."
        ),
        ("visit_concern", SMS, PUSH): _(
            "A text message about a concern after a visit went as a push notification instead, on %(when)s."
        ),
        ("visit_concern", EMAIL, PUSH): _(
            "An email about a concern after a visit went as a push notification instead, on %(when)s."
        ),
        ("visit_concern", EMAIL, SMS): _(
            "An email about a concern after a visit went by text message instead, on %(when)s."
        ),
        ("visit_concern", PUSH, SMS): _(
            "A push notification about a concern after a visit went by text message instead, on %(when)s."
        ),
        ("visit_concern", PUSH, EMAIL): _(
            "A push notification about a concern after a visit went by email instead, on %(when)s."
        ),
    }
