"""A fake Twilio the SMS backend talks to, for the tests of busy services and of urgent news sent another way."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.utils import timezone

from carecircle.notifications.sms_fake import FakeCredentials, FakeSmsProvider

ACCOUNT = "AC" + "1" * 32
AUTH_TOKEN = "twilio-busy-test-token"


@pytest.fixture
def twilio(settings) -> Iterator[FakeSmsProvider]:
    fake = FakeSmsProvider(
        FakeCredentials(twilio_account_sid=ACCOUNT, twilio_auth_token=AUTH_TOKEN, notify_api_key="")
    ).start()
    settings.SMS_BACKEND = "carecircle.notifications.sms_providers.TwilioSmsBackend"
    settings.TWILIO_API_BASE = fake.base_url
    settings.TWILIO_ACCOUNT_SID = ACCOUNT
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM = "+447700900999"
    yield fake
    fake.stop()


@pytest.fixture
def start() -> datetime.datetime:
    return timezone.now().replace(microsecond=0)
