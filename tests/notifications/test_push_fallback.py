"""An urgent push that fails for good (the device gone, refused, out of attempts) goes by text or email, once.

The push service is the real HTTP one on 127.0.0.1 (tests/notifications/push_service.py) and the text
provider the fake in Twilio's format; emails land in the test outbox. Clock: the code's own (`start`).
"""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.notifications.models import Channel, Delivery, DeliveryStatus, PushSubscription
from carecircle.notifications.push import push_payload
from carecircle.notifications.services import MAX_ATTEMPTS, deliveries_send, delivery_send
from carecircle.notifications.sms_fake import FakeSmsProvider
from tests.bursts import at_once
from tests.conftest import client_for
from tests.notifications.push_service import PushService, subscribe

MOBILE = "+447700900321"


def with_mobile(user: User) -> User:
    User.objects.filter(pk=user.pk).update(phone=MOBILE)
    user.refresh_from_db()
    return user


def device(push_service: PushService, user: User, name: str, *, dropped: bool = True) -> PushSubscription:
    browser = push_service.browser(name)
    subscribe(client_for(user), browser)
    # The browser dropped it (notifications turned off, data cleared): the push service answers 410.
    browser.dropped = dropped
    return PushSubscription.objects.get(endpoint=browser.endpoint)


def pushed(user: User, news: str, subscription: PushSubscription, *, category: str = "checkin") -> Delivery:
    """A push as notify() queues it (key `<news>-push-<member>-<device>`), written directly: no on-commit send."""
    return Delivery.objects.create(
        channel=Channel.PUSH,
        to=str(subscription.pk),
        subject="Dad is finding it hard",
        body=push_payload(category=category, title="Dad is finding it hard", url="/circles/1/"),
        idempotency_key=f"{news}-push-{user.pk}-{subscription.pk}",
        recipient_id=user.pk,
        category=category,
    )


def replacements() -> list[Delivery]:
    return list(Delivery.objects.filter(idempotency_key__startswith="pushfail-").order_by("id"))


@pytest.mark.django_db
def test_an_urgent_push_to_a_gone_device_goes_by_text_saying_it_was_meant_as_a_push(
    cast: Any, push_service: PushService, twilio: FakeSmsProvider, start: datetime.datetime, as_user: Any
) -> None:
    organiser = with_mobile(cast.organiser)
    phone = device(push_service, organiser, "phone")
    with time_machine.travel(start, tick=False):
        push = pushed(organiser, "checkin-7", phone)
        mail.outbox.clear()
        assert delivery_send(delivery_id=push.pk) == "instead"
        page = as_user(organiser).get(reverse("notifications:preferences_when")).content.decode()
    push.refresh_from_db()
    assert (push.status, push.instead_channel, push.sent_at) == (DeliveryStatus.INSTEAD, "sms", start)
    assert "as the push failed" in push.last_error
    assert not PushSubscription.objects.filter(pk=phone.pk).exists()
    [sent] = twilio.sent
    assert sent.to == MOBILE
    assert sent.body.startswith("Meant as a push notification: Dad is finding it hard http")
    assert "/circles/1/" in sent.body
    assert mail.outbox == []
    [replacement] = replacements()
    assert (replacement.channel, replacement.status) == (Channel.SMS, DeliveryStatus.SENT)
    assert "A push notification saying someone is struggling went by text message instead" in page
    assert (
        "reach your device as a push notification, or the push service asks us to wait more than a few minutes, "
        "it comes by text message instead" in page
    )


@pytest.mark.django_db
def test_without_a_number_an_urgent_push_out_of_attempts_goes_by_email(
    cast: Any, push_service: PushService, start: datetime.datetime
) -> None:
    """The push service keeps failing (500): the last attempt's failure sends the email."""
    organiser = cast.organiser
    phone = device(push_service, organiser, "phone", dropped=False)
    push_service.status_for["/push/phone"] = 500
    with time_machine.travel(start, tick=False):
        push = pushed(organiser, "checkin-8", phone)
        Delivery.objects.filter(pk=push.pk).update(attempts=MAX_ATTEMPTS - 1)
        mail.outbox.clear()
        assert delivery_send(delivery_id=push.pk) == "instead"
    push.refresh_from_db()
    assert (push.status, push.instead_channel) == (DeliveryStatus.INSTEAD, "email")
    [email] = mail.outbox
    assert email.to == [organiser.email]
    assert email.subject == "Urgent: Someone is struggling"
    assert email.body.startswith(
        "This was meant as a push notification. It couldn't reach your device, so it comes by email instead."
    )
    assert "Dad is finding it hard" in email.body
    assert "List-Unsubscribe" in email.extra_headers


@pytest.mark.django_db
def test_an_urgent_push_that_will_be_tried_again_stays_a_push(
    cast: Any, push_service: PushService, start: datetime.datetime
) -> None:
    phone = device(push_service, cast.organiser, "phone", dropped=False)
    push_service.status_for["/push/phone"] = 500
    with time_machine.travel(start, tick=False):
        push = pushed(cast.organiser, "checkin-9", phone)
        assert delivery_send(delivery_id=push.pk) == "retry"
    assert replacements() == []


@pytest.mark.django_db
def test_a_push_that_is_not_urgent_fails_and_goes_no_other_way(
    cast: Any, push_service: PushService, twilio: FakeSmsProvider, start: datetime.datetime
) -> None:
    organiser = with_mobile(cast.organiser)
    phone = device(push_service, organiser, "phone")
    with time_machine.travel(start, tick=False):
        push = pushed(organiser, "news-1", phone, category="news")
        mail.outbox.clear()
        assert delivery_send(delivery_id=push.pk) == "failed"
    push.refresh_from_db()
    assert (push.status, push.instead_channel) == (DeliveryStatus.FAILED, "")
    assert replacements() == []
    assert twilio.sent == []
    assert mail.outbox == []


@pytest.mark.parametrize("status", [DeliveryStatus.SENT, DeliveryStatus.QUEUED])
@pytest.mark.parametrize("channel", [Channel.SMS, Channel.EMAIL])
@pytest.mark.django_db
def test_no_second_copy_when_the_member_already_gets_the_news_by_text_or_email(
    cast: Any, push_service: PushService, twilio: FakeSmsProvider, start: datetime.datetime, channel: str, status: str
) -> None:
    """notify() queued the same news on every channel the member allows: the failed push adds nothing."""
    organiser = with_mobile(cast.organiser)
    phone = device(push_service, organiser, "phone")
    with time_machine.travel(start, tick=False):
        Delivery.objects.create(
            channel=channel,
            to=MOBILE if channel == Channel.SMS else organiser.email,
            body="Dad is finding it hard.",
            idempotency_key=f"checkin-10-{channel}-{organiser.pk}",
            recipient_id=organiser.pk,
            category="checkin",
            status=status,
        )
        push = pushed(organiser, "checkin-10", phone)
        mail.outbox.clear()
        assert delivery_send(delivery_id=push.pk) == "failed"
    assert replacements() == []
    assert twilio.sent == []
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_text_that_failed_for_the_same_news_does_not_stop_the_email(
    cast: Any, push_service: PushService, start: datetime.datetime
) -> None:
    """The news' text failed (the number stopped working): the member isn't reached by it, so the email goes."""
    organiser = cast.organiser
    phone = device(push_service, organiser, "phone")
    with time_machine.travel(start, tick=False):
        Delivery.objects.create(
            channel=Channel.SMS,
            to=MOBILE,
            body="Dad is finding it hard.",
            idempotency_key=f"checkin-11-sms-{organiser.pk}",
            recipient_id=organiser.pk,
            category="checkin",
            status=DeliveryStatus.FAILED,
        )
        push = pushed(organiser, "checkin-11", phone)
        mail.outbox.clear()
        assert delivery_send(delivery_id=push.pk) == "instead"
    assert [row.channel for row in replacements()] == [Channel.EMAIL]
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_no_fallback_when_another_of_the_members_devices_got_the_push(
    cast: Any, push_service: PushService, twilio: FakeSmsProvider, start: datetime.datetime
) -> None:
    organiser = with_mobile(cast.organiser)
    gone, kept = device(push_service, organiser, "old-laptop"), device(push_service, organiser, "phone", dropped=False)
    with time_machine.travel(start, tick=False):
        first, second = pushed(organiser, "checkin-12", kept), pushed(organiser, "checkin-12", gone)
        assert deliveries_send([first.pk, second.pk]) == {"sent": 1, "failed": 1}
    assert replacements() == []
    assert twilio.sent == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_failed_urgent_push_one_other_way_once(
    push_service: PushService, twilio: FakeSmsProvider, start: datetime.datetime
) -> None:
    """Two news, each pushed to two gone devices, sent by two workers at once: one text per news, no more."""
    from tests.cast import build_cast

    organiser = with_mobile(build_cast().organiser)
    devices = [device(push_service, organiser, name) for name in ("phone", "laptop")]
    with time_machine.travel(start, tick=True):
        ids = [pushed(organiser, f"checkin-burst-{news}", each).pk for news in range(2) for each in devices]
        outcomes = at_once([partial(deliveries_send, ids), partial(deliveries_send, list(reversed(ids)))])
    assert sum(outcome.get("instead", 0) for outcome in outcomes) == 2
    assert sum(outcome.get("sent", 0) for outcome in outcomes) == 2
    assert len(replacements()) == 2
    assert len(twilio.sent) == 2
    assert sorted(sent.body.count("Meant as a push notification") for sent in twilio.sent) == [1, 1]
    statuses = sorted(Delivery.objects.filter(pk__in=ids).values_list("status", flat=True))
    assert statuses.count(DeliveryStatus.INSTEAD) == 2
    assert set(statuses) <= {DeliveryStatus.INSTEAD, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED}


@pytest.mark.parametrize(
    ("language", "first_line", "text_start"),
    [
        ("cy", "Roedd hwn i fod yn hysbysiad gwthio.", "I fod yn hysbysiad gwthio: "),
        ("pl", "Miało to być powiadomienie push.", "Miało to być powiadomienie push: "),
    ],
)
@pytest.mark.django_db
def test_what_goes_instead_of_a_push_is_in_the_members_language(
    cast: Any,
    push_service: PushService,
    twilio: FakeSmsProvider,
    start: datetime.datetime,
    language: str,
    first_line: str,
    text_start: str,
) -> None:
    organiser = cast.organiser
    User.objects.filter(pk=organiser.pk).update(language=language)
    phone, laptop = device(push_service, organiser, "phone"), device(push_service, organiser, "laptop")
    with time_machine.travel(start, tick=False):
        mail.outbox.clear()
        assert delivery_send(delivery_id=pushed(organiser, "checkin-13", phone).pk) == "instead"
        with_mobile(organiser)
        assert delivery_send(delivery_id=pushed(organiser, "checkin-14", laptop).pk) == "instead"
    [email] = mail.outbox
    assert email.body.startswith(first_line)
    [sent] = twilio.sent
    assert sent.body.startswith(text_start)
