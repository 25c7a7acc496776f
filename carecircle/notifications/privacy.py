"""Deliveries (emails, texts, pushes) sent to a person, kept RETENTION_DELIVERIES_DAYS; and their push devices."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from carecircle.accounts.models import User
from carecircle.lib.privacy_registry import csv_rows, erasure_register, subject_part_register
from carecircle.lib.retention import RetentionRule, retention_rule_register
from carecircle.lib.zipstream import Member
from carecircle.notifications.chat import composed
from carecircle.notifications.models import (
    Delivery,
    DeliveryStatus,
    FanOut,
    InboundEmail,
    InboundText,
    MailEvent,
    Notification,
    OutboxMessage,
    PushSubscription,
    TextsSent,
)


def _to(user: User) -> Q:
    addresses = [address for address in (user.email, user.phone) if address]
    return Q(to__in=addresses) | Q(recipient=user)


def subject_access(user: User) -> Iterable[Member]:
    yield (
        "messages-we-sent-you.csv",
        csv_rows(
            ["channel", "to", "subject", "status", "queued", "sent", "body"],
            # A batched chat email with the lines that joined it, as it was (or will be) sent.
            (
                (*row[:-2], composed(row[-2], "", row[-1])[0])
                for row in Delivery.objects.filter(_to(user))
                .order_by("id")
                .values_list("channel", "to", "subject", "status", "created_at", "sent_at", "body", "batch_lines")
                .iterator(500)
            ),
        ),
    )
    yield (
        "notifications.csv",
        csv_rows(
            ["created", "category", "title", "body", "read"],
            Notification.objects.filter(recipient=user)
            .order_by("id")
            .values_list("created_at", "category", "title", "body", "read_at")
            .iterator(500),
        ),
    )
    # News of what the member just did in a big circle, not yet written for each member (fan_out.py).
    yield (
        "news-being-told.csv",
        csv_rows(
            ["created", "category", "title", "body", "url", "members"],
            (
                (created, category, _theirs(titles, user), _theirs(bodies, user), url, len(ids))
                for created, category, titles, bodies, url, ids in FanOut.objects.filter(actor=user)
                .order_by("id")
                .values_list("created_at", "category", "titles", "bodies", "url", "user_ids")
                .iterator(500)
            ),
        ),
    )
    yield (
        "push-devices.csv",
        csv_rows(
            ["device", "turned on", "last reached", "push address"],
            PushSubscription.objects.filter(user=user)
            .order_by("id")
            .values_list("label", "created_at", "last_success_at", "endpoint")
            .iterator(500),
        ),
    )


def _theirs(words: dict[str, str], user: User) -> str:
    """The text in the member's language, or the site's."""
    return words.get(user.language) or words.get(settings.LANGUAGE_CODE, "")


def erase(user: User) -> None:
    PushSubscription.objects.filter(user=user).delete()
    Delivery.objects.filter(_to(user)).delete()
    OutboxMessage.objects.filter(to__in=[address for address in (user.email, user.phone) if address]).delete()
    Notification.objects.filter(recipient=user).delete()
    # What they did moments ago in a big circle is not told with their name any more.
    FanOut.objects.filter(actor=user).delete()
    InboundText.objects.filter(user=user).delete()
    MailEvent.objects.filter(user=user).delete()
    if user.email:
        MailEvent.objects.filter(recipient__iexact=user.email).delete()
    if user.phone:
        InboundText.objects.filter(sender=user.phone).delete()
    InboundEmail.objects.filter(user=user).delete()
    if user.email:
        InboundEmail.objects.filter(sender=user.email.lower()).delete()


def _finished(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.exclude(status=DeliveryStatus.QUEUED)


subject_part_register("notifications", subject_access)
erasure_register("notifications", handler=erase)
retention_rule_register(
    RetentionRule(
        name="deliveries",
        setting="RETENTION_DELIVERIES_DAYS",
        model=Delivery,
        date_field="created_at",
        narrow=_finished,
    )
)
retention_rule_register(
    RetentionRule(
        name="notifications", setting="RETENTION_DELIVERIES_DAYS", model=Notification, date_field="created_at"
    )
)
retention_rule_register(
    RetentionRule(name="outbox", setting="RETENTION_DELIVERIES_DAYS", model=OutboxMessage, date_field="created_at")
)
retention_rule_register(
    RetentionRule(name="texts-sent", setting="RETENTION_DELIVERIES_DAYS", model=TextsSent, date_field="day")
)
retention_rule_register(
    RetentionRule(
        name="inbound-texts", setting="RETENTION_DELIVERIES_DAYS", model=InboundText, date_field="received_at"
    )
)
retention_rule_register(
    RetentionRule(
        name="inbound-emails", setting="RETENTION_DELIVERIES_DAYS", model=InboundEmail, date_field="received_at"
    )
)
retention_rule_register(
    RetentionRule(name="mail-events", setting="RETENTION_DELIVERIES_DAYS", model=MailEvent, date_field="received_at")
)
