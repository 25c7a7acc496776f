"""A member's email address or mobile number that stopped working: stop using it, tell them, start again.

notify() and the digest queue nothing on a failing channel, and the worker cancels what was already
waiting (services.py), until the member presses "Start emailing me again" (docs/architecture/notifications.md,
"Bounces and complaints reported later").
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from carecircle.accounts.models import User
from carecircle.notifications.models import Channel, Delivery, Notification, NotificationSettings
from carecircle.notifications.sms import PermanentSmsError

# Stored in English and translated where the member reads it (failing_notice.html).
MAIL_SERVER_REFUSED = gettext_noop("The mail server said the address can't receive mail.")


def member_reason(error: Exception) -> str:
    """Why a channel stopped working, in words for the member (a msgid); the error itself is for operators."""
    if isinstance(error, PermanentSmsError):
        return error.reason
    return MAIL_SERVER_REFUSED


CHANNEL_FAILING_FIELD = {Channel.EMAIL: "email_failing_since", Channel.SMS: "sms_failing_since"}


def channel_mark_failing(*, delivery: Delivery, reason: str) -> None:
    """The member's address or number refused a message for good: stop using it and tell them in the app."""
    assert delivery.recipient_id is not None
    member_channel_failing(
        user_id=delivery.recipient_id,
        channel=delivery.channel,
        address=delivery.to,
        reason=reason,
        key=f"channel-failing-{delivery.pk}",
    )


@transaction.atomic
def member_channel_failing(*, user_id: int, channel: Channel | str, address: str, reason: str, key: str) -> None:
    """Stop emailing (or texting) a member whose address (or number) refused us; tell them in the app, once per `key`.

    notify() and the digest queue nothing on a failing channel, and the worker cancels what was
    already waiting, until the member presses "Start emailing me again" (`channel_mark_working`).
    """
    now = timezone.now()
    failing_field = CHANNEL_FAILING_FIELD[Channel(channel)]
    NotificationSettings.objects.get_or_create(user_id=user_id)
    NotificationSettings.objects.filter(user_id=user_id).update(**{failing_field: now, "failing_reason": reason[:200]})
    # Written in the member's own language, as notify() writes everything else they read.
    with translation.override(_language_of(user_id)):
        if channel == Channel.EMAIL:
            title = _("We couldn't reach your email address %(address)s") % {"address": address}
            body = _(
                "Messages to it were refused, so we have stopped using it. Check your email address, then choose "
                "to start again on your notifications page."
            )
        else:
            title = _("We couldn't reach your mobile number %(address)s") % {"address": address}
            body = _(
                "Messages to it were refused, so we have stopped using it. Check your mobile number, then choose "
                "to start again on your notifications page."
            )
    Notification.objects.get_or_create(
        key=key[:160],
        defaults={
            "recipient_id": user_id,
            "category": "account",
            "title": title[:200],
            "body": body,
            "url": "/notifications/preferences/",
        },
    )


def _language_of(user_id: int) -> str:
    language = User.objects.filter(pk=user_id).values_list("language", flat=True).first()
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def channel_mark_working(*, user_id: int, channel: Channel | str) -> None:
    """The member fixed or confirmed their address or number: use it again."""
    NotificationSettings.objects.filter(user_id=user_id).update(
        **{CHANNEL_FAILING_FIELD[Channel(channel)]: None, "failing_reason": ""}
    )
