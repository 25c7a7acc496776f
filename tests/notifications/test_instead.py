"""Urgent news a busy service would keep waiting goes by the member's next channel instead, once.

The text provider is the fake on 127.0.0.1 in Twilio's format; emails land in the test outbox.
Every test runs on a fixed clock taken from the code's own (`start`).
"""

from __future__ import annotations

import datetime
import io
from functools import partial
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.notifications.busy_services import service_busy_record
from carecircle.notifications.instead import URGENT_WAIT_AT_MOST
from carecircle.notifications.models import Channel, Delivery, DeliveryStatus, NotificationPreference
from carecircle.notifications.retry_after import MAX_WAIT
from carecircle.notifications.services import deliveries_send, delivery_send
from carecircle.notifications.sms_fake import FakeSmsProvider
from tests.bursts import at_once
from tests.cast import Cast

MOBILE = "+447700900321"
# tests/notifications/test_instead.py::test_sending_held_urgent_news_another_way_costs_a_fixed_number_of_queries
QUERIES_TO_SEND_INSTEAD = 27  # 26 before the hold's row was locked for the switch (hold_still_on_locked)


def with_mobile(user: User) -> User:
    User.objects.filter(pk=user.pk).update(phone=MOBILE)
    user.refresh_from_db()
    return user


def text(user: User, key: str, *, category: str = "checkin") -> Delivery:
    # Written directly: delivery_enqueue's on-commit send would run at once outside a test transaction.
    return Delivery.objects.create(
        channel=Channel.SMS,
        to=MOBILE,
        body=f"Dad is finding it hard ({key}). https://carecircle.example/c/1/",
        idempotency_key=key,
        recipient_id=user.pk,
        category=category,
    )


@pytest.mark.django_db
def test_an_urgent_text_held_for_long_goes_by_email_at_once_saying_it_was_meant_as_a_text(
    cast: Cast, twilio: FakeSmsProvider, start: datetime.datetime
) -> None:
    """The first tries the provider once (the rule for urgent news) and the second is held: both go by email."""
    organiser = with_mobile(cast.organiser)
    twilio.busy = (429, "3600")
    with time_machine.travel(start, tick=False):
        service_busy_record(service="sms", status=429, until=start + MAX_WAIT, now=start)
        checkin, second = text(organiser, "checkin-1"), text(organiser, "checkin-1b")
        mail.outbox.clear()
        assert deliveries_send([checkin.pk, second.pk]) == {"instead": 2, "sent": 2}
    checkin.refresh_from_db()
    assert (checkin.status, checkin.instead_channel, checkin.sent_at) == (DeliveryStatus.INSTEAD, "email", start)
    assert checkin.get_status_display() == "Sent another way"
    assert twilio.sent == []
    assert twilio.busy_answers == 1
    email = mail.outbox[0]
    assert len(mail.outbox) == 2
    assert email.to == [organiser.email]
    assert email.subject == "Urgent: Someone is struggling"
    assert email.body.startswith("This was meant as a text message.")
    assert "Dad is finding it hard (checkin-1)" in email.body
    assert "List-Unsubscribe" in email.extra_headers
    out = io.StringIO()
    with time_machine.travel(start, tick=False):
        call_command("delivery_status", stdout=out)
    assert out.getvalue().splitlines()[-1] == "Urgent deliveries sent another way in the last 24 hours: 2"
    # Later sweeps never send the text as well.
    twilio.busy = None
    with time_machine.travel(start + MAX_WAIT + datetime.timedelta(minutes=1), tick=False):
        assert deliveries_send([checkin.pk, second.pk]) == {"skipped": 2}
    assert twilio.sent == []


@pytest.mark.django_db
def test_news_that_isn_t_urgent_and_a_short_hold_keep_waiting(
    cast: Cast, twilio: FakeSmsProvider, start: datetime.datetime
) -> None:
    organiser = with_mobile(cast.organiser)
    twilio.busy = (429, "120")
    with time_machine.travel(start, tick=False):
        service_busy_record(service="sms", status=429, until=start + MAX_WAIT, now=start)
        news = text(organiser, "help-1", category="help_needed")
        assert deliveries_send([news.pk]) == {"held": 1}
    with time_machine.travel(start + MAX_WAIT - URGENT_WAIT_AT_MOST, tick=False):
        # Five minutes left of the hold: urgent news waits them out rather than change channel, its
        # one try answered "in two minutes", and the next one in the run is held for the five minutes.
        checkin, second = text(organiser, "checkin-short"), text(organiser, "checkin-short-2")
        mail.outbox.clear()
        assert deliveries_send([checkin.pk, second.pk]) == {"retry": 1, "held": 1}
    assert mail.outbox == []
    texts = Delivery.objects.filter(channel=Channel.SMS)
    assert set(texts.values_list("status", flat=True)) == {DeliveryStatus.QUEUED}
    assert not Delivery.objects.filter(idempotency_key__startswith="instead-").exists()


@pytest.mark.django_db
def test_urgent_news_waits_when_the_member_allows_no_other_channel_for_it(
    cast: Cast, twilio: FakeSmsProvider, start: datetime.datetime
) -> None:
    organiser = with_mobile(cast.organiser)
    NotificationPreference.objects.create(user=organiser, category="checkin", channel="email", enabled=False)
    twilio.busy = (429, "3600")
    with time_machine.travel(start, tick=False):
        service_busy_record(service="sms", status=429, until=start + MAX_WAIT, now=start)
        checkin = text(organiser, "checkin-2")
        mail.outbox.clear()
        assert deliveries_send([checkin.pk]) == {"retry": 1}
    assert mail.outbox == []
    checkin.refresh_from_db()
    assert (checkin.status, checkin.instead_channel) == (DeliveryStatus.QUEUED, "")


@pytest.mark.django_db
def test_an_urgent_text_the_provider_refuses_with_a_long_wait_goes_by_email(
    cast: Cast, twilio: FakeSmsProvider, start: datetime.datetime
) -> None:
    """Its one try at a busy provider answered "retry after 20 minutes": the email goes, not the text later."""
    organiser = with_mobile(cast.organiser)
    twilio.busy = (429, "1200")
    with time_machine.travel(start, tick=False):
        checkin = text(organiser, "checkin-3")
        mail.outbox.clear()
        assert delivery_send(delivery_id=checkin.pk) == "instead"
    assert twilio.busy_answers == 1
    assert len(mail.outbox) == 1
    checkin.refresh_from_db()
    assert (checkin.status, checkin.instead_channel) == (DeliveryStatus.INSTEAD, "email")


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_urgent_news_one_way_once(twilio: FakeSmsProvider, start: datetime.datetime) -> None:
    from tests.cast import build_cast

    organiser = with_mobile(build_cast().organiser)
    twilio.busy = (429, "3600")
    with time_machine.travel(start, tick=True):
        service_busy_record(service="sms", status=429, until=start + MAX_WAIT, now=start)
        checkins = [text(organiser, f"checkin-burst-{number}") for number in range(3)]
        ids = [row.pk for row in checkins]
        mail.outbox.clear()
        outcomes = at_once([partial(deliveries_send, ids), partial(deliveries_send, list(reversed(ids)))])
    assert sum(outcome.get("instead", 0) for outcome in outcomes) == 3
    assert sum(outcome.get("sent", 0) for outcome in outcomes) == 3
    assert {row.idempotency_key for row in Delivery.objects.filter(idempotency_key__startswith="instead-")} == {
        f"instead-{pk}-email" for pk in ids
    }
    assert len(mail.outbox) == 3
    assert twilio.sent == []
    assert set(Delivery.objects.filter(pk__in=ids).values_list("status", flat=True)) == {DeliveryStatus.INSTEAD}


@pytest.mark.django_db
def test_the_when_page_states_the_rule_and_shows_what_went_another_way(
    cast: Cast, twilio: FakeSmsProvider, start: datetime.datetime, as_user: Any
) -> None:
    organiser = with_mobile(cast.organiser)
    twilio.busy = (429, "3600")
    with time_machine.travel(start, tick=False):
        service_busy_record(service="sms", status=429, until=start + MAX_WAIT, now=start)
        deliveries_send([text(organiser, "checkin-4").pk])
        page = as_user(organiser).get(reverse("notifications:preferences_when")).content.decode()
    assert "If the text message service asks us to wait more than a few minutes" in page
    assert "A text message saying someone is struggling went by email instead, on " in page


@pytest.mark.django_db
def test_sending_held_urgent_news_another_way_costs_a_fixed_number_of_queries(
    cast: Cast, twilio: FakeSmsProvider, start: datetime.datetime
) -> None:
    """Held for a busy provider, already tried once: claim, the holds, the member's choices, the switch, the email."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    organiser = with_mobile(cast.organiser)
    with time_machine.travel(start, tick=False):
        service_busy_record(service="sms", status=429, until=start + MAX_WAIT, now=start)
        checkin = text(organiser, "checkin-5")
        Delivery.objects.filter(pk=checkin.pk).update(held_by="sms")
        with CaptureQueriesContext(connection) as queries:
            assert deliveries_send([checkin.pk]) == {"instead": 1, "sent": 1}
    assert len(queries) == QUERIES_TO_SEND_INSTEAD, [query["sql"] for query in queries]


def notified(user: User, news: str, channel: str, *, status: str = DeliveryStatus.QUEUED) -> Delivery:
    """A text or email as notify() queues it (key `<news>-<channel>-<member>`), written directly: no on-commit send."""
    return Delivery.objects.create(
        channel=channel,
        to=MOBILE if channel == Channel.SMS else user.email,
        subject="" if channel == Channel.SMS else "Dad is finding it hard",
        body=f"Dad is finding it hard ({news}). https://carecircle.example/c/1/",
        idempotency_key=f"{news}-{channel}-{user.pk}",
        recipient_id=user.pk,
        category="checkin",
        status=status,
    )


@pytest.mark.parametrize("status", [DeliveryStatus.QUEUED, DeliveryStatus.SENDING, DeliveryStatus.SENT])
@pytest.mark.django_db
def test_a_held_urgent_text_adds_no_email_when_the_member_already_gets_one_for_the_same_news(
    cast: Cast, twilio: FakeSmsProvider, start: datetime.datetime, status: str
) -> None:
    """notify() queued the check-in by text and by email: the busy provider's text goes no way twice."""
    organiser = with_mobile(cast.organiser)
    twilio.busy = (429, "3600")
    with time_machine.travel(start, tick=False):
        service_busy_record(service="sms", status=429, until=start + MAX_WAIT, now=start)
        email = notified(organiser, "checkin-20", Channel.EMAIL, status=status)
        checkin = notified(organiser, "checkin-20", Channel.SMS)
        mail.outbox.clear()
        assert deliveries_send([checkin.pk]) == {"instead": 1}
    assert mail.outbox == []
    assert twilio.sent == []
    emails = Delivery.objects.filter(channel=Channel.EMAIL, category="checkin")
    assert list(emails.values_list("pk", flat=True)) == [email.pk]
    checkin.refresh_from_db()
    assert (checkin.status, checkin.instead_channel) == (DeliveryStatus.INSTEAD, "email")
    assert "already goes to the member by email" in checkin.last_error
    # Nor does the text go later.
    twilio.busy = None
    with time_machine.travel(start + MAX_WAIT + datetime.timedelta(minutes=1), tick=False):
        assert deliveries_send([checkin.pk]) == {"skipped": 1}
    assert twilio.sent == []


@pytest.mark.django_db
def test_an_email_that_failed_for_the_same_news_does_not_stop_the_one_sent_instead(
    cast: Cast, twilio: FakeSmsProvider, start: datetime.datetime
) -> None:
    organiser = with_mobile(cast.organiser)
    twilio.busy = (429, "3600")
    with time_machine.travel(start, tick=False):
        service_busy_record(service="sms", status=429, until=start + MAX_WAIT, now=start)
        notified(organiser, "checkin-21", Channel.EMAIL, status=DeliveryStatus.FAILED)
        checkin = notified(organiser, "checkin-21", Channel.SMS)
        mail.outbox.clear()
        assert deliveries_send([checkin.pk]) == {"instead": 1, "sent": 1}
    [email] = mail.outbox
    assert email.body.startswith("This was meant as a text message.")
    [replacement] = Delivery.objects.filter(idempotency_key__startswith="instead-")
    assert replacement.idempotency_key.endswith(f"-email-{organiser.pk}")


@pytest.mark.django_db(transaction=True)
def test_a_held_text_and_a_held_push_of_the_same_news_switching_at_once_send_one_email(
    twilio: FakeSmsProvider, push_service: Any, start: datetime.datetime
) -> None:
    """Two workers: the text held by a busy provider, the push told to wait an hour; both would go by email."""
    from tests.cast import build_cast
    from tests.notifications.test_push_fallback import device, pushed

    organiser = with_mobile(build_cast().organiser)
    phone = device(push_service, organiser, "phone", dropped=False)
    push_service.status_for["/push/phone"] = 429
    push_service.retry_after_for["/push/phone"] = "3600"
    twilio.busy = (429, "3600")
    with time_machine.travel(start, tick=True):
        service_busy_record(service="sms", status=429, until=start + MAX_WAIT, now=start)
        ids = [notified(organiser, "checkin-22", Channel.SMS).pk, pushed(organiser, "checkin-22", phone).pk]
        mail.outbox.clear()
        outcomes = at_once([partial(deliveries_send, ids), partial(deliveries_send, list(reversed(ids)))])
    assert sum(outcome.get("instead", 0) for outcome in outcomes) == 2
    assert len(mail.outbox) == 1
    assert Delivery.objects.filter(channel=Channel.EMAIL, category="checkin").count() == 1
    assert twilio.sent == []
    assert set(Delivery.objects.filter(pk__in=ids).values_list("status", flat=True)) == {DeliveryStatus.INSTEAD}
