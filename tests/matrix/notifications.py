"""Matrix rows for notifications: a member's own list and preferences, and the signed one-click links.

Everything here is the signed-in member's own; another member's notification is 404. The "stop
these emails" and "mute" links carry a signed token and work without signing in, for anyone who
has the link (that is the point of RFC 8058); they can only ever turn things off.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from carecircle.notifications.models import Delivery, DeliveryStatus, Notification
from carecircle.notifications.preferences import mute_token, unsubscribe_token
from carecircle.notifications.push import b64url, vapid_keys
from tests.matrix.base import World

# Columns: person, organiser, helper, paid_carer, professional, well_wisher, org_staff, outsider, anonymous.
WEB: dict[tuple[str, str], str] = {
    ("notifications:list", "GET"): "200 200 200 200 200 200 200 200 302",
    ("notifications:list", "POST"): "405 405 405 405 405 405 405 405 302",
    ("notifications:read_all", "GET"): "405 405 405 405 405 405 405 405 302",
    ("notifications:read_all", "POST"): "302 302 302 302 302 302 302 302 302",
    ("notifications:unread", "GET"): "200 200 200 200 200 200 200 200 302",
    ("notifications:unread", "POST"): "405 405 405 405 405 405 405 405 302",
    # The notification is the organiser's.
    ("notifications:open", "GET"): "404 302 404 404 404 404 404 404 302",
    ("notifications:open", "POST"): "405 405 405 405 405 405 405 405 302",
    ("notifications:preferences", "GET"): "200 200 200 200 200 200 200 200 302",
    ("notifications:preferences", "POST"): "302 302 302 302 302 302 302 302 302",
    # Quiet hours and the digest, and push, each on their own page one link away (the member's own).
    ("notifications:preferences_when", "GET"): "200 200 200 200 200 200 200 200 302",
    ("notifications:preferences_when", "POST"): "302 302 302 302 302 302 302 302 302",
    ("notifications:preferences_push", "GET"): "200 200 200 200 200 200 200 200 302",
    ("notifications:preferences_push", "POST"): "302 302 302 302 302 302 302 302 302",
    # What each kind of news covers: words only, the member's own kinds.
    ("notifications:preferences_kinds", "GET"): "200 200 200 200 200 200 200 200 302",
    ("notifications:preferences_kinds", "POST"): "405 405 405 405 405 405 405 405 302",
    ("notifications:stop_emails", "GET"): "200 200 200 200 200 200 200 200 200",
    ("notifications:stop_emails", "POST"): "200 200 200 200 200 200 200 200 200",
    ("notifications:mute", "GET"): "200 200 200 200 200 200 200 200 200",
    ("notifications:mute", "POST"): "200 200 200 200 200 200 200 200 200",
    ("notifications:channel_resume", "GET"): "405 405 405 405 405 405 405 405 302",
    ("notifications:channel_resume", "POST"): "302 302 302 302 302 302 302 302 302",
    # "Stop notifying" one of the member's own devices; someone else's device id changes nothing.
    # Opening a push: marks the organiser's notification read for the organiser; for anyone else it only redirects.
    ("notifications:push_open", "GET"): "302 302 302 302 302 302 302 302 302",
    ("notifications:push_open", "POST"): "405 405 405 405 405 405 405 405 302",
    ("notifications:push_device_remove", "GET"): "405 405 405 405 405 405 405 405 302",
    ("notifications:push_device_remove", "POST"): "302 302 302 302 302 302 302 302 302",
    # Mail providers' tracking webhooks: the basic-auth secret is the proof, no member's session.
    ("notifications:mail_events_postmark", "GET"): "405 405 405 405 405 405 405 405 405",
    ("notifications:mail_events_postmark", "POST"): "403 403 403 403 403 403 403 403 403",
    ("notifications:mail_events_brevo", "GET"): "405 405 405 405 405 405 405 405 405",
    ("notifications:mail_events_brevo", "POST"): "403 403 403 403 403 403 403 403 403",
    # Twilio's status callback: its signature is the proof.
    ("notifications:sms_status_twilio", "GET"): "405 405 405 405 405 405 405 405 405",
    ("notifications:sms_status_twilio", "POST"): "403 403 403 403 403 403 403 403 403",
}

API: dict[tuple[str, str], str] = {
    ("notification_list", "GET"): "200 200 200 200 200 200 200 200 401",
    ("notification_read", "POST"): "200 200 200 200 200 200 200 200 401",
    ("notification_preferences_get", "GET"): "200 200 200 200 200 200 200 200 401",
    ("notification_preferences_set", "PUT"): "200 200 200 200 200 200 200 200 401",
    # Push: each member's own browsers only, whatever their role in any circle.
    ("push_device_list", "GET"): "200 200 200 200 200 200 200 200 401",
    ("push_subscribe", "POST"): "201 201 201 201 201 201 201 201 401",
    ("push_unsubscribe", "POST"): "200 200 200 200 200 200 200 200 401",
    # Deliveries: each member's own list, whatever their role; organisers see no one else's (privacy).
    ("delivery_list", "GET"): "200 200 200 200 200 200 200 200 401",
    # The delivery is the organiser's.
    ("delivery_get", "GET"): "404 200 404 404 404 404 404 404 401",
}

# A browser's subscription as PushManager.subscribe() gives it: a push service's https address and a real P-256 key.
MATRIX_PUSH_KEY = b64url(
    ec.generate_private_key(ec.SECP256R1())
    .public_key()
    .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
)
MATRIX_ENDPOINT = "https://fcm.googleapis.com/fcm/send/matrix-device"

API_BODIES: dict[str, Any] = {
    "push_subscribe": {
        "endpoint": MATRIX_ENDPOINT,
        "expirationTime": None,
        "keys": {"p256dh": MATRIX_PUSH_KEY, "auth": b64url(bytes(range(16)))},
    },
    "push_unsubscribe": {"endpoint": MATRIX_ENDPOINT},
    "notification_read": {"ids": [1, 2]},
    "notification_preferences_set": {"enabled": {"news": {"app": True, "email": False}}, "digest": "daily"},
}


def prepare(world: World) -> dict[str, Any]:
    helper = world.cast.helper
    # Made at set-up (`carecircle push_keys`), as on a real install, so no page pays for making it.
    vapid_keys()
    notification = Notification.objects.create(
        recipient=world.cast.organiser, category="news", title="News", url="/", key="matrix-notification"
    )
    delivery = Delivery.objects.create(
        channel="email",
        to=world.cast.organiser.email,
        recipient=world.cast.organiser,
        category="news",
        subject="News",
        body="News",
        idempotency_key=f"matrix-delivery-email-{world.cast.organiser.pk}",
        # Sent, not failed: a failure would also show on the circle's home page (failed_deliveries_for).
        status=DeliveryStatus.SENT,
        attempts=1,
    )
    return {
        "notification_id": notification.pk,
        "delivery_id": delivery.pk,
        "stop_token": unsubscribe_token(user_id=helper.pk, category="news"),
        "mute_token": mute_token(user_id=helper.pk, conversation_id=1),
        "channel": "email",
    }


def url(world: World, name: str) -> str | None:
    from django.urls import reverse

    if name == "notifications:stop_emails":
        return reverse(name, kwargs={"token": world.extra["stop_token"]})
    if name == "notifications:push_open":
        return reverse(name) + "?n=matrix-notification&to=/"
    if name == "notifications:mute":
        return reverse(name, kwargs={"token": world.extra["mute_token"]})
    return None


# The notification POSTs act on the member's own settings or on a signed link, so the matrix's shared
# world can't check them by role; the tests named here post each form and check what it changed.
NO_WRITE: dict[str, str] = {
    "notifications:preferences": "saves the member's own choices; tests/notifications/test_preferences.py",
    "notifications:preferences_when": "saves the member's own quiet hours; notifications/test_preference_pages.py",
    "notifications:preferences_push": "saves the member's own push choices; notifications/test_preference_pages.py",
    "notifications:read_all": "marks the member's own notifications read; tests/notifications/test_preferences.py",
    "notifications:stop_emails": "needs an email's signed token; tests/notifications/test_preferences.py",
    "notifications:mute": "needs an email's signed token; tests/notifications/test_preferences.py",
    "notifications:channel_resume": "clears the member's own failing flag; tests/notifications/test_mail_events.py",
    "notifications:push_device_remove": "turns off the member's own device; tests/notifications/test_push.py",
    "notifications:mail_events_postmark": "needs the webhook secret; tests/notifications/test_mail_events.py",
    "notifications:mail_events_brevo": "needs the webhook secret; tests/notifications/test_mail_events.py",
    "notifications:sms_status_twilio": "needs Twilio's signature; tests/notifications/test_sms_status.py",
}
