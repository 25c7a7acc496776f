"""Texts through real provider formats (Twilio, GOV.UK Notify) to the fake provider on 127.0.0.1, and the daily cap."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from email.utils import format_datetime
from functools import partial

import pytest
import time_machine
from django.utils import timezone

from carecircle.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationSettings,
    TextsSent,
)
from carecircle.notifications.services import deliveries_send, delivery_enqueue, delivery_send
from carecircle.notifications.sms_fake import FakeCredentials, FakeSmsProvider
from carecircle.notifications.sms_providers import twilio_signature, twilio_signature_valid
from tests.bursts import at_once
from tests.cast import make_user

ACCOUNT = "AC" + "0" * 32
AUTH_TOKEN = "twilio-test-auth-token"
SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
NOTIFY_KEY = f"carecircle_test-{SERVICE_ID}-{SECRET}"
MOBILE = "+447700900123"


@pytest.fixture
def provider() -> Iterator[FakeSmsProvider]:
    fake = FakeSmsProvider(
        FakeCredentials(twilio_account_sid=ACCOUNT, twilio_auth_token=AUTH_TOKEN, notify_api_key=NOTIFY_KEY)
    ).start()
    yield fake
    fake.stop()


@pytest.fixture
def twilio(settings, provider: FakeSmsProvider) -> FakeSmsProvider:
    settings.SMS_BACKEND = "carecircle.notifications.sms_providers.TwilioSmsBackend"
    settings.TWILIO_API_BASE = provider.base_url
    settings.TWILIO_ACCOUNT_SID = ACCOUNT
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM = "+447700900999"
    return provider


@pytest.fixture
def notify(settings, provider: FakeSmsProvider) -> FakeSmsProvider:
    settings.SMS_BACKEND = "carecircle.notifications.sms_providers.NotifySmsBackend"
    settings.NOTIFY_BASE_URL = provider.base_url
    settings.NOTIFY_API_KEY = NOTIFY_KEY
    settings.NOTIFY_SMS_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
    return provider


def queue_text(body: str, *, to: str = MOBILE, key: str = "text-1", recipient_id: int | None = None) -> Delivery:
    return delivery_enqueue(
        channel=Channel.SMS, to=to, body=body, idempotency_key=key, recipient_id=recipient_id, category="help_needed"
    )


@pytest.mark.django_db
def test_a_text_goes_through_twilio_and_keeps_the_providers_id(twilio):
    delivery = queue_text("Can you take Dad to the dentist on Tuesday? Reply YES 4821")

    assert delivery_send(delivery_id=delivery.pk) == "sent"

    [text] = twilio.sent
    delivery.refresh_from_db()
    assert (text.provider, text.to, text.segments, text.encoding) == ("twilio", MOBILE, 1, "GSM-7")
    assert delivery.provider_id == text.id
    assert delivery.status == DeliveryStatus.SENT


@pytest.mark.django_db
def test_a_text_goes_through_govuk_notify_with_a_signed_token(notify):
    body = "Dad\u2019s visit at 3pm needs someone 🙂 Reply YES 4821"
    delivery = queue_text(body)

    assert delivery_send(delivery_id=delivery.pk) == "sent"

    [text] = notify.sent
    assert (text.provider, text.body, text.encoding) == ("notify", body, "UCS-2")
    delivery.refresh_from_db()
    assert delivery.provider_id == text.id


@pytest.mark.django_db
@pytest.mark.parametrize("backend", ["twilio", "notify"])
def test_an_invalid_number_fails_at_once_and_marks_the_members_number_failing(backend, request):
    provider = request.getfixturevalue(backend)
    nina = make_user("nina", display_name="Nina Neighbour")
    delivery = queue_text("Hello", to="+15550100001", recipient_id=nina.pk)

    assert delivery_send(delivery_id=delivery.pk) == "failed"

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1
    assert NotificationSettings.objects.get(user=nina).sms_failing_since is not None
    assert provider.sent == []


@pytest.mark.django_db
@pytest.mark.parametrize("backend", ["twilio", "notify"])
def test_wrong_credentials_are_retried_later_not_blamed_on_the_number(backend, request, settings):
    request.getfixturevalue(backend)
    settings.TWILIO_AUTH_TOKEN = "not-the-token"
    settings.NOTIFY_API_KEY = f"carecircle_test-{SERVICE_ID}-{'f' * 8}-8d35-48ac-975b-e847b4f122b0"
    delivery = queue_text("Hello")

    assert delivery_send(delivery_id=delivery.pk) == "retry"

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED
    assert delivery.not_before is not None


@pytest.mark.django_db
@pytest.mark.parametrize("backend", ["twilio", "notify"])
@pytest.mark.parametrize(
    ("status", "retry_after", "minutes"),
    [
        # GOV.UK Notify documents its 429s (RateLimitError, TooManyRequestsError) without Retry-After.
        (429, None, 2),
        (429, "300", 5),
        (503, "in 20 minutes, as an HTTP-date", 20),
    ],
)
def test_a_busy_provider_is_asked_again_when_it_says_and_its_other_texts_wait_as_long(
    backend, request, status, retry_after, minutes
):
    provider = request.getfixturevalue(backend)
    nina = make_user("nina", display_name="Nina Neighbour")
    start = timezone.now().replace(microsecond=0)
    if retry_after and retry_after.startswith("in 20"):
        retry_after = format_datetime(start + datetime.timedelta(minutes=20), usegmt=True)
    provider.busy = (status, retry_after)
    with time_machine.travel(start, tick=False):
        first = queue_text("One", key="one", recipient_id=nina.pk)
        second = queue_text("Two", key="two", recipient_id=nina.pk)

        assert deliveries_send([first.pk, second.pk]) == {"retry": 1, "held": 1}

    assert provider.busy_answers == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.attempts, first.not_before) == (
        DeliveryStatus.QUEUED,
        1,
        start + datetime.timedelta(minutes=minutes),
    )
    # The provider's other texts wait as long (at least until the next sweep), untried, in every worker.
    assert (second.status, second.attempts, second.not_before) == (
        DeliveryStatus.QUEUED,
        0,
        start + datetime.timedelta(minutes=minutes),
    )
    # Busy is about the provider, never the number.
    assert not NotificationSettings.objects.filter(user=nina, sms_failing_since__isnull=False).exists()
    assert not Notification.objects.filter(recipient=nina).exists()


def test_the_twilio_signature_matches_twilios_published_example():
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"

    assert twilio_signature(url=url, params=params.items(), auth_token="12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_a_forged_or_tampered_twilio_signature_is_refused(settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    url = "https://care.example/sms/inbound/twilio/"
    params = [("From", MOBILE), ("Body", "YES 4821")]
    good = twilio_signature(url=url, params=params, auth_token=AUTH_TOKEN)

    assert twilio_signature_valid(url=url, params=params, signature=good)
    assert not twilio_signature_valid(url=url, params=[("From", MOBILE), ("Body", "NO 4821")], signature=good)
    assert not twilio_signature_valid(url=url, params=params, signature="")
    settings.TWILIO_AUTH_TOKEN = ""
    assert not twilio_signature_valid(url=url, params=params, signature=good)


@pytest.mark.django_db(transaction=True)
def test_the_daily_cap_holds_under_a_burst_of_simultaneous_sends(twilio, settings):
    settings.SMS_DAILY_CAP = 3
    nina = make_user("nina", display_name="Nina Neighbour")
    burst = 12
    # Rows written directly: queueing through the service would send each at once (tasks run immediately).
    rows = Delivery.objects.bulk_create(
        Delivery(
            channel=Channel.SMS,
            to=MOBILE,
            body=f"Message {number}",
            idempotency_key=f"burst-{number}",
            recipient_id=nina.pk,
            category="help_needed",
        )
        for number in range(burst)
    )
    ids = [row.pk for row in rows]

    outcomes = at_once([partial(delivery_send, delivery_id=delivery_id) for delivery_id in ids])

    assert sorted(outcomes) == ["capped"] * (burst - 3) + ["sent"] * 3
    assert len(twilio.sent) == 3
    assert TextsSent.objects.get(user=nina).count == 3
    assert Delivery.objects.filter(status=DeliveryStatus.CANCELLED).count() == burst - 3


@pytest.mark.django_db
def test_urgent_news_still_goes_after_the_daily_cap(twilio, settings):
    settings.SMS_DAILY_CAP = 1
    nina = make_user("nina", display_name="Nina Neighbour")
    first = queue_text("One", key="one", recipient_id=nina.pk)
    second = queue_text("Two", key="two", recipient_id=nina.pk)
    urgent = delivery_enqueue(
        channel=Channel.SMS,
        to=MOBILE,
        body="Dad is struggling today",
        idempotency_key="urgent",
        recipient_id=nina.pk,
        category="checkin",
    )

    outcomes = [delivery_send(delivery_id=delivery.pk) for delivery in (first, second, urgent)]

    assert outcomes == ["sent", "capped", "sent"]
