"""Bounces and complaints from the mail provider: the member's email stops, they're told, and can start it again."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client

from carecircle.notifications.models import Delivery, DeliveryStatus, MailEvent, Notification, NotificationSettings
from carecircle.notifications.notify import notify
from carecircle.notifications.services import delivery_send
from tests.cast import Cast

SECRET = "carecircle:webhook-password"
POSTMARK = "/mail/events/postmark/"
BREVO = "/mail/events/brevo/"


@pytest.fixture
def secret(settings: Any) -> str:
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    return SECRET


def post(url: str, body: Any, *, auth: str | None = SECRET) -> Any:
    headers = {}
    if auth is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    data = body if isinstance(body, str) else json.dumps(body)
    return Client().post(url, data, content_type="application/json", headers=headers)


def postmark_bounce(email: str, *, kind: str = "HardBounce", event_id: int = 4323372036854775807) -> dict[str, Any]:
    return {
        "RecordType": "Bounce",
        "ID": event_id,
        "Type": kind,
        "TypeCode": 1,
        "Name": "Hard bounce",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "MessageStream": "outbound",
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": email,
        "From": "carecircle@example.org",
        "BouncedAt": "2026-03-09T16:33:54.9070259Z",
        "Inactive": True,
        "Subject": "Dad is home",
        "Metadata": {},
    }


def failing(user: Any) -> bool:
    return NotificationSettings.objects.filter(user=user, email_failing_since__isnull=False).exists()


def test_a_hard_bounce_stops_email_and_tells_the_member_in_the_app(cast: Cast, secret: str) -> None:
    response = post(POSTMARK, postmark_bounce(cast.helper.email.upper()))
    assert response.status_code == 200
    assert failing(cast.helper)
    [notice] = Notification.objects.filter(recipient=cast.helper, category="account")
    assert cast.helper.email.upper() in notice.title
    # While failing, notify queues no email for them (they're still told in the app).
    notify(category="news", circle=cast.circle, key="after-bounce", title="News")
    assert Notification.objects.filter(key=f"after-bounce-{cast.helper.pk}").exists()
    assert not Delivery.objects.filter(idempotency_key=f"after-bounce-email-{cast.helper.pk}").exists()
    assert Delivery.objects.filter(idempotency_key=f"after-bounce-email-{cast.paid_carer.pk}").exists()


def test_the_same_event_twice_does_nothing_twice(cast: Cast, secret: str) -> None:
    for _ in range(2):
        assert post(POSTMARK, postmark_bounce(cast.helper.email)).status_code == 200
    assert MailEvent.objects.count() == 1
    assert Notification.objects.filter(recipient=cast.helper, category="account").count() == 1


def test_a_soft_bounce_changes_nothing(cast: Cast, secret: str) -> None:
    assert post(POSTMARK, postmark_bounce(cast.helper.email, kind="SoftBounce")).status_code == 200
    assert not failing(cast.helper)
    assert not Notification.objects.filter(recipient=cast.helper, category="account").exists()


def test_a_spam_complaint_stops_email(cast: Cast, secret: str) -> None:
    body = {
        "RecordType": "SpamComplaint",
        "ID": 42,
        "Type": "SpamComplaint",
        "TypeCode": 512,
        "Email": cast.organiser.email,
        "BouncedAt": "2026-03-09T16:33:54Z",
    }
    assert post(POSTMARK, body).status_code == 200
    assert failing(cast.organiser)
    assert NotificationSettings.objects.get(user=cast.organiser).failing_reason.startswith("An email of ours")


def test_brevo_hard_bounces_and_blocks_count_but_not_soft_ones(cast: Cast, secret: str) -> None:
    def brevo(event: str, email: str, ts: int) -> dict[str, Any]:
        return {"event": event, "email": email, "message-id": f"<{ts}@example.org>", "ts_epoch": ts, "reason": "x"}

    assert post(BREVO, brevo("soft_bounce", cast.helper.email, 1)).status_code == 200
    assert not failing(cast.helper)
    assert post(BREVO, brevo("hard_bounce", cast.helper.email, 2)).status_code == 200
    assert failing(cast.helper)
    assert post(BREVO, brevo("blocked", cast.paid_carer.email, 3)).status_code == 200
    assert failing(cast.paid_carer)
    # Brevo gives no event id: the same event replayed is recognised by its content.
    assert post(BREVO, brevo("hard_bounce", cast.helper.email, 2)).status_code == 200
    assert MailEvent.objects.filter(provider="brevo").count() == 3


def test_delivered_and_unknown_addresses_change_nothing(cast: Cast, secret: str) -> None:
    delivered = {"RecordType": "Delivery", "Recipient": cast.helper.email, "DeliveredAt": "2026-03-09T16:33:54Z"}
    assert post(POSTMARK, delivered).status_code == 200
    assert post(POSTMARK, postmark_bounce("nobody@example.net")).status_code == 200
    assert not failing(cast.helper)
    assert MailEvent.objects.get().user is None


@pytest.mark.parametrize(
    ("auth", "configured"),
    [(None, True), ("carecircle:wrong", True), (SECRET, False)],
)
def test_without_the_secret_the_webhook_answers_403(
    cast: Cast, settings: Any, auth: str | None, configured: bool
) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET if configured else ""}
    response = post(POSTMARK, postmark_bounce(cast.helper.email), auth=auth)
    assert response.status_code == 403
    assert not failing(cast.helper)


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        '"a string"',
        json.dumps({"RecordType": "Bounce", "Type": "HardBounce", "Email": 12}),
        json.dumps({"RecordType": "Bounce", "Type": "HardBounce", "Email": "a\u0000@example.org", "ID": 1}),
        json.dumps({"FromFull": {"Email": "x@example.org"}}),
    ],
)
def test_bad_bodies_get_a_clear_answer_never_a_500(cast: Cast, secret: str, body: str) -> None:
    response = post(POSTMARK, body)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "tracking event JSON" in response.content.decode()
    assert not MailEvent.objects.filter(acted=True).exists()


def test_a_brevo_body_that_is_not_an_object_is_400(cast: Cast, secret: str) -> None:
    response = post(BREVO, "[1]")
    assert response.status_code == 400
    assert "Brevo" in response.content.decode()


def test_the_member_sees_the_notice_and_starts_email_again(cast: Cast, secret: str, as_user: Any) -> None:
    post(POSTMARK, postmark_bounce(cast.helper.email))
    client = as_user(cast.helper)
    for page in ("/notifications/", "/notifications/preferences/"):
        html = client.get(page).content.decode()
        assert "were refused" in html
        assert "Start emailing me again" in html
    response = client.post("/notifications/resume/email/", {"next": "/notifications/"})
    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    assert not failing(cast.helper)
    assert "Start emailing me again" not in client.get("/notifications/").content.decode()
    notify(category="news", circle=cast.circle, key="after-resume", title="News")
    assert Delivery.objects.filter(idempotency_key=f"after-resume-email-{cast.helper.pk}").exists()


def test_resume_only_takes_a_post_to_a_known_channel_and_a_local_next(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.helper)
    assert client.get("/notifications/resume/email/").status_code == 405
    assert client.post("/notifications/resume/fax/").status_code == 404
    away = client.post("/notifications/resume/email/", {"next": "https://elsewhere.example/"})
    assert away["Location"] == "/notifications/preferences/"


def test_emails_already_waiting_are_cancelled_once_the_address_fails(cast: Cast, secret: str) -> None:
    notify(category="news", circle=cast.circle, key="before-bounce", title="News")
    delivery = Delivery.objects.get(idempotency_key=f"before-bounce-email-{cast.helper.pk}")
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.QUEUED)
    post(POSTMARK, postmark_bounce(cast.helper.email))
    assert delivery_send(delivery_id=delivery.pk) == "failing"
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.CANCELLED
