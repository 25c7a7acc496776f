"""notify_account(): telling one account something asked of them rather than of a circle.

Split from notify.py, which tells a circle's members by their roles there; an account told here may
be in no circle at all (an organisation's staff, a family asked about an organisation joining).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from carecircle.accounts.models import User
from carecircle.lib.hooks import user_event_send
from carecircle.notifications.categories import EMAIL, IN_APP, PUSH, SMS, STAFF, Category, category_named
from carecircle.notifications.models import Notification, NotificationPreference, PushSubscription
from carecircle.notifications.notify import (
    Rendered,
    absolute,
    choices_for,
    drafts_in_language,
    language_of,
    within_daily_cap,
)
from carecircle.notifications.services import deliveries_enqueue


def notify_account(*, user_id: int, category: str, key: str, render: Callable[[], tuple[str, str]], url: str) -> bool:
    """Tell one account about something asked of them rather than of a circle.

    For what reaches a person before any circle does (an organisation asking to join a circle they
    organise: orgs/circle_links.py): no role to take defaults from, so only the account's own
    choice for the category in the app counts, and the category's in-app default otherwise; email
    is left to the caller, which already wrote one. A category for organisation staff
    (`staff_only`, orgs/lost_referrals.py) also goes by email, text and push as the account chose,
    with the category's staff defaults otherwise; its email waits for the account's daily or weekly
    digest when they chose one, as every category's does.
    `render()` gives (title, text) and runs in the account's language. Call inside the transaction
    of the change; `key` tells it once, and the deliveries are sent by the worker after commit.
    Returns whether the account was told in the app.
    """
    chosen = category_named(category)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    if chosen.staff_only:
        return _notify_staff(user, chosen, key=key, render=render, url=url)
    choice = (
        NotificationPreference.objects.filter(user=user, category=chosen.key, channel=IN_APP)
        .values_list("enabled", flat=True)
        .first()
    )
    if not (bool(chosen.app) if choice is None else choice):
        return False
    with translation.override(language_of(user)):
        title, body = render()
    _account_notification_create(user, chosen, key=key, title=title, body=body, url=url)
    return True


def _account_notification_create(
    user: User,
    category: Category,
    *,
    key: str,
    title: str,
    body: str,
    url: str,
    in_app: bool = True,
    held: bool = False,
) -> None:
    """The in-app notification, or with `in_app` off a line kept only for the member's digest (`held`)."""
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                category=category.key,
                title=title[:200],
                body=body[:500],
                url=url[:500],
                key=f"{key}-{user.pk}"[:160],
                held_for_digest=held,
                in_app=in_app,
            )
        ],
        ignore_conflicts=True,
    )
    if in_app:
        user_event_send(user_id=user.pk, type="notification")


def _notify_staff(user: User, category: Category, *, key: str, render: Callable[[], tuple[str, str]], url: str) -> bool:
    """Tell a member of staff on every channel they want for a staff-only category."""
    mine = choices_for([user.pk], category)[user.pk]
    in_app = mine.wants(category, IN_APP, STAFF)
    row = mine.settings
    wanted = []
    email_works = bool(user.email) and (row is None or row.email_failing_since is None)
    email_wanted = email_works and mine.wants(category, EMAIL, STAFF)
    # In digest mode the email waits for the member's daily or weekly digest, as every other
    # category's does (issue 11); only a category urgent by design is emailed at once.
    held = email_wanted and row is not None and row.digest != "off" and not category.urgent
    if email_wanted and not held:
        wanted.append(EMAIL)
    if bool(user.phone) and (row is None or row.sms_failing_since is None) and mine.wants(category, SMS, STAFF):
        wanted.append(SMS)
    devices: list[int] = []
    if mine.has_push and mine.wants(category, PUSH, STAFF):
        devices = list(
            PushSubscription.objects.filter(user=user, failing_since__isnull=True)
            .order_by("id")
            .values_list("pk", flat=True)
        )
    if not (in_app or held or wanted or devices):
        return False
    link = absolute(url) if url else settings.SITE_URL
    with translation.override(language_of(user)):
        title, body = render()

        def make(_user: object) -> Rendered:
            opener = _("Open it in CareCircle: %(link)s") % {"link": link}
            return Rendered(subject=title, text=f"{title}\n\n{body}\n\n{opener}\n", sms=f"{title} {link}")

        drafts = drafts_in_language(
            category,
            user,
            make,
            wanted,
            key=key,
            now=timezone.now(),
            row=row,
            mute_url="",
            sms_suffix=lambda: "",
            reply_to="",
            devices=devices,
            url=url,
        )
    if in_app or held:
        _account_notification_create(user, category, key=key, title=title, body=body, url=url, in_app=in_app, held=held)
    deliveries_enqueue(within_daily_cap(drafts, category=category, now=timezone.now()))
    return in_app
