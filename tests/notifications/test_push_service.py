"""What the worker does with each answer of a push service, against the checking push service on 127.0.0.1.

Every push here goes the way the worker sends it (pywebpush, VAPID, aes128gcm) to the HTTP server
of tests/notifications/push_service.py, which refuses what a real push service refuses; the
payloads are decrypted with the subscribing browser's private key (docs/architecture/notifications.md, "Push").
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import time
from email.utils import format_datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from py_vapid import Vapid

from carecircle.circles.access import access_circle
from carecircle.conversations import services as conversations
from carecircle.notifications.models import Channel, Delivery, DeliveryStatus, PushSubscription
from carecircle.notifications.notify import notify
from carecircle.notifications.push import b64url, push_payload, vapid_keys
from carecircle.notifications.services import MAX_ATTEMPTS, deliveries_due, deliveries_send, delivery_send
from tests.cast import Cast
from tests.conftest import client_for
from tests.notifications.push_service import (
    MAX_BODY,
    PushService,
    Refusal,
    running_push_service,
    subscribe,
    vapid_claims,
)


def news_for_helper(cast: Cast, key: str) -> Delivery:
    notify(
        category="news",
        circle=cast.circle,
        key=key,
        title="News about Arthur",
        body="Home on Friday.",
        url=f"/circles/{cast.circle.pk}/",
        actor=cast.organiser,
        user_ids=[cast.helper.pk],
    )
    return Delivery.objects.get(channel="push", idempotency_key__startswith=f"{key}-push-")


def subscribed_helper(cast: Cast, push_service: PushService, name: str) -> PushSubscription:
    assert subscribe(client_for(cast.helper), push_service.browser(name)).status_code == 201
    return PushSubscription.objects.get(endpoint=push_service.endpoint(name))


def sweep() -> dict[str, int]:
    """What the worker's sweep (tasks.deliver_due) does every two minutes, for the pushes among what is due."""
    return deliveries_send(
        list(Delivery.objects.filter(pk__in=deliveries_due(), channel=Channel.PUSH).values_list("pk", flat=True))
    )


def test_a_struggling_checkin_is_pushed_as_urgent_without_what_was_written(
    cast: Cast, push_service: PushService
) -> None:
    browser = push_service.browser("organiser-phone")
    assert subscribe(client_for(cast.organiser), browser).status_code == 201
    access = access_circle(user=cast.helper, circle_id=cast.circle.pk)
    checkin, _ = conversations.checkin_post(
        actor=cast.helper,
        access=access,
        feeling=1,
        note="Dad fell again last night and I haven't slept.",
        audience="organisers",
    )
    delivery = Delivery.objects.get(channel="push", recipient=cast.organiser)
    assert delivery_send(delivery_id=delivery.pk) == "sent"

    assert push_service.refused == []
    [request] = push_service.received
    assert request.headers["urgency"] == "high"
    assert request.headers["ttl"] == "43200"
    claims = vapid_claims(request.headers, audience=push_service.origin, server_key=vapid_keys().public_key)
    assert claims["sub"] == "mailto:care@example.org"
    # Only what the organiser should see on a lock screen: who, that it's hard, and where to look.
    assert browser.decrypt(request.body) == {
        "title": f"{cast.helper.display_name} checked in: struggling",
        "body": "Open CareCircle to read it.",
        "url": (
            f"/notifications/push/open/?n=checkin-{checkin.pk}-{cast.organiser.pk}"
            f"&to=%2Fcircles%2F{cast.circle.pk}%2Fcheckins%2F"
        ),
        "tag": "checkin",
    }


def test_a_help_request_is_pushed_with_its_own_line_and_not_its_details(cast: Cast, push_service: PushService) -> None:
    browser = push_service.browser("helper-tablet")
    assert subscribe(client_for(cast.helper), browser).status_code == 201
    notify(
        category="help_needed",
        circle=cast.circle,
        key="task-7",
        title="Help needed: a lift to the clinic",
        body="Arthur's dialysis is at 9:00; the key safe code is 4471.",
        url=f"/circles/{cast.circle.pk}/tasks/7/",
        actor=cast.organiser,
        user_ids=[cast.helper.pk],
    )
    [delivery] = Delivery.objects.filter(channel="push", recipient=cast.helper)
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    [request] = push_service.received
    assert request.headers["urgency"] == "normal"
    payload = browser.decrypt(request.body)
    assert payload["title"] == "Help needed: a lift to the clinic"
    assert payload["body"] == "Open CareCircle to say whether you can help."
    assert payload["tag"] == "help_needed"
    assert "4471" not in json.dumps(payload)
    assert "dialysis" not in json.dumps(payload)


def test_a_subscription_the_push_service_no_longer_knows_is_removed(cast: Cast, push_service: PushService) -> None:
    device = subscribed_helper(cast, push_service, "forgotten")
    del push_service.browsers["/push/forgotten"]
    delivery = news_for_helper(cast, "update-404")
    assert delivery_send(delivery_id=delivery.pk) == "failed"
    assert [refusal.status for _, refusal in push_service.refused] == [404]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert "no longer takes notifications (404)" in delivery.last_error
    assert not PushSubscription.objects.filter(pk=device.pk).exists()
    notify(category="news", circle=cast.circle, key="update-after-404", title="More news", user_ids=[cast.helper.pk])
    assert not Delivery.objects.filter(channel="push", idempotency_key__startswith="update-after-404").exists()


@pytest.mark.parametrize("status", [429, 503])
def test_a_busy_push_service_is_asked_again_with_back_off_until_it_takes_the_push(
    cast: Cast, push_service: PushService, status: int
) -> None:
    subscribed_helper(cast, push_service, "busy")
    push_service.status_for["/push/busy"] = status
    with time_machine.travel(timezone.now(), tick=False) as clock:
        delivery = news_for_helper(cast, f"update-{status}")
        assert delivery_send(delivery_id=delivery.pk) == "retry"
        waits = []
        for _attempt in range(2):
            delivery.refresh_from_db()
            assert delivery.status == DeliveryStatus.QUEUED
            assert delivery.not_before is not None
            waits.append(delivery.not_before - timezone.now())
            # Not asked again before its time comes, then asked by the sweep.
            clock.shift(waits[-1] - datetime.timedelta(seconds=1))
            assert sweep() == {}
            assert len(push_service.received) == len(waits)
            clock.shift(datetime.timedelta(seconds=1))
            if len(waits) == 2:
                del push_service.status_for["/push/busy"]
            outcome = sweep()
        assert waits == [datetime.timedelta(minutes=2), datetime.timedelta(minutes=4)]
        assert outcome == {"sent": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 3)
    assert len(push_service.received) == 3
    assert PushSubscription.objects.get(endpoint=push_service.endpoint("busy")).failing_since is None


def in_minutes(minutes: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=minutes)


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("600", in_minutes(10)),
        ("in 15 minutes, as an HTTP-date", in_minutes(15)),
        # More than an hour is asked again after an hour.
        ("86400", in_minutes(60)),
        # What can't be read gets the usual back-off, as does a shorter wait than it.
        ("soon", in_minutes(2)),
        ("-600", in_minutes(2)),
        ("30", in_minutes(2)),
    ],
)
def test_a_busy_push_service_is_asked_again_no_sooner_than_its_retry_after_says(
    cast: Cast, push_service: PushService, status: int, header: str, wait: datetime.timedelta
) -> None:
    device = subscribed_helper(cast, push_service, "busy")
    push_service.status_for["/push/busy"] = status
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        if header.startswith("in 15"):
            header = format_datetime(start + in_minutes(15), usegmt=True)
        push_service.retry_after_for["/push/busy"] = header
        delivery = news_for_helper(cast, f"update-busy-{status}")
        assert delivery_send(delivery_id=delivery.pk) == "retry"
        delivery.refresh_from_db()
        assert (delivery.status, delivery.not_before) == (DeliveryStatus.QUEUED, start + wait)
        clock.shift(wait - datetime.timedelta(seconds=1))
        assert sweep() == {}
        assert len(push_service.received) == 1
        del push_service.status_for["/push/busy"]
        clock.shift(datetime.timedelta(seconds=1))
        assert sweep() == {"sent": 1}
    assert len(push_service.received) == 2
    # Busy is about the push service, never the device.
    device.refresh_from_db()
    assert (device.failing_since, device.last_error) == (None, "")


def test_after_a_429_the_rest_of_the_fan_out_to_that_push_service_waits_at_most_five_minutes(
    cast: Cast, push_service: PushService
) -> None:
    devices = {name: subscribed_helper(cast, push_service, name) for name in ("phone", "tablet", "laptop")}
    push_service.status_for["/push/phone"] = 429
    push_service.retry_after_for["/push/phone"] = "600"
    with running_push_service() as other:
        assert subscribe(client_for(cast.organiser), other.browser("organiser-phone")).status_code == 201
        devices["elsewhere"] = PushSubscription.objects.get(endpoint=other.endpoint("organiser-phone"))
        start = timezone.now().replace(microsecond=0)
        with time_machine.travel(start, tick=False) as clock:
            notify(
                category="news",
                circle=cast.circle,
                key="update-fan-out",
                title="News about Arthur",
                url=f"/circles/{cast.circle.pk}/",
                actor=cast.person,
                user_ids=[cast.helper.pk, cast.organiser.pk],
            )
            pushes = {row.to: row for row in Delivery.objects.filter(channel=Channel.PUSH)}
            order = [pushes[str(devices[name].pk)].pk for name in ("phone", "tablet", "laptop", "elsewhere")]

            assert deliveries_send(order) == {"retry": 1, "held": 2, "sent": 1}
            # One request to the busy push service; the other push service is not held back.
            assert [request.path for request in push_service.received] == ["/push/phone"]
            assert len(other.received) == 1
            rows = {row.pk: row for row in Delivery.objects.filter(pk__in=order)}
            phone, tablet, laptop, _ = (rows[pk] for pk in order)
            assert (phone.status, phone.attempts, phone.not_before) == (
                DeliveryStatus.QUEUED,
                1,
                start + in_minutes(10),
            )
            # The other devices on that push service wait what it asked, at most 5 minutes (a push
            # service's 429 may be about one device).
            for held in (tablet, laptop):
                assert (held.status, held.attempts, held.not_before) == (
                    DeliveryStatus.QUEUED,
                    0,
                    start + in_minutes(5),
                )
                assert held.last_error.startswith("Held back")

            clock.shift(in_minutes(2))
            assert sweep() == {}
            clock.shift(in_minutes(3))
            assert sweep() == {"sent": 2}
            clock.shift(in_minutes(5))
            del push_service.status_for["/push/phone"]
            assert sweep() == {"sent": 1}
    paths = [request.path for request in push_service.received]
    assert (sorted(paths[1:3]), paths[3:]) == (["/push/laptop", "/push/tablet"], ["/push/phone"])
    assert not PushSubscription.objects.filter(failing_since__isnull=False).exists()


def test_a_push_service_that_stays_down_is_given_up_after_the_last_attempt(
    cast: Cast, push_service: PushService
) -> None:
    device = subscribed_helper(cast, push_service, "down")
    push_service.status_for["/push/down"] = 500
    with time_machine.travel(timezone.now(), tick=False) as clock:
        delivery = news_for_helper(cast, "update-down")
        outcomes = [delivery_send(delivery_id=delivery.pk)]
        for _hour in range(6):
            clock.shift(datetime.timedelta(hours=1))
            outcomes.extend(outcome for outcome, count in sweep().items() for _ in range(count))
    assert outcomes == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    assert len(push_service.received) == MAX_ATTEMPTS
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    # The service was down, not the device: it is kept and still takes the next push.
    device.refresh_from_db()
    assert device.failing_since is None


def test_a_push_too_large_fails_once_without_retrying_and_the_device_keeps_working(
    cast: Cast, push_service: PushService
) -> None:
    device = subscribed_helper(cast, push_service, "small")
    delivery = news_for_helper(cast, "update-large")
    # Larger than any payload push_payload makes (see the next test), so the push service refuses its size.
    Delivery.objects.filter(pk=delivery.pk).update(body=json.dumps({"title": "x" * 5000}))
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert delivery_send(delivery_id=delivery.pk) == "failed"
        clock.shift(datetime.timedelta(hours=2))
        assert sweep() == {}
    assert [refusal.status for _, refusal in push_service.refused] == [413]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert "too large" in delivery.last_error
    device.refresh_from_db()
    assert device.failing_since is None
    assert delivery_send(delivery_id=news_for_helper(cast, "update-small").pk) == "sent"


def test_the_largest_payload_the_code_makes_fits_a_push_service() -> None:
    """Longest title (in four-byte characters), key and page the code allows: still under 4096 bytes once encrypted."""
    import http_ece
    from cryptography.hazmat.primitives.asymmetric import ec

    payload = push_payload(category="news", title="😀" * 500, url="/" + "%" * 499, notification_key="é" * 400)
    browser_key = ec.generate_private_key(ec.SECP256R1())
    encrypted = http_ece.encrypt(
        payload.encode(),
        private_key=ec.generate_private_key(ec.SECP256R1()),
        dh=browser_key.public_key(),
        auth_secret=os.urandom(16),
        version="aes128gcm",
    )
    assert len(encrypted) < MAX_BODY


def test_a_new_server_key_is_refused_until_the_device_subscribes_with_it(
    cast: Cast, push_service: PushService, settings: Any
) -> None:
    browser = push_service.browser("rotated")
    client = client_for(cast.helper)
    assert subscribe(client, browser).status_code == 201
    replacement = Vapid()
    replacement.generate_keys()
    settings.VAPID_PRIVATE_KEY = b64url(replacement.private_key.private_numbers().private_value.to_bytes(32, "big"))

    assert delivery_send(delivery_id=news_for_helper(cast, "update-rotated").pk) == "failed"
    [(_, refusal)] = push_service.refused
    assert (refusal.status, refusal.reason) == (403, "not the key the browser subscribed with")
    device = PushSubscription.objects.get(endpoint=browser.endpoint)
    assert device.failing_since is not None
    assert device.last_error == "Refused by the push service (403)."

    # push.js subscribes again with the key the page now gives; pushes reach it again.
    assert subscribe(client, browser).status_code == 200
    assert browser.server_key == vapid_keys().public_key
    assert delivery_send(delivery_id=news_for_helper(cast, "update-resubscribed").pk) == "sent"
    assert len(push_service.refused) == 1


def signed(signer: Vapid, claims: dict[str, Any], *, key_of: Vapid | None = None) -> dict[str, str]:
    """An Authorization header signed by `signer`, naming the public key of `key_of` (the signer's own by default)."""
    header: str = signer.sign(claims)["Authorization"]
    if key_of is not None:
        header = header.split(",k=")[0] + ",k=" + public_of(key_of)
    return {"authorization": header}


def public_of(signer: Vapid) -> str:
    from cryptography.hazmat.primitives import serialization

    point = signer.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(point)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"forged": True}, "signature doesn't verify"),
        ({"aud": "https://fcm.googleapis.com"}, "aud"),
        ({"exp": -60}, "exp"),
        ({"exp": 25 * 3600}, "exp"),
        ({"sub": "care@example.org"}, "sub"),
    ],
)
def test_the_push_services_vapid_check_refuses_what_a_push_service_refuses(change: dict[str, Any], reason: str) -> None:
    """The checks the tests above rely on can fail: each wrong claim or signature is refused with 403."""
    # Not strict, so that it signs a claim set py_vapid itself would refuse (no mailto: sub).
    ours, other = Vapid(conf={"no-strict": True}), Vapid()
    ours.generate_keys()
    other.generate_keys()
    claims = {
        "aud": "http://127.0.0.1:8123",
        "exp": int(time.time()) + int(change.get("exp", 3600)),
        "sub": change.get("sub", "mailto:care@example.org"),
    }
    if "aud" in change:
        claims["aud"] = change["aud"]
    headers = signed(other, claims, key_of=ours) if change.get("forged") else signed(ours, claims)
    with pytest.raises(Refusal) as refused:
        vapid_claims(headers, audience="http://127.0.0.1:8123", server_key=public_of(ours))
    assert refused.value.status == 403
    assert reason in refused.value.reason


def test_local_push_addresses_are_never_accepted_with_debug_off() -> None:
    """PUSH_ALLOW_LOCAL_ENDPOINTS in a production environment is ignored: only push services are posted to."""
    settings_of = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DEBUG, settings.PUSH_ALLOW_LOCAL_ENDPOINTS)"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "carecircle.settings", "PUSH_ALLOW_LOCAL_ENDPOINTS": "true"}
    answers = {
        debug: subprocess.run(
            [sys.executable, "-c", settings_of],
            env=environment | {"DEBUG": debug},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for debug in ("false", "true")
    }
    assert answers == {"false": ["False", "False"], "true": ["True", "True"]}
