"""A delivery that fails for good is visible to the circle's organisers (review finding 3)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from carecircle.notifications.models import Channel, Delivery, DeliveryStatus
from carecircle.notifications.services import delivery_enqueue
from tests.cast import Cast


def failed_email_to(address: str, error: str) -> Delivery:
    delivery = delivery_enqueue(
        channel=Channel.EMAIL, to=address, subject="A concern after the visit", body="…", idempotency_key=address
    )
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, attempts=5, last_error=error)
    return delivery


def home(cast: Cast, name: str) -> str:
    client = Client()
    client.force_login(cast.user(name))
    return client.get(reverse("circles:home", args=[cast.circle.pk])).content.decode()


def test_organisers_see_an_email_to_a_member_that_could_not_be_sent(cast: Cast):
    failed_email_to(cast.helper.email, "Header values can't contain newlines")

    page = home(cast, "organiser")

    assert "Messages that couldn&#x27;t be sent" in page or "Messages that couldn't be sent" in page
    assert f"An email to {cast.helper.display_name}" in page
    assert "email header" in page
    assert "A concern after the visit" not in page


def test_other_members_do_not_see_it(cast: Cast):
    failed_email_to(cast.helper.email, "Connection refused")

    assert "couldn" not in home(cast, "helper").split("People in the circle")[0]


def test_a_failure_to_someone_outside_the_circle_is_not_shown(cast: Cast):
    failed_email_to(cast.outsider.email, "Connection refused")

    assert "Messages that couldn" not in home(cast, "organiser")


def test_a_failure_in_another_circle_leaves_the_organisers_page_as_it_was(cast: Cast):
    client = Client()
    client.force_login(cast.organiser)
    address = reverse("circles:home", args=[cast.circle.pk])
    etag = client.get(address)["ETag"]

    failed_email_to(cast.outsider.email, "Connection refused")  # Organises another circle only.
    assert client.get(address, headers={"if-none-match": etag}).status_code == 304

    failed_email_to(cast.helper.email, "Connection refused")
    changed = client.get(address, headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert f"An email to {cast.helper.display_name}" in changed.content.decode()
