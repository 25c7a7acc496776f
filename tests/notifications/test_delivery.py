"""Outbound messages: a delivery row first, sent once, retried, and really sent over SMTP."""

from __future__ import annotations

import pytest
from django.core import mail

from carecircle.lib.env import ConfigurationError, parse_email_url, smtp_mailer
from carecircle.notifications.models import Channel, Delivery, DeliveryStatus, OutboxMessage
from carecircle.notifications.services import delivery_enqueue, delivery_send
from carecircle.notifications.tasks import MAX_ATTEMPTS
from tests.notifications.smtp_sink import SmtpSink


@pytest.fixture
def sink():
    server = SmtpSink().start()
    yield server
    server.stop()


def queue(key: str = "test:1", channel: Channel = Channel.EMAIL, to: str = "raj@example.org") -> Delivery:
    return delivery_enqueue(channel=channel, to=to, subject="Hello", body="Hello Raj", idempotency_key=key)


def test_the_same_idempotency_key_queues_a_message_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue()
        second = queue()
    assert first.pk == second.pk
    assert Delivery.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_sent_message_is_never_sent_again(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        delivery = queue()
    assert delivery_send(delivery_id=delivery.pk) == "skipped"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.sent_at is not None
    assert delivery.attempts == 1
    assert len(mail.outbox) == 1


def test_a_failing_message_is_retried_then_marked_failed(db, settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 1},
        }
    }
    delivery = queue()  # Not run on commit: each attempt below is made by hand.
    results = [delivery_send(delivery_id=delivery.pk) for _ in range(MAX_ATTEMPTS)]
    assert results == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == MAX_ATTEMPTS
    assert delivery.last_error
    assert delivery_send(delivery_id=delivery.pk) == "skipped"


def test_a_text_message_goes_through_the_sms_adapter(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        delivery = queue(channel=Channel.SMS, to="+447911123456")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.provider_id.startswith("outbox-")
    assert OutboxMessage.objects.get(channel=Channel.SMS).to == "+447911123456"


def test_email_url_settings_really_send_over_smtp(db, settings, sink, django_capture_on_commit_callbacks):
    # The same translation settings.py makes of EMAIL_URL.
    settings.MAILERS = {"default": smtp_mailer(parse_email_url(f"smtp://127.0.0.1:{sink.port}"))}
    with django_capture_on_commit_callbacks(execute=True):
        delivery = queue()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    [received] = sink.messages
    assert received.recipients == ["raj@example.org"]
    assert "Subject: Hello" in received.data
    assert "Hello Raj" in received.data
    assert "Auto-Submitted: auto-generated" in received.data


@pytest.mark.parametrize(
    ("url", "host", "port", "tls", "ssl"),
    [
        ("smtp://mail.example.org", "mail.example.org", 25, False, False),
        ("smtp+tls://u:p%40ss@mail.example.org", "mail.example.org", 587, True, False),
        ("smtp+ssl://mail.example.org:2465", "mail.example.org", 2465, False, True),
    ],
)
def test_email_urls_are_understood(url, host, port, tls, ssl):
    parsed = parse_email_url(url)
    assert (parsed.host, parsed.port, parsed.use_tls, parsed.use_ssl) == (host, port, tls, ssl)


def test_a_password_in_an_email_url_is_decoded():
    assert parse_email_url("smtp+tls://user:p%40ss@mail.example.org").password == "p@ss"


@pytest.mark.parametrize("url", ["http://mail.example.org", "smtp://", "mailto:someone@example.org"])
def test_a_bad_email_url_is_refused_with_a_clear_message(url):
    with pytest.raises(ConfigurationError, match="EMAIL_URL"):
        parse_email_url(url)
