"""Members' choices: which categories reach them on which channel, quiet hours, digest, mutes.

Reads (`preferences_for`) and writes (`preferences_save`, `unsubscribe`, `conversation_mute`) for
the preferences page, the API and the one-click links in emails. The links carry a signed token,
so they work without signing in; they can only ever turn things off.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import CharField, Value
from django.urls import reverse
from django.utils.translation import gettext as _

from carecircle.accounts.models import User
from carecircle.circles.models import Membership
from carecircle.circles.registries import organisation_staff_rows
from carecircle.lib.errors import DomainError
from carecircle.notifications.categories import (
    CATEGORIES,
    CATEGORY_BY_KEY,
    CHANNELS,
    DIGEST,
    EMAIL,
    PUSH,
    SMS,
    STAFF,
    Category,
    categories_for,
)
from carecircle.notifications.models import (
    ConversationMute,
    Digest,
    NotificationPreference,
    NotificationSettings,
)

UNSUBSCRIBE_SALT = "carecircle.notifications.unsubscribe"
MUTE_SALT = "carecircle.notifications.mute"

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class PreferenceError(DomainError):
    """The choices can't be saved as given."""


@dataclass(frozen=True)
class Cell:
    channel: str
    label: StrOrPromise
    enabled: bool
    # False when the member has no address or number for the channel (or it stopped working).
    available: bool

    def name(self, category: str) -> str:
        return f"{category}.{self.channel}"


@dataclass(frozen=True)
class Row:
    category: Category
    cells: list[Cell]


@dataclass(frozen=True)
class Preferences:
    rows: list[Row]
    settings: NotificationSettings
    muted: list[int]

    def enabled(self) -> dict[str, dict[str, bool]]:
        return {row.category.key: {cell.channel: cell.enabled for cell in row.cells} for row in self.rows}


def _roles(user: User) -> set[str]:
    """The member's roles in circles, and STAFF if they are on an organisation's staff."""
    # One query: the circle roles, and STAFF from each app's staff rows, joined by UNION.
    query = Membership.objects.filter(user=user).order_by().values_list("role", flat=True)
    for rows in organisation_staff_rows(user.pk):
        staff = rows.order_by().annotate(staff_role=Value(STAFF, output_field=CharField()))
        # The combined query would order by Membership's default ordering, which isn't in its columns.
        query = query.union(staff.values_list("staff_role", flat=True)).order_by()
    return set(query)


def preferences_for(user: User) -> Preferences:
    """The member's choices, with their roles' defaults where they haven't chosen (4 queries, staff included).

    Categories for organisation staff only are left out for everyone else.
    """
    roles = _roles(user)
    chosen = {
        (category, channel): enabled
        for category, channel, enabled in NotificationPreference.objects.filter(user=user).values_list(
            "category", "channel", "enabled"
        )
    }
    row, _ = NotificationSettings.objects.get_or_create(user=user)
    available = {
        "app": True,
        EMAIL: bool(user.email) and row.email_failing_since is None,
        SMS: bool(user.phone) and row.sms_failing_since is None,
        # Chosen per category even before a device is turned on, so turning one on needs no second visit.
        PUSH: True,
    }
    rows = []
    for category in categories_for(roles):
        cells = []
        for channel, label in CHANNELS:
            default = any(category.default(channel, role) for role in roles)
            cells.append(Cell(channel, label, chosen.get((category.key, channel), default), available[channel]))
        rows.append(Row(category, cells))
    muted = list(ConversationMute.objects.filter(user=user).values_list("conversation_id", flat=True))
    return Preferences(rows=rows, settings=row, muted=muted)


@transaction.atomic
def preferences_save(
    *,
    user: User,
    enabled: Iterable[str],
    quiet_from: datetime.time | None,
    quiet_until: datetime.time | None,
    digest: str,
    digest_weekday: int = 0,
) -> Preferences:
    """Save every category and channel (`enabled` names "category.channel" to turn on), quiet hours, digest.

    Only the categories offered to the member are saved: a choice kept for one no longer offered
    (someone who left an organisation's staff) stays as it was.
    """
    _timing_check(quiet_from=quiet_from, quiet_until=quiet_until, digest=digest, digest_weekday=digest_weekday)
    choices_save(user=user, enabled=enabled)
    return timing_save(
        user=user, quiet_from=quiet_from, quiet_until=quiet_until, digest=digest, digest_weekday=digest_weekday
    )


@transaction.atomic
def choices_save(*, user: User, enabled: Iterable[str], channels: Iterable[str] | None = None) -> None:
    """Save every offered category on `channels` (all by default), leaving the others, quiet hours and digest.

    The preferences page saves in-app, email and text; the push page saves push
    (docs/architecture/notifications.md, "The preferences pages").
    """
    on = set(enabled)
    chosen_channels = [channel for channel, _label in CHANNELS] if channels is None else list(channels)
    offered = categories_for(_roles(user))
    known = {f"{category.key}.{channel}" for category in offered for channel in chosen_channels}
    unknown = on - known
    if unknown:
        raise PreferenceError(_('There is no choice called "%(name)s".') % {"name": sorted(unknown)[0]})
    NotificationPreference.objects.filter(
        user=user, category__in=[category.key for category in offered], channel__in=chosen_channels
    ).delete()
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(
                user=user, category=category.key, channel=channel, enabled=f"{category.key}.{channel}" in on
            )
            for category in offered
            for channel in chosen_channels
        ]
    )


def _timing_check(
    *, quiet_from: datetime.time | None, quiet_until: datetime.time | None, digest: str, digest_weekday: int
) -> None:
    if any(moment is not None and moment.tzinfo is not None for moment in (quiet_from, quiet_until)):
        raise PreferenceError(_("Give quiet hours as times on your own clock, like 21:30, without a time zone."))
    if (quiet_from is None) != (quiet_until is None):
        raise PreferenceError(_("Give both the start and the end of your quiet hours, or neither."))
    if quiet_from is not None and quiet_from == quiet_until:
        raise PreferenceError(_("Quiet hours must start and end at different times."))
    if digest not in Digest.values:
        raise PreferenceError(_("Choose how often to hear about things that aren't urgent."))
    if digest_weekday not in range(7):
        raise PreferenceError(_("Choose a day of the week for the weekly email."))


@transaction.atomic
def timing_save(
    *,
    user: User,
    quiet_from: datetime.time | None,
    quiet_until: datetime.time | None,
    digest: str,
    digest_weekday: int = 0,
) -> Preferences:
    """Save quiet hours and the digest, leaving every category and channel as it is."""
    _timing_check(quiet_from=quiet_from, quiet_until=quiet_until, digest=digest, digest_weekday=digest_weekday)
    NotificationSettings.objects.update_or_create(
        user=user,
        defaults={
            "quiet_from": quiet_from,
            "quiet_until": quiet_until,
            "digest": digest,
            "digest_weekday": digest_weekday,
        },
    )
    return preferences_for(user)


def unsubscribe_token(*, user_id: int, category: str) -> str:
    return signing.dumps({"u": user_id, "c": category}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, user_id: int, category: str) -> str:
    token = unsubscribe_token(user_id=user_id, category=category)
    return f"{settings.SITE_URL}{reverse('notifications:stop_emails', kwargs={'token': token})}"


@dataclass(frozen=True)
class Unsubscribe:
    user: User
    category: Category


def unsubscribe_read(token: str) -> Unsubscribe:
    """What a "stop these emails" link is for; ValueError when it was altered or the member is gone."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        category = DIGEST if data["c"] == DIGEST.key else CATEGORY_BY_KEY[data["c"]]
        user = User.objects.get(pk=int(data["u"]), is_active=True)
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist):
        raise ValueError(_("This link isn't valid. Change what we email you on your notifications page.")) from None
    return Unsubscribe(user=user, category=category)


def unsubscribe(*, token: str) -> Unsubscribe:
    """Stop emails of one category for the member the link was made for (RFC 8058 one-click).

    The digest's link stops the email of every category that isn't urgent, so the digest stops
    and nothing comes at once instead; urgent news still comes, as the preferences page says.
    """
    found = unsubscribe_read(token)
    keys = (
        [category.key for category in CATEGORIES if not category.urgent]
        if found.category == DIGEST
        else [found.category.key]
    )
    for key in keys:
        NotificationPreference.objects.update_or_create(
            user=found.user, category=key, channel=EMAIL, defaults={"enabled": False}
        )
    return found


def mute_token(*, user_id: int, conversation_id: int) -> str:
    return signing.dumps({"u": user_id, "m": conversation_id}, salt=MUTE_SALT, compress=True)


def mute_read(token: str) -> tuple[User, int]:
    try:
        data = signing.loads(token, salt=MUTE_SALT)
        user = User.objects.get(pk=int(data["u"]), is_active=True)
        conversation_id = int(data["m"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist):
        raise ValueError(_("This link isn't valid.")) from None
    return user, conversation_id


def conversation_mute(*, user: User, conversation_id: int, muted: bool = True) -> None:
    """Mute (or unmute) one conversation for one member: nothing about it reaches them outside it."""
    if muted:
        ConversationMute.objects.get_or_create(user=user, conversation_id=conversation_id)
    else:
        ConversationMute.objects.filter(user=user, conversation_id=conversation_id).delete()
