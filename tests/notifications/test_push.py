"""Web Push end to end: a browser's subscription, the worker's signed, encrypted request, a push service on 127.0.0.1.

The push service (tests/notifications/push_service.py) is a real HTTP server in the test that
checks each request as a push service does; the test decrypts the payload with the private key of
a subscription made as a browser makes one (ECDH P-256 and a 16-byte auth secret), so nothing of
our own is mocked. How it answers refusals and errors: test_push_service.py.
"""

from __future__ import annotations

import base64
import datetime
import html
import json
import os
from functools import partial
from typing import Any
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.circles.models import Role
from carecircle.notifications.models import (
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationSettings,
    PushKey,
    PushSubscription,
)
from carecircle.notifications.notify import notify
from carecircle.notifications.preferences import preferences_for, preferences_save
from carecircle.notifications.push import b64url, b64url_decode, device_label, vapid_keys
from carecircle.notifications.services import delivery_send
from carecircle.web.script_words import words_script, words_version
from tests.bursts import at_once
from tests.cast import Cast, invite_and_join, make_user
from tests.conftest import client_for
from tests.notifications.push_service import DEVICES, SUBSCRIBE, PushService, new_browser, subscribe, vapid_claims

UNSUBSCRIBE = "/api/v1/notifications/push/unsubscribe"


def push_rows(user: User) -> list[Delivery]:
    return list(Delivery.objects.filter(recipient=user, channel="push").order_by("id"))


def news(cast: Cast, key: str, **extra: Any) -> None:
    notify(
        category="news",
        circle=cast.circle,
        key=key,
        title="News about Arthur: home from hospital",
        body="The consultant said his potassium is 6.1 and the new tablets start tomorrow.",
        url=f"/circles/{cast.circle.pk}/",
        actor=cast.organiser,
        **extra,
    )


def test_a_push_reaches_the_browser_signed_and_encrypted_with_only_title_line_and_link(
    cast: Cast, push_service: PushService
) -> None:
    browser = push_service.browser("helper-phone")
    client = client_for(cast.helper)
    response = subscribe(client, browser, HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Firefox/133.0")
    assert response.status_code == 201, response.content
    assert response.json()["label"] == "Firefox on Android"

    news(cast, "update-1")
    [delivery] = push_rows(cast.helper)
    assert delivery_send(delivery_id=delivery.pk) == "sent"

    [request] = push_service.received
    assert request.path == "/push/helper-phone"
    assert request.headers["content-encoding"] == "aes128gcm"
    assert request.headers["ttl"] == "43200"
    assert request.headers["urgency"] == "normal"
    # The push service accepted it: its subscription, VAPID (key, signature, aud, exp, sub), TTL, size.
    assert push_service.refused == []
    claims = vapid_claims(request.headers, audience=push_service.origin, server_key=vapid_keys().public_key)
    assert claims["sub"] == "mailto:care@example.org"
    # Only the browser's private key opens it, and it holds nothing from the message or the record.
    assert b"Arthur" not in request.body
    assert browser.decrypt(request.body) == {
        "title": "News about Arthur: home from hospital",
        "body": "Open CareCircle to read it.",
        # Opening it marks the helper's in-app notification read, then goes to the circle's page.
        "url": f"/notifications/push/open/?n=update-1-{cast.helper.pk}&to=%2Fcircles%2F{cast.circle.pk}%2F",
        "tag": "news",
    }
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.provider_id == f"http://127.0.0.1:{push_service.port}/message/1"
    assert PushSubscription.objects.get(endpoint=browser.endpoint).last_success_at is not None


def test_a_gone_device_is_removed_and_nothing_more_is_queued_for_it(cast: Cast, push_service: PushService) -> None:
    gone = push_service.browser("old-laptop")
    kept = push_service.browser("phone")
    client = client_for(cast.helper)
    subscribe(client, gone)
    subscribe(client, kept)
    # The browser dropped it (notifications turned off, data cleared): the push service answers 410.
    gone.dropped = True

    news(cast, "update-2")
    outcomes = {row.to: delivery_send(delivery_id=row.pk) for row in push_rows(cast.helper)}
    old_id = str(Delivery.objects.get(idempotency_key__contains="update-2-push", status="failed").to)
    assert sorted(outcomes.values()) == ["failed", "sent"]
    assert not PushSubscription.objects.filter(endpoint=gone.endpoint).exists()
    failed = Delivery.objects.get(to=old_id, channel="push")
    assert "no longer takes notifications (410)" in failed.last_error
    assert failed.attempts == 1

    news(cast, "update-3")
    [only] = [row for row in push_rows(cast.helper) if "update-3" in row.idempotency_key]
    assert only.to == str(PushSubscription.objects.get(endpoint=kept.endpoint).pk)
    # The member's email goes on as before: a gone device says nothing about their other channels.
    assert NotificationSettings.objects.get(user=cast.helper).email_failing_since is None


def test_push_follows_preferences_and_waits_for_quiet_hours(cast: Cast, push_service: PushService) -> None:
    browser = push_service.browser("quiet")
    subscribe(client_for(cast.helper), browser)
    chosen = preferences_for(cast.helper)
    on = [f"{key}.{channel}" for key, channels in chosen.enabled().items() for channel, yes in channels.items() if yes]
    assert "news.push" in on, "push follows email by default"
    now = timezone.localtime(timezone.now(), timezone.get_fixed_timezone(0))
    preferences_save(
        user=cast.helper,
        enabled=on,
        quiet_from=(now - datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0),
        quiet_until=(now + datetime.timedelta(hours=2)).time().replace(second=0, microsecond=0),
        digest="off",
    )
    cast.helper.time_zone = "UTC"
    cast.helper.save(update_fields=["time_zone"])
    news(cast, "update-quiet")
    [waiting] = push_rows(cast.helper)
    assert waiting.not_before is not None
    assert waiting.not_before > timezone.now()
    assert delivery_send(delivery_id=waiting.pk) == "skipped"
    assert push_service.received == []

    preferences_save(
        user=cast.helper,
        enabled=[name for name in on if name != "news.push"],
        quiet_from=None,
        quiet_until=None,
        digest="off",
    )
    news(cast, "update-not-pushed")
    assert [row for row in push_rows(cast.helper) if "not-pushed" in row.idempotency_key] == []


def test_a_browser_another_member_subscribes_is_theirs_and_old_pushes_are_not_sent(
    cast: Cast, push_service: PushService
) -> None:
    browser = push_service.browser("shared-computer")
    subscribe(client_for(cast.helper), browser)
    news(cast, "update-shared")
    [for_helper] = push_rows(cast.helper)
    assert subscribe(client_for(cast.person), browser).status_code == 200
    assert PushSubscription.objects.get(endpoint=browser.endpoint).user == cast.person
    assert delivery_send(delivery_id=for_helper.pk) == "failing"
    for_helper.refresh_from_db()
    assert for_helper.status == DeliveryStatus.CANCELLED
    assert push_service.received == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"endpoint": "http://fcm.googleapis.com/fcm/send/abc"}, "push address"),
        ({"endpoint": "https://intranet.example.org/admin"}, "push address"),
        ({"endpoint": "https://user:pw@fcm.googleapis.com/fcm/send/abc"}, "push address"),
        ({"endpoint": "https://fcm.googleapis.com:8443/fcm/send/abc"}, "push address"),
        ({"endpoint": "https://fcm.googleapis.com/" + "a" * 1200}, "1000"),
        ({"endpoint": "https://fcm.googleapis.com/\x00"}, ""),
        ({"keys": {"p256dh": b64url(b"\x04" + b"\x01" * 64), "auth": b64url(os.urandom(16))}}, "P-256"),
        ({"keys": {"p256dh": "not base64!", "auth": b64url(os.urandom(16))}}, "P-256"),
        ({"keys": {"p256dh": None, "auth": b64url(os.urandom(8))}}, ""),
        ({"keys": {"p256dh": "@KEY@", "auth": b64url(os.urandom(8))}}, "16 bytes"),
        ({"surprise": 1}, ""),
    ],
)
def test_a_subscription_that_is_not_a_browsers_is_refused_clearly(
    cast: Cast, settings: Any, change: dict[str, Any], message: str
) -> None:
    browser = new_browser("https://fcm.googleapis.com/fcm/send/abc")
    body = browser.subscription() | change
    if body["keys"] and body["keys"].get("p256dh") == "@KEY@":
        body["keys"]["p256dh"] = browser.p256dh
    response = client_for(cast.helper).post(SUBSCRIBE, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 422, response.content
    assert message in response.content.decode()
    assert not PushSubscription.objects.exists()


def test_a_push_service_address_is_accepted_and_local_ones_only_in_tests(cast: Cast, settings: Any) -> None:
    client = client_for(cast.helper)
    assert subscribe(client, new_browser("https://updates.push.services.mozilla.com/wpush/v2/gAAA")).status_code == 201
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = False
    assert subscribe(client, new_browser("http://127.0.0.1:9/push/x")).status_code == 422


def test_subscribing_needs_a_session_with_its_csrf_token(cast: Cast) -> None:
    from tests.cast import signed_in_session_key

    strict = Client(enforce_csrf_checks=True)
    strict.cookies["sessionid"] = signed_in_session_key(cast.helper)
    browser = new_browser("https://fcm.googleapis.com/fcm/send/csrf")
    assert subscribe(strict, browser).status_code == 403
    assert subscribe(Client(), browser).status_code == 401
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_the_same_subscription_makes_one_row() -> None:
    member = make_user("burst")
    browser = new_browser("https://fcm.googleapis.com/fcm/send/burst")
    burst = 8
    clients = [client_for(member) for _ in range(burst)]

    statuses = [
        response.status_code for response in at_once([partial(subscribe, client, browser) for client in clients])
    ]
    assert sorted(statuses) == [200] * (burst - 1) + [201]
    assert PushSubscription.objects.filter(endpoint=browser.endpoint).count() == 1


def test_a_member_keeps_at_most_the_device_limit(cast: Cast, settings: Any) -> None:
    settings.PUSH_MAX_DEVICES = 3
    client = client_for(cast.helper)
    endpoints = [f"https://fcm.googleapis.com/fcm/send/device-{number}" for number in range(5)]
    for endpoint in endpoints:
        assert subscribe(client, new_browser(endpoint)).status_code == 201
    kept = list(PushSubscription.objects.filter(user=cast.helper).values_list("endpoint", flat=True))
    assert sorted(kept) == endpoints[2:]


def test_unsubscribing_turns_off_only_the_members_own_device(cast: Cast) -> None:
    browser = new_browser("https://fcm.googleapis.com/fcm/send/mine")
    helper = client_for(cast.helper)
    subscribe(helper, browser)
    body = json.dumps({"endpoint": browser.endpoint})
    other = client_for(cast.organiser).post(UNSUBSCRIBE, data=body, content_type="application/json")
    assert other.json() == {"removed": 0}
    assert PushSubscription.objects.filter(endpoint=browser.endpoint).exists()
    assert helper.post(UNSUBSCRIBE, data=body, content_type="application/json").json() == {"removed": 1}
    assert helper.post(UNSUBSCRIBE, data=body, content_type="application/json").json() == {"removed": 0}
    assert not PushSubscription.objects.exists()


def test_the_device_list_gives_the_key_to_subscribe_with_and_only_ones_own(cast: Cast) -> None:
    subscribe(client_for(cast.helper), new_browser("https://fcm.googleapis.com/fcm/send/helper"))
    mine = client_for(cast.helper).get(DEVICES).json()
    assert len(b64url_decode(mine["public_key"])) == 65
    assert [device["endpoint"] for device in mine["devices"]] == ["https://fcm.googleapis.com/fcm/send/helper"]
    assert client_for(cast.organiser).get(DEVICES).json()["devices"] == []


def test_a_device_is_turned_off_by_a_plain_form_post(cast: Cast) -> None:
    subscribe(
        client_for(cast.helper),
        new_browser("https://fcm.googleapis.com/fcm/send/page"),
        HTTP_USER_AGENT="Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605 Version/17 Safari/605",
    )
    device = PushSubscription.objects.get()
    assert device.label == "Safari on Mac"
    # Someone else's device id changes nothing.
    client_for(cast.organiser).post("/notifications/push/remove/", {"device": str(device.pk)})
    assert PushSubscription.objects.filter(pk=device.pk).exists()
    response = client_for(cast.helper).post("/notifications/push/remove/", {"device": str(device.pk)})
    assert response.status_code == 302
    assert response["Location"].endswith("/notifications/preferences/push/")
    assert not PushSubscription.objects.exists()
    again = client_for(cast.helper).post(
        "/notifications/push/remove/", {"device": "99999999999999999999999"}, follow=True
    )
    assert "already wasn't getting push notifications" in html.unescape(again.content.decode())


def test_the_key_pair_is_made_once_and_the_environment_overrides_it(db: None, settings: Any) -> None:
    first = vapid_keys()
    assert first.source == "database"
    assert vapid_keys() == first
    assert PushKey.objects.count() == 1
    private = ec.generate_private_key(ec.SECP256R1())
    settings.VAPID_PRIVATE_KEY = b64url(private.private_numbers().private_value.to_bytes(32, "big"))
    configured = vapid_keys()
    expected = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert (configured.source, configured.public_key) == ("environment", b64url(expected))


def test_the_command_makes_the_key_and_keeps_it(db: None) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("push_keys", stdout=out)
    call_command("push_keys", stdout=out)
    key = PushKey.objects.get().public_key
    assert out.getvalue().count(f"Public key: {key}") == 2


def test_device_labels_name_browser_and_system() -> None:
    chrome_android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"
    assert device_label(chrome_android) == "Chrome on Android"
    edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0"
    assert device_label(edge) == "Edge on Windows"
    assert device_label("") == "A browser"


def test_a_members_push_fan_out_costs_one_more_query(cast: Cast, django_assert_num_queries: Any) -> None:
    invite_and_join(inviter=cast.organiser, circle=cast.circle, user=make_user("extra"), role=Role.HELPER)
    for number, member in enumerate([cast.helper, cast.person]):
        subscribe(client_for(member), new_browser(f"https://fcm.googleapis.com/fcm/send/cost-{number}"))
    # memberships, preferences, settings (with "has a device"), devices; notifications; known keys, savepoint,
    # insert, release: the 8 of a fan-out without push, and one query for every member's devices at once.
    with django_assert_num_queries(9):
        news(cast, "update-cost")
    assert len(Delivery.objects.filter(channel="push", idempotency_key__startswith="update-cost")) == 2


def test_b64url_round_trip() -> None:
    data = os.urandom(33)
    assert b64url_decode(b64url(data)) == data
    assert b64url_decode(base64.urlsafe_b64encode(data).decode()) == data


# --- Opening a push marks that notification read (docs/architecture/notifications.md, "Push") -------


def opened_link(cast: Cast, push_service: PushService, member: User, key: str) -> str:
    """The link in the push `member`'s browser decrypts, after the worker sent it to the local push service."""
    browser = push_service.browser(f"{member.pk}-{key}")
    assert subscribe(client_for(member), browser).status_code == 201
    news(cast, key)
    [delivery] = [row for row in push_rows(member) if row.idempotency_key.startswith(key)]
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    [request] = [sent for sent in push_service.received if sent.path.endswith(f"-{key}")]
    link: str = browser.decrypt(request.body)["url"]
    return link


def test_opening_a_push_marks_the_members_own_notification_read_and_goes_to_its_page(
    cast: Cast, push_service: PushService
) -> None:
    link = opened_link(cast, push_service, cast.helper, "update-open")
    mine = Notification.objects.get(recipient=cast.helper, key=f"update-open-{cast.helper.pk}")
    assert mine.read_at is None
    response = client_for(cast.helper).get(link)
    assert (response.status_code, response["Location"]) == (302, f"/circles/{cast.circle.pk}/")
    mine.refresh_from_db()
    assert mine.read_at is not None
    # The other members told about the same news keep it unread.
    others = Notification.objects.filter(key__startswith="update-open-").exclude(recipient=cast.helper)
    assert others.exists()
    assert all(row.read_at is None for row in others)


def test_opening_it_again_changes_nothing_more(cast: Cast, push_service: PushService) -> None:
    link = opened_link(cast, push_service, cast.helper, "update-twice")
    client = client_for(cast.helper)
    assert client.get(link).status_code == 302
    first = Notification.objects.get(recipient=cast.helper, key=f"update-twice-{cast.helper.pk}").read_at
    assert first is not None
    again = client.get(link)
    assert (again.status_code, again["Location"]) == (302, f"/circles/{cast.circle.pk}/")
    assert Notification.objects.get(recipient=cast.helper, key=f"update-twice-{cast.helper.pk}").read_at == first


def test_someone_elses_push_link_marks_nothing(cast: Cast, push_service: PushService) -> None:
    link = opened_link(cast, push_service, cast.helper, "update-theirs")
    # The person opens the helper's link (forwarded, or guessed): they go to the page, nothing is marked.
    response = client_for(cast.person).get(link)
    assert (response.status_code, response["Location"]) == (302, f"/circles/{cast.circle.pk}/")
    assert not Notification.objects.filter(key__startswith="update-theirs-", read_at__isnull=False).exists()
    # The person's own notification about the same news has another key; theirs stays unread too.
    assert Notification.objects.filter(recipient=cast.person, key=f"update-theirs-{cast.person.pk}", read_at=None)


@pytest.mark.parametrize(
    ("query", "location"),
    [
        ("?to=https://evil.example/", "/notifications/"),
        ("?to=//evil.example/", "/notifications/"),
        ("?to=/\\evil.example/", "/notifications/"),
        ("?n=no-such-key&to=/account/", "/account/"),
        ("?n=" + "x" * 200 + "&to=/account/", "/account/"),
        ("", "/notifications/"),
    ],
)
def test_a_push_link_only_ever_leads_to_a_page_on_this_site(cast: Cast, query: str, location: str) -> None:
    response = client_for(cast.helper).get("/notifications/push/open/" + query)
    assert (response.status_code, response["Location"]) == (302, location)


def test_a_push_link_asks_to_sign_in_first_then_marks_it(cast: Cast) -> None:
    Notification.objects.create(recipient=cast.helper, category="news", title="News", url="/account/", key="signed-out")
    link = "/notifications/push/open/?n=signed-out&to=/account/"
    response = Client().get(link)
    assert (response.status_code, response["Location"]) == (
        302,
        f"{reverse('accounts:login')}?next={quote(link, safe='/')}",
    )
    assert Notification.objects.get(key="signed-out").read_at is None
    assert client_for(cast.helper).get("/notifications/push/open/?n=signed-out&to=/").status_code == 302
    assert Notification.objects.get(key="signed-out").read_at is not None


def test_a_push_link_is_not_for_posting(cast: Cast) -> None:
    Notification.objects.create(recipient=cast.helper, category="news", title="News", url="/account/", key="posted")
    assert client_for(cast.helper).post("/notifications/push/open/?n=posted").status_code == 405
    assert Notification.objects.get(key="posted").read_at is None


def test_opening_a_push_costs_three_queries_then_two(cast: Cast, django_assert_num_queries: Any) -> None:
    Notification.objects.create(recipient=cast.helper, category="news", title="News", url="/account/", key="cost")
    client = client_for(cast.helper)
    client.get("/notifications/push/open/")  # the session is kept after the first request
    with django_assert_num_queries(3):  # the member, their notification, the read mark
        client.get("/notifications/push/open/?n=cost")
    with django_assert_num_queries(2):  # already read: no write
        client.get("/notifications/push/open/?n=cost")


# --- The push page's device section (push.js; tests/browser/test_push_controls.py in Chromium) ---


def test_the_page_says_push_needs_javascript_and_lists_the_members_own_devices(cast: Cast) -> None:
    subscribe(
        client_for(cast.helper),
        new_browser("https://fcm.googleapis.com/fcm/send/listed"),
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Firefox/133.0",
    )
    subscribe(client_for(cast.organiser), new_browser("https://fcm.googleapis.com/fcm/send/theirs"))
    PushSubscription.objects.filter(user=cast.organiser).update(label="Edge on Windows")
    page = html.unescape(client_for(cast.helper).get("/notifications/preferences/push/").content.decode())
    assert "Notifications on this device need JavaScript and a browser that supports them." in page
    assert f'data-push-key="{vapid_keys().public_key}"' in page
    # push.js holds its own sentences (English, or the scripts' words): none of them weighs on the page.
    assert "data-text-" not in page
    assert "Push notifications couldn't be turned on" not in page
    assert "Firefox on Android" in page
    assert "Edge on Windows" not in page
    assert "stopped working" not in page
    assert '<script src="/static/notifications/push.js" defer nonce="' in page
    PushSubscription.objects.filter(user=cast.helper).update(failing_since=timezone.now())
    page = client_for(cast.helper).get("/notifications/preferences/push/").content.decode()
    assert "stopped working: turn notifications on again on that device" in page


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("cy", ["Hysbysu'r ddyfais hon", "Mae hysbysiadau ar y ddyfais hon angen JavaScript", "Ni all y porwr hwn"]),
        ("pl", ["Powiadamiaj na tym urządzeniu", "wymagają JavaScriptu", "Ta przeglądarka nie może"]),
    ],
)
def test_the_push_section_and_its_script_texts_are_in_the_members_language(
    cast: Cast, language: str, words: list[str]
) -> None:
    User.objects.filter(pk=cast.helper.pk).update(language=language)
    cast.helper.refresh_from_db()
    page = html.unescape(client_for(cast.helper).get("/notifications/preferences/push/").content.decode())
    *on_the_page, in_the_script = words
    for word in on_the_page:
        assert word in page
    assert "Notify this device" not in page
    # push.js's sentences come in the page's language from the scripts' words, loaded before it.
    assert page.index(f"/words.js?lang={language}&v={words_version(language)}") < page.index("notifications/push.js")
    assert in_the_script in words_script(language)
    assert "This browser can't show push notifications" not in words_script(language)
