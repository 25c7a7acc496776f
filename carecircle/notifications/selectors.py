"""Reads of outbound messages for pages of other apps."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.accounts.models import User
from carecircle.circles.access import CircleAccess
from carecircle.circles.conditional import ViewerPart
from carecircle.circles.models import Circle, Membership
from carecircle.lib import rows
from carecircle.notifications.instead import news_of
from carecircle.notifications.models import Channel, Delivery, DeliveryStatus, Notification

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
    def quoted(model: type[Delivery | Membership | Circle | User], name: str | None = None) -> str:
        return rows.quoted(connection, model, name)

    delivery, membership, user = quoted(Delivery), quoted(Membership), quoted(User)
    delivery_id, status, channel, to = (quoted(Delivery, name) for name in ("id", "status", "channel", "to"))
    member_circle, member_user = quoted(Membership, "circle"), quoted(Membership, "user")
    user_id, email, phone = quoted(User, "id"), quoted(User, "email"), quoted(User, "phone")
    circle_id = quoted(Circle, "id")
    # The codes are written in the SQL, not bound: the status matches the partial index of failures by
    # address, and SQLite prepares a statement again on every run when a bound value decides whether
    # a partial index applies (≈ 5 % of an organiser's home; serving.md).
    failed = rows.code_literal(DeliveryStatus.FAILED.value)
    email_channel, sms_channel = rows.code_literal(Channel.EMAIL.value), rows.code_literal(Channel.SMS.value)
    # The failures to this circle's members' addresses and numbers, as failed_deliveries_for lists
    # them, found from the members through the index of failures by address (one probe per address).
    # Their count and the sum of their ids, not the latest id: a delivery can fail after a newer one
    # did (retries), and failing is final, so any new failure changes both.
    failures = (
        f"SELECT CAST(COUNT(DISTINCT d.{delivery_id}) AS TEXT) || ':' ||"  # noqa: S608
        f" CAST(COALESCE(SUM(DISTINCT d.{delivery_id}), 0) AS TEXT)"
        f" FROM {membership} m INNER JOIN {user} u ON u.{user_id} = m.{member_user}"
        f" INNER JOIN {delivery} d ON d.{to} IN (u.{email}, u.{phone})"
        f" WHERE m.{member_circle} = c.{circle_id} AND d.{status} = {failed} AND d.{to} <> ''"
        f" AND ((d.{channel} = {email_channel} AND d.{to} = u.{email})"
        f" OR (d.{channel} = {sms_channel} AND d.{to} = u.{phone}))"
    )
    # "<count>:<sum of ids>/<the hour>": names from the models, never from input; the hour a parameter.
    return f"({failures}) || %s"


def _failed_deliveries_params(access: CircleAccess, connection: BaseDatabaseWrapper) -> list[str] | None:
    if not access.can("circle.edit"):
        return None
    # Failures drop off the list FAILED_SHOWN_FOR after they happened: the hour bounds how long a
    # reused page can still show one.
    return [f"/{timezone.now():%Y-%m-%dT%H}"]


# Changes when a delivery to one of the circle's members fails or an old failure leaves the list
# (a failure elsewhere leaves it as it is); "" for those who never see it.
failed_deliveries_version = ViewerPart(sql=_failed_deliveries_sql, params=_failed_deliveries_params)


def deliveries_page(
    *, viewer: User, status: str | None = None, channel: str | None = None, before: int | None = None, limit: int
) -> tuple[list[Delivery], bool]:
    """The viewer's own emails, texts and pushes, newest first, and whether older ones follow.

    Only rows whose recipient is the viewer: an organiser sees no one else's (failures to members
    show on the circle's home page without the message, `failed_deliveries_for`).
    """
    rows = Delivery.objects.filter(recipient=viewer)
    if status is not None:
        rows = rows.filter(status=status)
    if channel is not None:
        rows = rows.filter(channel=channel)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    # Only what the API shows: the bodies can be long (a batched chat email) and are never sent.
    found = list(rows.only(*DELIVERY_SHOWN).order_by("-id")[: limit + 1])
    return found[:limit], len(found) > limit


DELIVERY_SHOWN = (
    "channel",
    "recipient_id",
    "category",
    "idempotency_key",
    "status",
    "attempts",
    "not_before",
    "last_error",
    "instead_channel",
    "created_at",
    "sent_at",
)


def notification_ids_for(*, viewer: User, deliveries: list[Delivery]) -> dict[int, int]:
    """{delivery id: the viewer's in-app notification it carried} for those notify() queued; one query."""
    # notify() keys the member's notification `<news>-<member>` and each delivery `<news>-<channel>-<member>`.
    wanted = {delivery.pk: f"{news}-{viewer.pk}"[:160] for delivery in deliveries if (news := news_of(delivery))}
    if not wanted:
        return {}
    ids = dict(Notification.objects.filter(recipient=viewer, key__in=set(wanted.values())).values_list("key", "id"))
    return {delivery_id: ids[key] for delivery_id, key in wanted.items() if key in ids}


def delivery_failure_reason(delivery: Delivery) -> str:
    """Why it didn't go, in plain words for its recipient; "" unless it failed or went another way."""
    if delivery.status == DeliveryStatus.INSTEAD:
        label = Channel(delivery.instead_channel).label if delivery.instead_channel in Channel.values else ""
        if label:
            return _("It would have waited too long, so it went another way: %(channel)s.") % {"channel": label}
        return _("It would have waited too long, so it went another way.")
    if delivery.status != DeliveryStatus.FAILED:
        return ""
    if delivery.channel == Channel.PUSH:
        return _("That device no longer takes notifications from CareCircle. Turn them on again on it.")
    lowered = delivery.last_error.lower()
    if "header" in lowered or "newline" in lowered:
        return _("Something in the message couldn't be put in an email header.")
    if "recipient" in lowered or "refused" in lowered or "invalid" in lowered or "bounce" in lowered:
        return _("Your address or number was refused. Check it on your account page.")
    return _("The message couldn't be delivered after several tries.")
