"""Twilio's status callback: a text to an unknown number or a landline stops texts to it, once."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from carecircle.notifications.models import Channel, Delivery, DeliveryStatus, Notification, NotificationSettings
from carecircle.notifications.sms_providers import twilio_signature
from tests.cast import Cast

AUTH_TOKEN = "twilio-status-test-token"
URL = "/sms/status/twilio/"


@pytest.fixture
def signed(settings: Any) -> Any:
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.SITE_URL = "https://care.example"

    def post(params: dict[str, str], *, signature: str | None = None) -> Any:
        good = twilio_signature(url=f"https://care.example{URL}", params=list(params.items()), auth_token=AUTH_TOKEN)
        return Client().post(URL, params, headers={"X-Twilio-Signature": good if signature is None else signature})

    return post


def sent_text(cast: Cast, sid: str = "SM0123456789abcdef0123456789abcdef") -> Delivery:
    return Delivery.objects.create(
        channel=Channel.SMS,
        to="+447700900123",
        body="Can you help?",
        idempotency_key=f"status-{sid}",
        recipient=cast.helper,
        category="help_needed",
        status=DeliveryStatus.SENT,
        provider_id=sid,
    )


def sms_failing(cast: Cast) -> bool:
    return NotificationSettings.objects.filter(user=cast.helper, sms_failing_since__isnull=False).exists()


def test_an_unknown_number_stops_texts_and_tells_the_member_once(cast: Cast, signed: Any) -> None:
    text = sent_text(cast)
    params = {"MessageSid": text.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30005", "To": text.to}
    for _ in range(2):
        assert signed(params).status_code == 200
    assert sms_failing(cast)
    assert Notification.objects.filter(recipient=cast.helper, category="account").count() == 1


def test_other_statuses_and_passing_errors_change_nothing(cast: Cast, signed: Any) -> None:
    text = sent_text(cast)
    assert signed({"MessageSid": text.provider_id, "MessageStatus": "delivered"}).status_code == 200
    # 30003: the handset is switched off or out of signal, which passes.
    assert (
        signed({"MessageSid": text.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30003"}).status_code
        == 200
    )
    assert not sms_failing(cast)


def test_a_forged_or_bad_callback_is_refused(cast: Cast, signed: Any) -> None:
    text = sent_text(cast)
    params = {"MessageSid": text.provider_id, "MessageStatus": "failed", "ErrorCode": "21211"}
    assert signed(params, signature="forged").status_code == 403
    assert signed({"MessageStatus": "failed"}).status_code == 400
    assert signed({"MessageSid": text.provider_id, "MessageStatus": "failed", "ErrorCode": "x1"}).status_code == 400
    assert not sms_failing(cast)
