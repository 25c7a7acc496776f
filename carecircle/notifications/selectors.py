"""Reads of outbound messages for pages of other apps."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.circles.access import CircleAccess
from carecircle.circles.conditional import ViewerPart
from carecircle.circles.models import Membership
from carecircle.lib import rows
from carecircle.notifications.models import Channel, Delivery, DeliveryStatus

# Long enough for an organiser who looks in once a week to see it.
FAILED_SHOWN_FOR = datetime.timedelta(days=14)
FAILED_SHOWN_AT_MOST = 5


@dataclass(frozen=True)
class FailedDelivery:
    member_name: str
    channel_label: str
    at: datetime.datetime
    reason: str


def failed_deliveries_for(*, circle_id: int) -> list[FailedDelivery]:
    """Emails and texts to this circle's members that failed for good lately, newest first.

    Only who and when (never the subject: a message may be about another circle), so organisers can
    check the address or number and tell the person another way.
    """
    members = Membership.objects.filter(circle_id=circle_id)
    addresses = members.exclude(user__email="").values("user__email")
    numbers = members.exclude(user__phone="").values("user__phone")
    failed = list(
        Delivery.objects.filter(status=DeliveryStatus.FAILED, created_at__gte=timezone.now() - FAILED_SHOWN_FOR)
        .filter(Q(channel=Channel.EMAIL, to__in=addresses) | Q(channel=Channel.SMS, to__in=numbers))
        .order_by("-created_at", "-id")[:FAILED_SHOWN_AT_MOST]
    )
    if not failed:
        return []
    names: dict[str, str] = {}
    for email, phone, name in members.values_list("user__email", "user__phone", "user__display_name"):
        names[email.lower()] = name
        if phone:
            names[phone] = name
    return [
        FailedDelivery(
            member_name=names.get(delivery.to.lower(), names.get(delivery.to, _("A member"))),
            channel_label=_("An email") if delivery.channel == Channel.EMAIL else _("A text message"),
            at=delivery.created_at,
            reason=_reason(delivery.last_error),
        )
        for delivery in failed
    ]


def _reason(error: str) -> str:
    """A plain hint from the last error; the technical text stays in the outbox and the logs."""
    lowered = error.lower()
    if "header" in lowered or "newline" in lowered:
        return _("Something in the message couldn't be put in an email header.")
    if "recipient" in lowered or "refused" in lowered or "invalid" in lowered:
        return _("The address or number was refused. Check it on the person's account.")
    return _("The message couldn't be delivered after several tries.")


def _failed_deliveries_sql(connection: BaseDatabaseWrapper) -> str:
    delivery, delivery_id = rows.quoted(connection, Delivery), rows.quoted(connection, Delivery, "id")
    status = rows.quoted(connection, Delivery, "status")
    latest = f"SELECT d.{delivery_id} FROM {delivery} d WHERE d.{status} = %s ORDER BY d.{delivery_id} DESC LIMIT 1"  # noqa: S608
    # "<the latest failure's id>/<the hour>" ("/<the hour>" with none): names from the models, values parameters.
    return f"COALESCE(CAST(({latest}) AS TEXT), '') || %s"


def _failed_deliveries_params(access: CircleAccess, connection: BaseDatabaseWrapper) -> list[str] | None:
    if not access.can("circle.edit"):
        return None
    # Failures drop off the list FAILED_SHOWN_FOR after they happened: the hour bounds how long a
    # reused page can still show one.
    return [DeliveryStatus.FAILED.value, f"/{timezone.now():%Y-%m-%dT%H}"]


# Changes when a delivery fails or an old failure leaves the list; "" for those who never see it.
failed_deliveries_version = ViewerPart(sql=_failed_deliveries_sql, params=_failed_deliveries_params)
