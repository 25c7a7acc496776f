"""Writes to a member's own calendar addresses and reminder settings (the "Calendar and reminders" page).

Like every service: keyword-only arguments, an explicit actor, one transaction, one audit row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from carecircle.audit.services import audit_record
from carecircle.tasks.models import CalendarFeed, ReminderSetting, new_feed_token
from carecircle.tasks.services import TaskError

if TYPE_CHECKING:
    from carecircle.accounts.models import User
    from carecircle.circles.models import Circle


@transaction.atomic
def calendar_feed_renew(*, actor: User, circle: Circle | None) -> CalendarFeed:
    """Give the member a calendar address for one circle (or all): a new secret, so any old address stops."""
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(user=actor, circle=circle)
    if not created:
        feed.token = new_feed_token()
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
    audit_record(
        actor=actor, action="tasks.feed_created" if created else "tasks.feed_renewed", circle=circle, subject=actor
    )
    return feed


@transaction.atomic
def calendar_feed_revoke(*, actor: User, circle: Circle | None) -> bool:
    """Stop the member's calendar address for one circle (or all). False if there was none."""
    deleted, _ = CalendarFeed.objects.filter(user=actor, circle=circle).delete()
    if deleted:
        audit_record(actor=actor, action="tasks.feed_revoked", circle=circle, subject=actor)
    return bool(deleted)


@transaction.atomic
def reminder_setting_update(*, actor: User, day_before: bool, hours_before: int | None) -> ReminderSetting:
    """When the member is reminded of what they're going to: the day before, and/or some hours before."""
    if hours_before is not None and not 1 <= hours_before <= 72:
        raise TaskError(gettext("Choose between 1 and 72 hours before, or leave it empty for no reminder on the day."))
    setting, _ = ReminderSetting.objects.get_or_create(user=actor)
    setting.day_before = day_before
    setting.hours_before = hours_before
    setting.save(update_fields=["day_before", "hours_before"])
    audit_record(
        actor=actor,
        action="tasks.reminders_changed",
        subject=actor,
        data={"day_before": day_before, "hours_before": hours_before},
    )
    return setting
