"""The deliveries API: a member reads their own emails, texts and pushes and what became of each, no one else's."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client

from carecircle.accounts.models import User
from carecircle.notifications.models import Delivery, DeliveryStatus, Notification
from carecircle.notifications.notify import notify
from tests.api.conftest import token_client
from tests.cast import Cast

type ClientFor = Callable[[User | None], Client]
URL = "/api/v1/notifications/deliveries"
# What the API must never give away: addresses, subjects, bodies, reply and unsubscribe headers, provider ids.


@pytest.fixture
def api_as(db: None) -> ClientFor:
    """api_as(user) → a client sending that user's personal API token (None: no credentials)."""
    return lambda user: Client() if user is None else token_client(user)


SECRETS = ("to", "subject", "body", "html_body", "headers", "idempotency_key", "provider_id", "last_error", "held_by")


def _queue_news(cast: Cast, key: str) -> None:
    notify(category="news", circle=cast.circle, key=key, title="The garden was tidied")


def _email_of(user: User, key: str) -> Delivery:
    return Delivery.objects.get(idempotency_key=f"{key}-email-{user.pk}")


def test_it_lists_only_your_own_deliveries_with_their_notification(cast: Cast, api_as: ClientFor) -> None:
    _queue_news(cast, "d-1")
    mine = _email_of(cast.helper, "d-1")
    theirs = _email_of(cast.organiser, "d-1")
    response = api_as(cast.helper).get(URL)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["id"] for item in items] == [mine.pk]
    item = items[0]
    assert item["channel"] == "email"
    assert item["category"] == "news"
    assert item["status"] == "queued"
    assert item["status_label"] == "Waiting to be sent"
    assert item["notification_id"] == Notification.objects.get(key=f"d-1-{cast.helper.pk}").pk
    assert item["failure_reason"] == ""
    assert not set(SECRETS) & set(item)
    assert cast.helper.email not in response.content.decode()
    assert theirs.pk not in [row["id"] for row in api_as(cast.helper).get(URL).json()["items"]]


def test_an_organiser_sees_none_of_their_members_deliveries(cast: Cast, api_as: ClientFor) -> None:
    _queue_news(cast, "d-2")
    helper_email = _email_of(cast.helper, "d-2")
    client = api_as(cast.organiser)
    ids = [item["id"] for item in client.get(URL).json()["items"]]
    assert helper_email.pk not in ids
    assert all(Delivery.objects.get(pk=found).recipient_id == cast.organiser.pk for found in ids)
    assert client.get(f"{URL}/{helper_email.pk}").status_code == 404


def test_one_delivery_is_yours_or_404(cast: Cast, api_as: ClientFor) -> None:
    _queue_news(cast, "d-3")
    mine = _email_of(cast.helper, "d-3")
    mine.status, mine.attempts, mine.last_error = DeliveryStatus.FAILED, 5, "550 5.1.1 recipient rejected <h@x>"
    mine.save(update_fields=["status", "attempts", "last_error"])
    client = api_as(cast.helper)
    data = client.get(f"{URL}/{mine.pk}").json()
    assert (data["status"], data["attempts"]) == ("failed", 5)
    assert data["failure_reason"] == "Your address or number was refused. Check it on your account page."
    assert "550" not in json.dumps(data)
    missing = client.get(f"{URL}/{_email_of(cast.organiser, 'd-3').pk}")
    assert missing.status_code == 404
    # The same answer as for an id that doesn't exist: nothing says the delivery is there.
    assert missing.json() == client.get(f"{URL}/999999").json()
    assert api_as(None).get(f"{URL}/{mine.pk}").status_code == 401


def test_sent_another_way_says_which_way(cast: Cast, api_as: ClientFor) -> None:
    _queue_news(cast, "d-4")
    mine = _email_of(cast.helper, "d-4")
    mine.status, mine.instead_channel = DeliveryStatus.INSTEAD, "push"
    mine.save(update_fields=["status", "instead_channel"])
    data = api_as(cast.helper).get(f"{URL}/{mine.pk}").json()
    assert (data["status"], data["instead_channel"], data["status_label"]) == ("instead", "push", "Sent another way")
    assert data["failure_reason"] == "It would have waited too long, so it went another way: Push notification."


def test_filters_by_status_and_channel_and_pages_back(cast: Cast, api_as: ClientFor) -> None:
    for number in range(3):
        _queue_news(cast, f"d-5-{number}")
    emails = list(Delivery.objects.filter(recipient=cast.helper, channel="email").order_by("-id"))
    assert len(emails) == 3
    emails[1].status = DeliveryStatus.SENT
    emails[1].save(update_fields=["status"])
    client = api_as(cast.helper)
    sent = client.get(URL, {"status": "sent"}).json()["items"]
    assert [item["id"] for item in sent] == [emails[1].pk]
    assert client.get(URL, {"channel": "sms"}).json()["items"] == []
    newest: dict[str, str | int] = {"channel": "email", "limit": 2}
    first = client.get(URL, newest).json()
    assert [item["id"] for item in first["items"]] == [emails[0].pk, emails[1].pk]
    assert first["next_before"] == emails[1].pk
    older: dict[str, str | int] = {"channel": "email", "limit": 2, "before": first["next_before"]}
    second = client.get(URL, older).json()
    assert [item["id"] for item in second["items"]] == [emails[2].pk]
    assert second["next_before"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "superseded"}, "status"),
        ({"channel": "fax"}, "channel"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"before": "soon"}, "before"),
    ],
)
def test_a_bad_filter_is_a_422_naming_the_field(
    cast: Cast, api_as: ClientFor, query: dict[str, str], field: str
) -> None:
    response = api_as(cast.helper).get(URL, query)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_a_bad_id_is_a_422(cast: Cast, api_as: ClientFor) -> None:
    response = api_as(cast.helper).get(f"{URL}/0")
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["delivery_id"]
