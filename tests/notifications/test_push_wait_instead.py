"""An urgent push its push service tells to wait longer than a few minutes goes by text or email instead, once.

The push service is the real HTTP one on 127.0.0.1 (tests/notifications/push_service.py), answering 429
or 503 with a Retry-After; the text provider is the fake in Twilio's format; emails land in the test
outbox. Clock: the code's own (`start`), so every test runs at both test clocks.
"""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any

import pytest
import time_machine
from django.core import mail

from carecircle.notifications.instead import URGENT_WAIT_AT_MOST
from carecircle.notifications.models import Channel, Delivery, DeliveryStatus
from carecircle.notifications.retry_after import MAX_WAIT
from carecircle.notifications.services import deliveries_due, deliveries_send, delivery_send
from carecircle.notifications.sms_fake import FakeSmsProvider
from tests.bursts import at_once
from tests.notifications.push_service import PushService
from tests.notifications.test_push_fallback import MOBILE, device, pushed, with_mobile


def busy(push_service: PushService, name: str, *, status: int = 429, retry_after: str = "3600") -> None:
    push_service.status_for[f"/push/{name}"] = status
    push_service.retry_after_for[f"/push/{name}"] = retry_after


def replacements() -> list[Delivery]:
    return list(Delivery.objects.filter(idempotency_key__startswith="instead-").order_by("id"))


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.django_db
def test_an_urgent_push_told_to_wait_an_hour_goes_by_text_at_once_and_never_as_a_push(
    cast: Any, push_service: PushService, twilio: FakeSmsProvider, start: datetime.datetime, status: int
) -> None:
    organiser = with_mobile(cast.organiser)
    phone = device(push_service, organiser, "phone", dropped=False)
    busy(push_service, "phone", status=status)
    with time_machine.travel(start, tick=False):
        push = pushed(organiser, "checkin-30", phone)
        mail.outbox.clear()
        assert delivery_send(delivery_id=push.pk) == "instead"
    push.refresh_from_db()
    assert (push.status, push.instead_channel, push.sent_at) == (DeliveryStatus.INSTEAD, "sms", start)
    assert push.last_error.startswith("Sent another way: by sms, as push http://127.0.0.1:")
    [sent] = twilio.sent
    assert sent.to == MOBILE
    assert sent.body.startswith("Meant as a push notification: Dad is finding it hard http")
    assert mail.outbox == []
    [replacement] = replacements()
    assert (replacement.channel, replacement.status) == (Channel.SMS, DeliveryStatus.SENT)
    # Superseded, not retried: the sweeps after the hour find nothing to push.
    del push_service.status_for["/push/phone"]
    with time_machine.travel(start + MAX_WAIT + datetime.timedelta(minutes=1), tick=False):
        assert push.pk not in deliveries_due()
        assert deliveries_send([push.pk]) == {"skipped": 1}
    assert len(push_service.received) == 1
    assert len(twilio.sent) == 1


@pytest.mark.django_db
def test_without_a_number_it_goes_by_email_saying_the_push_service_asked_to_wait(
    cast: Any, push_service: PushService, start: datetime.datetime
) -> None:
    organiser = cast.organiser
    phone = device(push_service, organiser, "phone", dropped=False)
    busy(push_service, "phone", retry_after="1200")
    with time_machine.travel(start, tick=False):
        push = pushed(organiser, "checkin-31", phone)
        mail.outbox.clear()
        assert delivery_send(delivery_id=push.pk) == "instead"
    [email] = mail.outbox
    assert email.subject == "Urgent: Someone is struggling"
    assert email.body.startswith(
        "This was meant as a push notification. The push notification service asked us to wait, "
        "so it comes by email now to reach you sooner. It won't come as a push notification as well."
    )
    assert "Dad is finding it hard" in email.body


@pytest.mark.parametrize(
    ("category", "retry_after"),
    [
        ("news", "3600"),
        # Urgent, but asked to wait no more than the limit: it waits, as a text would.
        ("checkin", str(int(URGENT_WAIT_AT_MOST.total_seconds()))),
    ],
)
@pytest.mark.django_db
def test_a_push_that_is_not_urgent_or_waits_only_minutes_stays_a_push(
    cast: Any,
    push_service: PushService,
    twilio: FakeSmsProvider,
    start: datetime.datetime,
    category: str,
    retry_after: str,
) -> None:
    organiser = with_mobile(cast.organiser)
    phone = device(push_service, organiser, "phone", dropped=False)
    busy(push_service, "phone", retry_after=retry_after)
    with time_machine.travel(start, tick=False):
        push = pushed(organiser, "news-32", phone, category=category)
        mail.outbox.clear()
        assert delivery_send(delivery_id=push.pk) == "retry"
    push.refresh_from_db()
    assert (push.status, push.instead_channel) == (DeliveryStatus.QUEUED, "")
    assert push.not_before == start + datetime.timedelta(seconds=int(retry_after))
    assert replacements() == []
    assert twilio.sent == []
    assert mail.outbox == []


@pytest.mark.django_db
def test_no_text_on_top_when_the_member_already_gets_the_news_by_text(
    cast: Any, push_service: PushService, twilio: FakeSmsProvider, start: datetime.datetime
) -> None:
    """notify() queued the check-in by text too: the push is superseded, and nothing is added."""
    organiser = with_mobile(cast.organiser)
    phone = device(push_service, organiser, "phone", dropped=False)
    busy(push_service, "phone")
    with time_machine.travel(start, tick=False):
        Delivery.objects.create(
            channel=Channel.SMS,
            to=MOBILE,
            body="Dad is finding it hard.",
            idempotency_key=f"checkin-33-sms-{organiser.pk}",
            recipient_id=organiser.pk,
            category="checkin",
        )
        push = pushed(organiser, "checkin-33", phone)
        mail.outbox.clear()
        assert delivery_send(delivery_id=push.pk) == "instead"
    push.refresh_from_db()
    assert (push.status, push.instead_channel) == (DeliveryStatus.INSTEAD, "sms")
    assert replacements() == []
    assert twilio.sent == []
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_move_an_urgent_push_to_two_busy_devices_by_one_text(
    push_service: PushService, twilio: FakeSmsProvider, start: datetime.datetime
) -> None:
    """One check-in pushed to two devices whose push service says "an hour", sent by two workers at once."""
    from tests.cast import build_cast

    organiser = with_mobile(build_cast().organiser)
    devices = [device(push_service, organiser, name, dropped=False) for name in ("phone", "laptop")]
    for name in ("phone", "laptop"):
        busy(push_service, name)
    with time_machine.travel(start, tick=True) as clock:
        ids = [pushed(organiser, "checkin-burst-34", each).pk for each in devices]
        mail.outbox.clear()
        at_once([partial(deliveries_send, ids), partial(deliveries_send, list(reversed(ids)))])
        # A push held for the 5 minutes the push service is held (the other device's 429) meets the
        # same answer at the next sweep after them, and goes no other way twice.
        clock.move_to(start + URGENT_WAIT_AT_MOST + datetime.timedelta(seconds=30))
        deliveries_send(deliveries_due())
    assert len(twilio.sent) == 1
    assert len(replacements()) == 1
    assert set(Delivery.objects.filter(pk__in=ids).values_list("status", flat=True)) == {DeliveryStatus.INSTEAD}
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("language", "start_of_email"),
    [
        ("cy", "Roedd hwn i fod yn hysbysiad gwthio. Gofynnodd y gwasanaeth hysbysiadau gwthio inni aros"),
        ("pl", "Miało to być powiadomienie push. Usługa powiadomień push poprosiła nas o chwilę przerwy"),
    ],
)
@pytest.mark.django_db
def test_the_email_instead_of_a_held_push_is_in_the_members_language(
    cast: Any, push_service: PushService, start: datetime.datetime, language: str, start_of_email: str
) -> None:
    from carecircle.accounts.models import User

    organiser = cast.organiser
    User.objects.filter(pk=organiser.pk).update(language=language)
    phone = device(push_service, organiser, "phone", dropped=False)
    busy(push_service, "phone")
    with time_machine.travel(start, tick=False):
        push = pushed(organiser, "checkin-35", phone)
        mail.outbox.clear()
        assert delivery_send(delivery_id=push.pk) == "instead"
    [email] = mail.outbox
    assert email.body.startswith(start_of_email)
