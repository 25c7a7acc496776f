"""The API for a member's own notifications, preferences, push devices and deliveries (never anyone else's)."""

from __future__ import annotations

import datetime
from typing import Annotated

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.params.functions import Path, Query
from pydantic import Field as PydanticField
from pydantic import StrictInt

from carecircle.accounts.api_auth import viewer
from carecircle.lib.schemas import MAX_ID, InputSchema, NoNul, WallClockTime, responses
from carecircle.notifications import preferences as prefs
from carecircle.notifications import push, selectors
from carecircle.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Digest,
    Notification,
    PushSubscription,
)

router = Router(tags=["Notifications"])
LIST_LIMIT = 100


class NotificationOut(Schema):
    id: int
    category: str
    circle_id: int | None
    title: str
    body: str
    url: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class NotificationsOut(Schema):
    unread: int = Field(description="How many of the member's notifications are unread.")
    notifications: list[NotificationOut] = Field(description=f"The latest {LIST_LIMIT}, newest first.")


class ReadIn(Schema):
    ids: list[Annotated[StrictInt, PydanticField(ge=1, le=MAX_ID)]] = Field(
        max_length=500, description="Mark these of your notifications read (ids from the list)."
    )


class ReadOut(Schema):
    marked: int


class PreferencesIO(Schema):
    enabled: dict[str, dict[str, bool]] = Field(
        description='For each category, each channel ("app", "email", "sms", "push") on or off.'
    )
    quiet_from: WallClockTime | None = Field(None, description="Quiet hours start, on the member's own clock.")
    quiet_until: WallClockTime | None = Field(None, description="Quiet hours end. Urgent categories ignore them.")
    digest: Digest = Digest.OFF
    digest_weekday: int = Field(0, ge=0, le=6, description="Day of the weekly digest: 0 is Monday, 6 Sunday.")
    urgent: list[str] = Field(default_factory=list, description="Categories that still go out in quiet hours.")


@router.get(
    "/notifications",
    operation_id="notification_list",
    summary="Your latest notifications",
    response=responses({200: NotificationsOut}),
)
def notification_list(request: HttpRequest) -> NotificationsOut:
    user = viewer(request)
    # Lines kept only for the digest (in-app turned off for their category) aren't the app's to show.
    rows = list(Notification.objects.filter(recipient=user, in_app=True).order_by("-created_at", "-id")[:LIST_LIMIT])
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True, in_app=True).count()
    return NotificationsOut(
        unread=unread,
        notifications=[
            NotificationOut(
                id=row.pk,
                category=row.category,
                circle_id=row.circle_id,
                title=row.title,
                body=row.body,
                url=row.url,
                created_at=row.created_at,
                read_at=row.read_at,
            )
            for row in rows
        ],
    )


@router.post(
    "/notifications/read",
    operation_id="notification_read",
    summary="Mark notifications read",
    response=responses({200: ReadOut}, 400, 422),
)
def notification_read(request: HttpRequest, payload: ReadIn) -> ReadOut:
    rows = Notification.objects.filter(recipient=viewer(request), read_at__isnull=True, in_app=True, pk__in=payload.ids)
    return ReadOut(marked=rows.update(read_at=timezone.now()))


def _out(chosen: prefs.Preferences) -> PreferencesIO:
    return PreferencesIO(
        enabled=chosen.enabled(),
        quiet_from=chosen.settings.quiet_from,
        quiet_until=chosen.settings.quiet_until,
        digest=Digest(chosen.settings.digest),
        digest_weekday=chosen.settings.digest_weekday,
        urgent=[row.category.key for row in chosen.rows if row.category.urgent],
    )


@router.get(
    "/notifications/preferences",
    operation_id="notification_preferences_get",
    summary="What you hear about, and how",
    response=responses({200: PreferencesIO}),
)
def preferences_get(request: HttpRequest) -> PreferencesIO:
    return _out(prefs.preferences_for(viewer(request)))


@router.put(
    "/notifications/preferences",
    operation_id="notification_preferences_set",
    summary="Change what you hear about, and how",
    response=responses({200: PreferencesIO}, 400, 422),
)
def preferences_set(request: HttpRequest, payload: PreferencesIO) -> PreferencesIO:
    """Send every category you want on; any left out are off. Quiet hours need both ends or neither."""
    enabled = [
        f"{category}.{channel}"
        for category, channels in payload.enabled.items()
        for channel, on in channels.items()
        if on
    ]
    chosen = prefs.preferences_save(
        user=viewer(request),
        enabled=enabled,
        quiet_from=payload.quiet_from,
        quiet_until=payload.quiet_until,
        digest=payload.digest.value,
        digest_weekday=payload.digest_weekday,
    )
    return _out(chosen)


PushText = Annotated[str, NoNul]


class PushKeysIn(InputSchema):
    p256dh: PushText = Field(max_length=200, description="The browser's P-256 public key, base64url.")
    auth: PushText = Field(max_length=100, description="The browser's 16-byte auth secret, base64url.")


class PushSubscribeIn(InputSchema):
    endpoint: PushText = Field(
        max_length=push.ENDPOINT_MAX_LENGTH, description="The push service's https address for this browser."
    )
    keys: PushKeysIn
    # The name PushSubscription.toJSON() uses.
    expirationTime: float | None = Field(
        None, description="Ignored: accepted so that a PushSubscription's toJSON() can be sent as it is."
    )
    label: PushText = Field(
        "",
        max_length=100,
        description="Which device this is, like 'Firefox on Android'; made from the User-Agent if empty.",
    )


class PushUnsubscribeIn(InputSchema):
    endpoint: PushText = Field(max_length=push.ENDPOINT_MAX_LENGTH, description="The address the browser subscribed.")


class PushDeviceOut(Schema):
    id: int
    endpoint: str
    label: str
    created_at: datetime.datetime
    last_success_at: datetime.datetime | None
    failing: bool = Field(description="The push service refused it: turn notifications on again on that device.")


class PushDevicesOut(Schema):
    public_key: str = Field(description="The server's VAPID public key: the applicationServerKey to subscribe with.")
    devices: list[PushDeviceOut]


class PushRemovedOut(Schema):
    removed: int = Field(description="1 if that device was yours and is now off, 0 if it was already off.")


def _device(row: PushSubscription) -> PushDeviceOut:
    return PushDeviceOut(
        id=row.pk,
        endpoint=row.endpoint,
        label=row.label,
        created_at=row.created_at,
        last_success_at=row.last_success_at,
        failing=row.failing_since is not None,
    )


@router.get(
    "/notifications/push",
    operation_id="push_device_list",
    summary="Your devices with push notifications on, and the key to subscribe with",
    response=responses({200: PushDevicesOut}),
)
def push_device_list(request: HttpRequest) -> PushDevicesOut:
    return PushDevicesOut(
        public_key=push.vapid_keys().public_key, devices=[_device(row) for row in push.devices_of(viewer(request))]
    )


@router.post(
    "/notifications/push/subscribe",
    operation_id="push_subscribe",
    summary="Turn push notifications on for a browser",
    response=responses({200: PushDeviceOut, 201: PushDeviceOut}, 400, 422),
)
def push_subscribe(request: HttpRequest, payload: PushSubscribeIn) -> Status[PushDeviceOut]:
    """Send the browser's PushSubscription (its toJSON()). The same endpoint again answers 200 and updates it."""
    row, created = push.push_subscribe(
        user=viewer(request),
        endpoint=payload.endpoint,
        p256dh=payload.keys.p256dh,
        auth=payload.keys.auth,
        label=payload.label or push.device_label(request.headers.get("User-Agent", "")),
    )
    return Status(201 if created else 200, _device(row))


@router.post(
    "/notifications/push/unsubscribe",
    operation_id="push_unsubscribe",
    summary="Turn push notifications off for a browser",
    response=responses({200: PushRemovedOut}, 400, 422),
)
def push_unsubscribe(request: HttpRequest, payload: PushUnsubscribeIn) -> PushRemovedOut:
    """Only your own devices; an endpoint that isn't yours (or is already off) removes nothing."""
    return PushRemovedOut(removed=push.push_unsubscribe(user=viewer(request), endpoint=payload.endpoint))


DELIVERY_LIMIT_DEFAULT = 50
DELIVERY_LIMIT_MAX = 100

DeliveryBefore = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="Only deliveries with an id below this one (the next page).")
]
DeliveryLimit = Annotated[int, Query(ge=1, le=DELIVERY_LIMIT_MAX, description="How many deliveries to return.")]
DeliveryStatusFilter = Annotated[DeliveryStatus | None, Query(description="Only deliveries in this state.")]
DeliveryChannelFilter = Annotated[Channel | None, Query(description="Only deliveries by this channel.")]
DeliveryId = Annotated[int, Path(ge=1, le=MAX_ID, description="The delivery's id.")]


class DeliveryOut(Schema):
    id: int
    channel: Channel
    category: str = Field(description='The kind of news it carried ("news", "mention" ...); "" for account emails.')
    status: DeliveryStatus
    status_label: str = Field(description='The state in words, like "Sent another way".')
    attempts: int = Field(description="How many times sending it was tried.")
    created_at: datetime.datetime
    sent_at: datetime.datetime | None
    next_attempt_at: datetime.datetime | None = Field(
        description="While it waits (a retry, quiet hours, a busy service): not sent before this."
    )
    instead_channel: Channel | None = Field(description='For "instead": the channel it went by instead.')
    notification_id: int | None = Field(
        description="Your in-app notification it carried, when there is one (not for digests or account emails)."
    )
    failure_reason: str = Field(
        description='Why it didn\'t go, in plain words, for "failed" and "instead"; "" otherwise.'
    )


class DeliveryPageOut(Schema):
    items: list[DeliveryOut]
    next_before: int | None = Field(description="Pass as `before` for the next (older) page; null on the last page.")


def _delivery(row: Delivery, notification_id: int | None) -> DeliveryOut:
    # Never the address or number, subject, body, headers (reply addresses, unsubscribe links) or provider ids.
    waiting = row.status in (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
    return DeliveryOut(
        id=row.pk,
        channel=Channel(row.channel),
        category=row.category,
        status=DeliveryStatus(row.status),
        status_label=str(DeliveryStatus(row.status).label),
        attempts=row.attempts,
        created_at=row.created_at,
        sent_at=row.sent_at,
        next_attempt_at=row.not_before if waiting else None,
        instead_channel=Channel(row.instead_channel) if row.instead_channel in Channel.values else None,
        notification_id=notification_id,
        failure_reason=selectors.delivery_failure_reason(row),
    )


@router.get(
    "/notifications/deliveries",
    operation_id="delivery_list",
    summary="Your emails, texts and pushes, and what became of each",
    response=responses({200: DeliveryPageOut}, 422),
)
def delivery_list(
    request: HttpRequest,
    status: DeliveryStatusFilter = None,
    channel: DeliveryChannelFilter = None,
    before: DeliveryBefore = None,
    limit: DeliveryLimit = DELIVERY_LIMIT_DEFAULT,
) -> DeliveryPageOut:
    """Newest first, only your own (organisers too). Page back with `before` set to the previous page's next_before."""
    user = viewer(request)
    page, more = selectors.deliveries_page(
        viewer=user,
        status=status.value if status else None,
        channel=channel.value if channel else None,
        before=before,
        limit=limit,
    )
    notifications = selectors.notification_ids_for(viewer=user, deliveries=page)
    return DeliveryPageOut(
        items=[_delivery(row, notifications.get(row.pk)) for row in page],
        next_before=page[-1].pk if more else None,
    )


@router.get(
    "/notifications/deliveries/{delivery_id}",
    operation_id="delivery_get",
    summary="One of your emails, texts or pushes",
    response=responses({200: DeliveryOut}, 404, 422),
)
def delivery_get(request: HttpRequest, delivery_id: DeliveryId) -> DeliveryOut:
    """Someone else's delivery is 404, as one that doesn't exist."""
    user = viewer(request)
    row = Delivery.objects.filter(recipient=user, pk=delivery_id).only(*selectors.DELIVERY_SHOWN).first()
    if row is None:
        raise Http404
    return _delivery(row, selectors.notification_ids_for(viewer=user, deliveries=[row]).get(row.pk))
