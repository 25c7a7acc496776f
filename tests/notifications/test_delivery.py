"""Outbound messages: a delivery row first, sent once, retried, and really sent over SMTP."""

from __future__ import annotations

import datetime
import smtplib
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from carecircle.lib.env import ConfigurationError, parse_email_url, smtp_mailer
from carecircle.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationSettings,
    OutboxMessage,
)
from carecircle.notifications.services import (
    LEASE,
    MAX_ATTEMPTS,
    DeliveryDraft,
    deliveries_enqueue,
    deliveries_send,
    delivery_claim,
    delivery_enqueue,
    delivery_send,
    retry_delay,
)
from carecircle.notifications.sms import PermanentSmsError
from carecircle.notifications.tasks import deliver_due, deliveries_sweep_ensure
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
    results = [delivery_send(delivery_id=delivery.pk)]
    for _ in range(MAX_ATTEMPTS - 1):
        # Each retry waits its back-off (2, 4, 8 … minutes); before that nobody can claim the row.
        assert delivery_send(delivery_id=delivery.pk) == "skipped"
        delivery.refresh_from_db()
        assert delivery.not_before is not None
        with time_machine.travel(delivery.not_before, tick=False):
            results.append(delivery_send(delivery_id=delivery.pk))
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


def test_backoff_doubles_and_stops_growing():
    assert [retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4, 5, 9)] == [2, 4, 8, 16, 32, 64]


def test_a_worker_that_died_mid_send_loses_its_lease_and_another_sends(db):
    delivery = queue()
    assert delivery_claim(delivery_id=delivery.pk) is not None
    # A second worker can't take it while the first holds the lease …
    assert delivery_send(delivery_id=delivery.pk) == "skipped"
    # … but can once the lease has run out.
    with time_machine.travel(timezone.now() + LEASE + datetime.timedelta(seconds=1), tick=False):
        assert delivery_send(delivery_id=delivery.pk) == "sent"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


def test_a_refused_address_fails_at_once_marks_the_channel_and_tells_the_member(
    cast, helper, settings, django_capture_on_commit_callbacks
):
    def refusing(_delivery: Delivery, _mail: object) -> str:
        raise smtplib.SMTPRecipientsRefused({helper.email: (550, b"5.1.1 No such mailbox")})

    with mock.patch("carecircle.notifications.services._send", refusing):
        delivery = delivery_enqueue(
            channel=Channel.EMAIL, to=helper.email, body="Hi", idempotency_key="bounce:1", recipient_id=helper.pk
        )
        assert delivery_send(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert NotificationSettings.objects.get(user=helper).email_failing_since is not None
    [notice] = Notification.objects.filter(recipient=helper, category="account")
    assert helper.email in notice.title


def test_a_temporary_refusal_is_retried_not_marked(cast, helper):
    def busy(_delivery: Delivery, _mail: object) -> str:
        raise smtplib.SMTPRecipientsRefused({helper.email: (451, b"4.7.1 Try again later")})

    with mock.patch("carecircle.notifications.services._send", busy):
        delivery = delivery_enqueue(
            channel=Channel.EMAIL, to=helper.email, body="Hi", idempotency_key="busy:1", recipient_id=helper.pk
        )
        assert delivery_send(delivery_id=delivery.pk) == "retry"
    assert not NotificationSettings.objects.filter(user=helper, email_failing_since__isnull=False).exists()
    assert not Notification.objects.filter(recipient=helper).exists()


def test_an_invalid_number_marks_texts_as_failing(cast, helper):
    def invalid(_delivery: Delivery, _mail: object) -> str:
        raise PermanentSmsError("Not a mobile number")

    with mock.patch("carecircle.notifications.services._send", invalid):
        delivery = delivery_enqueue(
            channel=Channel.SMS, to="+441234567890", body="Hi", idempotency_key="sms:1", recipient_id=helper.pk
        )
        assert delivery_send(delivery_id=delivery.pk) == "failed"
    assert NotificationSettings.objects.get(user=helper).sms_failing_since is not None


def test_many_deliveries_queue_in_constant_queries_and_skip_known_keys(
    db, django_assert_num_queries, django_capture_on_commit_callbacks
):
    drafts = [
        DeliveryDraft(channel="email", to=f"p{n}@example.org", body="Hi", idempotency_key=f"many:{n}")
        for n in range(60)
    ]
    with django_assert_num_queries(4):  # read known keys, savepoint, insert, release
        assert len(deliveries_enqueue(drafts)) == 60
    with django_assert_num_queries(1):
        assert deliveries_enqueue(drafts) == []
    assert Delivery.objects.filter(idempotency_key__startswith="many:").count() == 60


def test_the_sweep_sends_what_is_due_and_leaves_what_is_not(db):
    later = queue(key="sweep:later")
    due = queue(key="sweep:due")
    Delivery.objects.filter(pk=later.pk).update(not_before=timezone.now() + datetime.timedelta(hours=1))
    Delivery.objects.filter(pk=due.pk).update(not_before=timezone.now() - datetime.timedelta(minutes=1))
    assert deliver_due.call() == {"sent": 1}
    assert Delivery.objects.get(pk=due.pk).status == DeliveryStatus.SENT
    assert Delivery.objects.get(pk=later.pk).status == DeliveryStatus.QUEUED


def test_the_worker_books_one_sweep_however_many_workers_start(db, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert deliveries_sweep_ensure() is True
    assert deliveries_sweep_ensure() is False
    assert DBTaskResult.objects.filter(task_path="carecircle.notifications.tasks.deliver_due").count() == 1


def smtp_to(settings, sink: SmtpSink) -> None:
    settings.MAILERS = {"default": smtp_mailer(parse_email_url(f"smtp://127.0.0.1:{sink.port}"))}


def test_a_fan_out_is_sent_over_one_connection_and_a_refused_address_fails_alone(
    cast, settings, sink, django_capture_on_commit_callbacks
):
    """One SMTP connection per batch, not per message; each message keeps its own outcome."""
    smtp_to(settings, sink)
    sink.refuse = {"gone@example.org"}
    addresses = [f"member{number}@example.org" for number in range(5)]
    addresses[2] = "gone@example.org"
    drafts = [
        DeliveryDraft(
            channel=Channel.EMAIL,
            to=address,
            subject="News",
            body="Dad is home.",
            idempotency_key=f"batch-{number}",
            recipient_id=cast.helper.pk if address.startswith("gone") else None,
        )
        for number, address in enumerate(addresses)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        deliveries_enqueue(drafts)

    assert sink.connections == 1
    assert [received.recipients for received in sink.messages] == [[a] for a in addresses if a != "gone@example.org"]
    outcomes = dict(Delivery.objects.filter(idempotency_key__startswith="batch-").values_list("to", "status"))
    assert outcomes.pop("gone@example.org") == DeliveryStatus.FAILED
    assert set(outcomes.values()) == {DeliveryStatus.SENT}
    assert NotificationSettings.objects.get(user=cast.helper).email_failing_since is not None


def test_a_connection_the_server_dropped_mid_batch_is_opened_again(db, settings, sink):
    """A server that closes the connection between messages costs a reconnect, not a retry an hour later."""
    smtp_to(settings, sink)
    sink.hang_up_after = 2
    ids = [queue(key=f"drop-{number}", to=f"member{number}@example.org").pk for number in range(5)]

    assert deliveries_send(ids) == {"sent": 5}

    assert len(sink.messages) == 5
    assert sink.connections == 3
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_a_mail_server_that_is_down_fails_each_message_on_its_own(db, settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 1},
        }
    }
    ids = [queue(key=f"down-{number}").pk for number in range(3)]

    assert deliveries_send(ids) == {"retry": 3}

    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.QUEUED}


def test_a_batch_costs_one_claim_and_one_record_a_message_and_each_failure_keeps_its_own_outcome(cast, settings, sink):
    """Rows are claimed together; a refused address and a broken header mid-batch fail alone, the rest go."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    smtp_to(settings, sink)
    sink.refuse = {"gone@example.org"}
    rows = Delivery.objects.bulk_create(
        Delivery(
            channel=Channel.EMAIL,
            to="gone@example.org" if number == 3 else f"member{number}@example.org",
            subject="Broken\nheader" if number == 1 else "News",
            body="Dad is home.",
            idempotency_key=f"mid-{number}",
            recipient_id=cast.helper.pk,
            category="news",
        )
        for number in range(8)
    )
    ids = [row.pk for row in rows]

    with CaptureQueriesContext(connection) as queries:
        outcomes = deliveries_send(ids)

    assert outcomes == {"sent": 6, "failed": 2}
    statuses = dict(Delivery.objects.filter(pk__in=ids).values_list("idempotency_key", "status"))
    assert statuses.pop("mid-1") == DeliveryStatus.FAILED
    assert statuses.pop("mid-3") == DeliveryStatus.FAILED
    assert set(statuses.values()) == {DeliveryStatus.SENT}
    assert sorted(received.recipients[0] for received in sink.messages) == sorted(
        f"member{number}@example.org" for number in range(8) if number not in (1, 3)
    )
    # The refusal leaves the connection usable; the header error closes it, as any other error does.
    assert sink.connections == 2
    # Claim (select + update, in a savepoint here), the members' channels, one record per message;
    # the refusal also marks the address failing (a few more). It was 4 statements a message.
    writes = [query for query in queries.captured_queries if not query["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len([query for query in writes if "notifications_delivery" in query["sql"]]) == 2 + len(ids)
    assert Delivery.objects.get(idempotency_key="mid-4").attempts == 1


def test_rows_whose_lease_runs_low_mid_batch_are_handed_back_and_sent_on_a_fresh_claim(db, settings):
    """A slow mail server can't make a row outlive its lease: what is left is claimed again before it is sent."""
    from carecircle.notifications import services

    ids = [queue(key=f"slow-{number}", to=f"member{number}@example.org").pk for number in range(3)]
    leases: list[datetime.datetime | None] = []
    with time_machine.travel(timezone.now(), tick=False) as clock:

        def slow(delivery: Delivery, _mail: object) -> str:
            leases.append(delivery.lease_until)
            clock.shift(LEASE - services.LEASE_MARGIN + datetime.timedelta(seconds=1))
            return f"email-{delivery.pk}"

        with mock.patch("carecircle.notifications.services._send", slow):
            assert deliveries_send(ids) == {"sent": 3}

    assert len(set(leases)) == 3  # each message went under a lease of its own claim
    rows = Delivery.objects.filter(pk__in=ids)
    assert {(row.status, row.attempts) for row in rows} == {(DeliveryStatus.SENT, 1)}


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_batch_at_once_send_each_delivery_once(settings, sink):
    from tests.bursts import at_once

    smtp_to(settings, sink)
    rows = Delivery.objects.bulk_create(
        Delivery(channel=Channel.EMAIL, to=f"member{n}@example.org", subject="News", body="Hi", idempotency_key=f"b{n}")
        for n in range(60)
    )
    ids = [row.pk for row in rows]

    results = at_once([lambda: deliveries_send(ids), lambda: deliveries_send(list(reversed(ids)))])

    assert sum(result.get("sent", 0) for result in results) == 60
    assert sum(result.get("skipped", 0) for result in results) == 60
    assert sorted(received.recipients[0] for received in sink.messages) == sorted(row.to for row in rows)
    assert set(Delivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.SENT, 1)}
