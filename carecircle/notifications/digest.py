"""The daily or weekly digest email: everything that isn't urgent, in one email at 08:00 on the member's clock.

notify() marks what a member in digest mode would have been emailed (`Notification.held_for_digest`),
whether or not they see that category in the app (a line kept only for the digest has `in_app` off).
`digests_send(now=...)` (run by the worker every quarter of an hour, or `carecircle send_digests`)
finds each member whose 08:00 has come since their last digest, gathers what is still held, unread
and still theirs to see (capability checked now, not when it happened), and queues one email as a
delivery row keyed per member and period; the worker sends it after commit. A repeated or
concurrent run finds the key taken (or nothing left held) and sends nothing more. An empty period
sends nothing. docs/architecture/notifications.md has the decisions.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from carecircle.accounts.models import User
from carecircle.circles.models import Membership, Role
from carecircle.circles.permissions import capabilities_for
from carecircle.lib.date_words import short_date
from carecircle.notifications.categories import CATEGORIES, CATEGORY_BY_KEY, DIGEST, EMAIL, STAFF, Category
from carecircle.notifications.models import (
    Channel,
    Digest,
    Notification,
    NotificationPreference,
    NotificationSettings,
)
from carecircle.notifications.preferences import unsubscribe_url
from carecircle.notifications.services import DeliveryDraft, deliveries_enqueue

logger = logging.getLogger(__name__)

DIGEST_TIME = datetime.time(8, 0)
# One email stays readable: past this many items it says how many more are waiting in the app.
MOST_ITEMS = 40
# Members handled per transaction: each batch queues its emails and moves its members on together.
BATCH = 200
CATEGORY_ORDER = {category.key: position for position, category in enumerate(CATEGORIES)}


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):
        return ZoneInfo(settings.TIME_ZONE)


def digest_moment(*, mode: str, weekday: int, time_zone: str, now: datetime.datetime) -> datetime.datetime:
    """The latest digest time at or before `now`: 08:00 on the member's clock, daily or on their weekday."""
    zone = _zone(time_zone)
    local = now.astimezone(zone)
    day = local.date()
    if local.time().replace(tzinfo=None) < DIGEST_TIME:
        day -= datetime.timedelta(days=1)
    if mode == Digest.WEEKLY:
        day -= datetime.timedelta(days=(day.weekday() - weekday) % 7)
    return datetime.datetime.combine(day, DIGEST_TIME, tzinfo=zone).astimezone(datetime.UTC)


@dataclass(frozen=True)
class Due:
    """A member whose digest time has come, and the moment that ends the period."""

    user: User
    mode: str
    moment: datetime.datetime


def digests_due(*, now: datetime.datetime) -> list[Due]:
    """Members in digest mode with a working address whose 08:00 has come since their last digest (one query)."""
    rows = (
        NotificationSettings.objects.filter(
            digest__in=[Digest.DAILY, Digest.WEEKLY], email_failing_since__isnull=True, user__is_active=True
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id")
    )
    due = []
    for row in rows:
        moment = digest_moment(mode=row.digest, weekday=row.digest_weekday, time_zone=row.user.time_zone, now=now)
        if row.digest_sent_until is None or row.digest_sent_until < moment:
            due.append(Due(user=row.user, mode=row.digest, moment=moment))
    return due


def digests_send(*, now: datetime.datetime | None = None) -> int:
    """Queue every digest whose time has come; returns how many emails were queued now.

    Each batch is one short transaction (the emails are sent by the worker after it commits);
    nothing is sent from here.
    """
    moment = now or timezone.now()
    due = digests_due(now=moment)
    queued = 0
    for start in range(0, len(due), BATCH):
        with transaction.atomic():
            queued += digests_queue(due[start : start + BATCH])
    return queued


@dataclass(frozen=True)
class Access:
    """What a member may see in one circle now."""

    role: str
    circle_name: str
    capabilities: frozenset[str]


def _access(user_ids: list[int]) -> dict[tuple[int, int], Access]:
    memberships = (
        Membership.objects.filter(user_id__in=user_ids)
        .select_related("circle")
        .annotate(person_is_member=Exists(Membership.objects.filter(circle=OuterRef("circle"), role=Role.PERSON)))
    )
    return {
        (membership.user_id, membership.circle_id): Access(
            role=membership.role,
            circle_name=membership.circle.person_name,
            capabilities=capabilities_for(
                role=membership.role,
                consent=membership.circle.consent,
                person_is_member=bool(getattr(membership, "person_is_member", False)),
            ),
        )
        for membership in memberships
    }


def _email_choices(user_ids: list[int]) -> dict[tuple[int, str], bool]:
    return {
        (user_id, category): enabled
        for user_id, category, enabled in NotificationPreference.objects.filter(
            user_id__in=user_ids, channel=EMAIL
        ).values_list("user_id", "category", "enabled")
    }


def digests_queue(due: list[Due]) -> int:
    """Build and queue the digests of these members in a constant number of queries; call in a transaction."""
    if not due:
        return 0
    user_ids = [entry.user.pk for entry in due]
    latest = max(entry.moment for entry in due)
    # Circle news, and organisation work (told to an account, with no circle: account_notices.py).
    about = Q(circle__isnull=False) | Q(category__in=[category.key for category in CATEGORIES if category.staff_only])
    held = list(
        Notification.objects.filter(
            about, recipient_id__in=user_ids, held_for_digest=True, created_at__lte=latest
        ).order_by("created_at", "id")
    )
    access = _access(user_ids)
    chosen = _email_choices(user_ids)
    by_member: dict[int, list[Notification]] = defaultdict(list)
    for item in held:
        by_member[item.recipient_id].append(item)
    drafts: list[DeliveryDraft] = []
    considered: list[int] = []
    for entry in due:
        items = [item for item in by_member.get(entry.user.pk, []) if item.created_at <= entry.moment]
        considered.extend(item.pk for item in items)
        shown = [item for item in items if item.read_at is None and _still_theirs(item, access, chosen)]
        if shown:
            drafts.append(_draft(entry, shown, access))
    queued = deliveries_enqueue(drafts)
    # Whatever this period considered is done with: shown now, read already, or no longer theirs.
    Notification.objects.filter(pk__in=considered).update(held_for_digest=False)
    by_moment: dict[datetime.datetime, list[int]] = defaultdict(list)
    for entry in due:
        by_moment[entry.moment].append(entry.user.pk)
    for moment, ids in by_moment.items():
        NotificationSettings.objects.filter(user_id__in=ids).update(digest_sent_until=moment)
    return len(queued)


def _still_theirs(
    item: Notification, access: dict[tuple[int, int], Access], chosen: dict[tuple[int, str], bool]
) -> bool:
    """Still a member of the circle, still able to see it, still wanting its category by email.

    Organisation work has no circle: it was the account's own news (a referral taken from them, their
    place on a staff changed, some of it told because they left), so only their email choice counts.
    """
    category = CATEGORY_BY_KEY.get(item.category)
    if item.circle_id is None:
        if category is None or not category.staff_only or category.urgent:
            return False
        return chosen.get((item.recipient_id, category.key), category.default(EMAIL, STAFF))
    member = access.get((item.recipient_id, item.circle_id))
    if member is None or category is None or category.urgent:
        return False
    if item.capability and item.capability not in member.capabilities:
        return False
    return chosen.get((item.recipient_id, category.key), category.default(EMAIL, member.role))


@dataclass(frozen=True)
class Line:
    title: str
    body: str
    when: str
    link: str


@dataclass(frozen=True)
class Section:
    label: str
    lines: list[Line]


@dataclass(frozen=True)
class CircleSection:
    name: str
    sections: list[Section]


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _when(moment: datetime.datetime, zone: ZoneInfo) -> str:
    # In the active language (the recipient's): "Mon 4 Dec, 09:30", "Llun 4 Rhag, 09:30", "pon 4 gru, 09:30".
    return short_date(moment.astimezone(zone), "D j M, H:i")


def _grouped(
    items: Iterable[Notification], *, recipient_id: int, access: dict[tuple[int, int], Access], zone: ZoneInfo
) -> list[CircleSection]:
    """The items by circle (by name), then by category (in the preferences page's order)."""
    circles: dict[int, dict[str, list[Notification]]] = defaultdict(lambda: defaultdict(list))
    organisation_work: dict[str, list[Notification]] = defaultdict(list)
    for item in items:
        if item.circle_id is None:
            organisation_work[item.category].append(item)
        else:
            circles[item.circle_id][item.category].append(item)
    result = [
        CircleSection(
            name=access[(recipient_id, circle_id)].circle_name,
            sections=[
                Section(label=str(_category(key).label), lines=[_line(item, zone) for item in rows])
                for key, rows in sorted(categories.items(), key=lambda pair: CATEGORY_ORDER.get(pair[0], 99))
            ],
        )
        for circle_id, categories in circles.items()
    ]
    # After the circles, under the category's own name (no second heading repeating it).
    work = [
        CircleSection(
            name=str(_category(key).label), sections=[Section(label="", lines=[_line(i, zone) for i in rows])]
        )
        for key, rows in organisation_work.items()
    ]
    return sorted(result, key=lambda section: section.name.casefold()) + work


def _line(item: Notification, zone: ZoneInfo) -> Line:
    link = _absolute(reverse("notifications:open", kwargs={"notification_id": item.pk}))
    return Line(title=item.title, body=item.body, when=_when(item.created_at, zone), link=link)


def _category(key: str) -> Category:
    return CATEGORY_BY_KEY[key]


def _draft(entry: Due, items: list[Notification], access: dict[tuple[int, int], Access]) -> DeliveryDraft:
    """The digest in the member's own language (User.language), whoever's request sends it."""
    language = entry.user.language if entry.user.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        return _draft_in_language(entry, items, access)


def _draft_in_language(entry: Due, items: list[Notification], access: dict[tuple[int, int], Access]) -> DeliveryDraft:
    user = entry.user
    zone = _zone(user.time_zone)
    shown, more = items[:MOST_ITEMS], len(items) - MOST_ITEMS
    circles = _grouped(shown, recipient_id=user.pk, access=access, zone=zone)
    count = len(items)
    daily = entry.mode == Digest.DAILY
    if daily:
        subject = ngettext("CareCircle today: %(count)d new thing", "CareCircle today: %(count)d new things", count)
    else:
        subject = ngettext(
            "CareCircle this week: %(count)d new thing", "CareCircle this week: %(count)d new things", count
        )
    subject = subject % {"count": count}
    stop = unsubscribe_url(user_id=user.pk, category=DIGEST.key)
    change = _absolute(reverse("notifications:preferences_when")) + "#digest"
    context = {
        "subject": subject,
        "name": user.display_name,
        "circles": circles,
        "more": max(0, more),
        "app": _absolute(reverse("notifications:list")),
        "stop": stop,
        "change": change,
        "daily": daily,
        "language": translation.get_language(),
    }
    local_day = entry.moment.astimezone(zone).date()
    return DeliveryDraft(
        channel=Channel.EMAIL,
        to=user.email,
        subject=subject[:200],
        body=render_to_string("notifications/digest_email.txt", context),
        html_body=render_to_string("notifications/digest_email.html", context),
        idempotency_key=f"digest-{user.pk}-{local_day.isoformat()}",
        recipient_id=user.pk,
        category=DIGEST.key,
        # RFC 8058: mail programs offer a one-click "unsubscribe" that POSTs to this address.
        headers={"List-Unsubscribe": f"<{stop}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
