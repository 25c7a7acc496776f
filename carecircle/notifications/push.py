"""Web Push: the server's VAPID keys, members' devices, and sending one push through pywebpush.

A push is a delivery row like an email (notify.py queues one per device, services.py claims it and
calls `push_send` outside any transaction). The payload is encrypted for the one browser that
subscribed (aes128gcm, RFC 8291) and carries only a title, a fixed short line and the page to open:
no message text and nothing from the care record (docs/architecture/notifications.md, "Push").
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import logging
import re
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import urlencode, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext_lazy
from py_vapid import Vapid

from carecircle.accounts.models import User
from carecircle.lib.errors import DomainError
from carecircle.notifications.models import Delivery, NotificationSettings, PushKey, PushSubscription

logger = logging.getLogger(__name__)

ENDPOINT_MAX_LENGTH = 1000
# Long enough for a slow push service; the worker holds no database lock meanwhile.
SEND_TIMEOUT_SECONDS = 10
TITLE_MAX = 120
SUCCESS_RECORDED_EVERY = datetime.timedelta(hours=1)
# What a push says under its title: never the words of a message or anything from the record.
# Made at queueing time inside translation.override(the member's language), so each reads their own.
PUSH_LINES = {
    "help_needed": gettext_lazy("Open CareCircle to say whether you can help."),
    "reminder": gettext_lazy("Open CareCircle to see the details."),
}
DEFAULT_LINE = gettext_lazy("Open CareCircle to read it.")


class PushError(DomainError):
    """A device's subscription can't be saved as sent."""


class PermanentPushError(Exception):
    """The push service refused this device for good (gone, or a key it doesn't accept): don't retry."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Base64url with or without padding; ValueError for anything else."""
    if not re.fullmatch(r"[A-Za-z0-9_\-]+={0,2}", text):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64url") from error


# --- The server's keys -----------------------------------------------------------------------


@dataclass(frozen=True)
class VapidKeys:
    private_key: str
    public_key: str
    # "environment" (VAPID_PRIVATE_KEY) or "database" (made once by `carecircle push_keys`).
    source: str

    def signer(self) -> Vapid:
        return Vapid.from_string(private_key=self.private_key)


def _public_of(signer: Vapid) -> str:
    point: bytes = signer.public_key.public_bytes(
        encoding=serialization.Encoding.X962, format=serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


def vapid_keys() -> VapidKeys:
    """The key pair push is signed with: VAPID_PRIVATE_KEY if set, else the kept one (made on first need)."""
    configured: str = settings.VAPID_PRIVATE_KEY
    if configured:
        return VapidKeys(configured, _public_of(Vapid.from_string(private_key=configured)), "environment")
    row = PushKey.objects.filter(purpose="vapid").first()
    if row is None:
        signer = Vapid()
        signer.generate_keys()
        raw = signer.private_key.private_numbers().private_value.to_bytes(32, "big")
        # Two processes making it at once: the unique purpose keeps the first, and both use that one.
        row, _ = PushKey.objects.get_or_create(
            purpose="vapid", defaults={"private_key": b64url(raw), "public_key": _public_of(signer)}
        )
    return VapidKeys(row.private_key, row.public_key, "database")


def vapid_subject() -> str:
    """Who push services may contact about our pushes (RFC 8292 "sub"): mailto: or https:."""
    configured: str = settings.VAPID_SUBJECT
    if configured:
        return configured
    if settings.SITE_URL.startswith("https://"):
        return str(settings.SITE_URL)
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "no-reply@carecircle.invalid"
    return f"mailto:{address}"


# --- Members' devices ------------------------------------------------------------------------


def endpoint_check(endpoint: str) -> str:
    """An https address at a known push service (or 127.0.0.1 in tests); PushError otherwise.

    Only push services' hosts are accepted so that the worker can't be made to post to any other
    address (an internal service, say) by someone who sends a made-up subscription.
    """
    wrong = PushError(
        "This doesn't look like a browser's push address. Turn notifications on again from the browser.",
        field="endpoint",
    )
    if not endpoint or len(endpoint) > ENDPOINT_MAX_LENGTH or not endpoint.isprintable() or " " in endpoint:
        raise wrong
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        raise wrong from None
    if parts.username or parts.password or not host:
        raise wrong
    if parts.scheme == "http" and host == "127.0.0.1" and settings.PUSH_ALLOW_LOCAL_ENDPOINTS:
        return endpoint
    if parts.scheme != "https" or port not in (None, 443):
        raise wrong
    known = [suffix.lower().lstrip(".") for suffix in settings.PUSH_SERVICE_HOSTS]
    if not any(host == suffix or host.endswith("." + suffix) for suffix in known):
        raise wrong
    return endpoint


def keys_check(p256dh: str, auth: str) -> tuple[str, str]:
    """The browser's P-256 public key (65 bytes, on the curve) and 16-byte auth secret, as sent."""
    try:
        point = b64url_decode(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        if len(point) != 65:
            raise ValueError("not an uncompressed point")
    except ValueError:
        raise PushError("The browser's key (p256dh) isn't a P-256 public key.", field="p256dh") from None
    try:
        secret = b64url_decode(auth)
    except ValueError:
        secret = b""
    if len(secret) != 16:
        raise PushError("The browser's auth secret must be 16 bytes, in base64url.", field="auth")
    return p256dh.rstrip("="), auth.rstrip("=")


BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser", "Samsung Internet"), ("Firefox/", "Firefox"))
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str) -> str:
    """ "Firefox on Android": enough for a member to tell their devices apart, nothing more kept."""
    browser = next((name for marker, name in BROWSERS if marker in user_agent), "")
    if not browser:
        browser = "Chrome" if "Chrome/" in user_agent else "Safari" if "Safari/" in user_agent else "A browser"
    system = next((name for marker, name in SYSTEMS if marker in user_agent), "")
    return f"{browser} on {system}" if system else browser


@transaction.atomic
def push_subscribe(
    *, user: User, endpoint: str, p256dh: str, auth: str, label: str = ""
) -> tuple[PushSubscription, bool]:
    """Turn push on for one browser; the same endpoint again updates its row (a burst makes one).

    Returns the subscription and whether it is new. A browser someone else subscribed before (a
    shared computer) now notifies only the member who subscribed it last.
    """
    endpoint = endpoint_check(endpoint)
    p256dh, auth = keys_check(p256dh, auth)
    label = " ".join(label.split())[:100]
    # One member's devices are changed one request at a time, so the device limit holds (PostgreSQL).
    User.objects.select_for_update().filter(pk=user.pk).exists()
    NotificationSettings.objects.get_or_create(user=user)
    fields = {"user": user, "p256dh": p256dh, "auth": auth, "label": label}
    subscription, created = PushSubscription.objects.get_or_create(endpoint=endpoint, defaults=fields)
    if not created:
        for name, value in fields.items():
            setattr(subscription, name, value)
        subscription.failing_since = None
        subscription.last_error = ""
        subscription.save(update_fields=[*fields, "failing_since", "last_error"])
    extra = PushSubscription.objects.filter(user=user).order_by("-created_at", "-id")[settings.PUSH_MAX_DEVICES :]
    PushSubscription.objects.filter(pk__in=list(extra.values_list("pk", flat=True))).delete()
    return subscription, created


def push_unsubscribe(*, user: User, endpoint: str | None = None, subscription_id: int | None = None) -> int:
    """Stop pushing to one of the member's own devices (by endpoint or id); how many were removed (0 or 1)."""
    rows = PushSubscription.objects.filter(user=user)
    if endpoint is not None:
        rows = rows.filter(endpoint=endpoint)
    elif subscription_id is not None:
        rows = rows.filter(pk=subscription_id)
    else:
        return 0
    removed, _ = rows.delete()
    return removed


def devices_of(user: User) -> list[PushSubscription]:
    return list(PushSubscription.objects.filter(user=user).order_by("created_at", "id"))


# Devices listed on the push page at a time, newest first; the rest a "Show more" link away, so the
# page fits its first round trip however many devices a member has (docs/performance.md). A part
# holds up to DEVICES_SHOWN devices whose lines weigh up to DEVICES_BYTES: a label a browser sent
# may be 100 characters of two-byte letters, written twice (shown, and in its button's name).
DEVICES_SHOWN = 5
DEVICES_BYTES = 2_000
# A device's line without its label (the button, its id and the list item), and "stopped working".
DEVICE_LINE_BYTES = 240
DEVICE_FAILING_BYTES = 120


def device_line_bytes(device: PushSubscription) -> int:
    failing = DEVICE_FAILING_BYTES if device.failing_since else 0
    return DEVICE_LINE_BYTES + 2 * len(device.label.encode()) + failing


@dataclass(frozen=True)
class DevicesPart:
    """Up to DEVICES_SHOWN of a member's devices, newest first, from `start`, and how many there are."""

    devices: list[PushSubscription]
    start: int
    total: int

    @property
    def first(self) -> int:
        return self.start + 1 if self.devices else 0

    @property
    def last(self) -> int:
        return self.start + len(self.devices)

    @property
    def following(self) -> int | None:
        return self.last if self.last < self.total else None


def devices_part(user: User, start: int = 0) -> DevicesPart:
    """One query for a member with a few devices; a count as well when there are more than a part."""
    rows = PushSubscription.objects.filter(user=user).order_by("-created_at", "-id")
    read = list(rows[start : start + DEVICES_SHOWN + 1])
    shown: list[PushSubscription] = []
    weight = 0
    for device in read[:DEVICES_SHOWN]:
        weight += device_line_bytes(device)
        if shown and weight > DEVICES_BYTES:
            break
        shown.append(device)
    if start == 0 and len(read) == len(shown):
        return DevicesPart(devices=shown, start=0, total=len(shown))
    if not shown:  # past the end (a device removed meanwhile): the first part
        return devices_part(user)
    return DevicesPart(devices=shown, start=start, total=rows.count())


# --- Sending ---------------------------------------------------------------------------------


def push_open_url(*, notification_key: str, url: str) -> str:
    """The path a push opens: /notifications/push/open/ marks that notification read, then goes to `url`.

    `n` is the in-app notification's key (`<key>-<member>`, known before the row is written, so no
    query is needed to build it); the view looks it up for the signed-in member only, so another
    member's key marks nothing. `to` is where to go when there is no such notification (the member
    turned the app off for this kind of news): a path on this site, checked again by the view. One
    longer than 500 characters (as an ASCII URI) goes to the notifications page rather than being cut.
    """
    path = iri_to_uri(url) if url.startswith("/") and not url.startswith("//") else "/notifications/"
    query = urlencode({"n": notification_key[:160], "to": path if len(path) <= 500 else "/notifications/"})
    return f"{reverse('notifications:push_open')}?{query}"


def push_payload(*, category: str, title: str, url: str, notification_key: str = "") -> str:
    """The JSON the browser decrypts: a title, a fixed short line and a path on this site; no content.

    In UTF-8, not \\u escapes (a four-byte character would take twelve): with the limits here the
    longest payload stays well inside the 4096 bytes a push service takes (RFC 8291 §4).
    """
    path = url if url.startswith("/") and not url.startswith("//") else "/notifications/"
    if notification_key:
        path = push_open_url(notification_key=notification_key, url=path)
    return json.dumps(
        {
            "title": title[:TITLE_MAX],
            "body": str(PUSH_LINES.get(category, DEFAULT_LINE)),
            "url": path if notification_key else path[:500],
            "tag": category,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def push_device(delivery: Delivery) -> PushSubscription | None:
    """The device to push to, while it is still subscribed, still the same member's, and not refused before."""
    if not delivery.to.isdigit() or delivery.recipient_id is None:
        return None
    return PushSubscription.objects.filter(
        pk=int(delivery.to), user_id=delivery.recipient_id, failing_since__isnull=True
    ).first()


def push_service_of(subscription: PushSubscription) -> str:
    """The push service a device's pushes go to: its endpoint's origin (scheme, host, port)."""
    parts = urlsplit(subscription.endpoint)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def push_send(delivery: Delivery, *, subscription: PushSubscription, urgent: bool = False) -> str:
    """Encrypt and post one push (outside any transaction); the push service's message address.

    404 or 410 mean the browser dropped the subscription (RFC 8030 §7.3): the row is deleted. 413
    means this payload was too large: the device is fine, only this delivery fails. Any other 4xx
    but 408/429 marks the device failing. All three are permanent for this delivery; 5xx, 408, 429
    and network errors are retried by the caller with back-off (after a 429 or 503, at least as
    long as the push service's Retry-After asks: retry_after.py).
    """
    # Imported here: pywebpush brings aiohttp and requests, which only the worker needs.
    from pywebpush import WebPushException, webpush

    keys = vapid_keys()
    try:
        response = webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=delivery.body,
            vapid_private_key=keys.signer(),
            vapid_claims={"sub": vapid_subject()},
            content_encoding="aes128gcm",
            ttl=settings.PUSH_TTL_SECONDS,
            timeout=SEND_TIMEOUT_SECONDS,
            headers={"Urgency": "high" if urgent else "normal"},
        )
    except WebPushException as error:
        status = error.status_code
        if status in (404, 410):
            PushSubscription.objects.filter(pk=subscription.pk).delete()
            raise PermanentPushError(
                f"The push service says this device no longer takes notifications ({status}); it was removed."
            ) from None
        if status == 413:
            raise PermanentPushError(
                f"The push service refused this push as too large ({len(delivery.body.encode())} bytes of JSON, 413)."
            ) from None
        if status is not None and 400 <= status < 500 and status not in (408, 429):
            PushSubscription.objects.filter(pk=subscription.pk).update(
                failing_since=timezone.now(), last_error=f"Refused by the push service ({status})."
            )
            raise PermanentPushError(f"The push service refused this device ({status}).") from None
        raise
    now = timezone.now()
    # At most one write an hour per device: each is a commit, and the worker's rate is mostly commits.
    if subscription.last_success_at is None or subscription.last_success_at < now - SUCCESS_RECORDED_EVERY:
        PushSubscription.objects.filter(pk=subscription.pk).update(last_success_at=now)
    location = str(getattr(response, "headers", {}).get("Location", ""))
    return location[:120] or f"push-{delivery.pk}"
