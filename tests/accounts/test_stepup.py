"""Step-up: exporting, sharing, a new phone number, second factors and tokens need a recent re-authentication."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.models import ApiToken
from carecircle.records.models import ShareLink
from tests.accounts.helpers import page_text

LATER = timedelta(minutes=11)


def later() -> Any:
    return time_machine.travel(timezone.now() + LATER, tick=False)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_signing_in_counts_as_confirming(organiser, circle):
    client = signed_in(organiser)
    assert client.get(reverse("records:export_download", kwargs={"circle_id": circle.pk})).status_code == 200


@pytest.mark.parametrize("name", ["records:export_download", "records:fhir", "records:share_links"])
def test_record_exports_and_share_links_ask_to_confirm_after_ten_minutes(organiser, circle, name):
    client = signed_in(organiser)
    url = reverse(name, kwargs={"circle_id": circle.pk})
    with later():
        response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:step_up')}?next={url.replace('/', '%2F')}"


def test_confirming_with_the_password_opens_the_page_again(organiser, circle, password):
    client = signed_in(organiser)
    url = reverse("records:share_links", kwargs={"circle_id": circle.pk})
    with later():
        assert (
            client.post(reverse("accounts:step_up"), {"password": "wrong-password-1", "next": url}).status_code == 400
        )
        confirmed = client.post(reverse("accounts:step_up"), {"password": password, "next": url})
        assert confirmed["Location"] == url
        assert client.get(url).status_code == 200


def test_a_stale_session_cannot_make_a_share_link(organiser, circle):
    client = signed_in(organiser)
    url = reverse("records:share_links", kwargs={"circle_id": circle.pk})
    with later():
        client.post(url, {"recipient": "Nurse", "sections": ["medications"], "hours": "24"})
    assert not ShareLink.objects.exists()


def test_the_api_with_a_stale_session_says_reauthentication_is_required(organiser, circle):
    client = signed_in(organiser)
    body = {"recipient": "Nurse", "sections": ["medications"], "hours": 24}
    url = f"/api/v1/circles/{circle.pk}/record/share-links"
    csrf = {"HTTP_X_CSRFTOKEN": "x"}
    client.cookies["csrftoken"] = "x" * 32
    with later():
        response = client.post(url, body, content_type="application/json", headers={"X-CSRFToken": "x" * 32})
        export = client.get(f"/api/v1/circles/{circle.pk}/record/export")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "reauthentication_required"
    assert export.status_code == 403
    assert export.json()["code"] == "reauthentication_required"
    assert not ShareLink.objects.exists()
    del csrf


def test_a_new_phone_number_needs_a_confirmation_but_other_details_do_not(organiser):
    client = signed_in(organiser)
    profile = reverse("accounts:profile")
    base = {"display_name": "Olivia O", "time_zone": "Europe/London", "language": "en-gb"}
    with later():
        renamed = client.post(profile, {**base, "phone": ""})
        assert renamed.status_code == 302
        refused = client.post(profile, {**base, "phone": "07911 123456"})
    assert refused.status_code == 400
    assert "confirm it's you" in page_text(refused).lower()
    assert 'value="07911 123456"' in page_text(refused) or 'value="+447911123456"' in page_text(refused)
    organiser.refresh_from_db()
    assert organiser.display_name == "Olivia O"
    assert organiser.phone == ""


def test_making_a_token_in_the_browser_needs_a_confirmation(organiser):
    client = signed_in(organiser)
    with later():
        response = client.post(reverse("accounts:tokens"), {"name": "Script"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:step_up"))
    assert not ApiToken.objects.filter(user=organiser).exists()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en-gb", ["for 1 minute.", "for 2 minutes.", "for 5 minutes.", "for 22 minutes."]),
        ("pl", ["Przez 1 minutę", "Przez 2 minuty", "Przez 5 minut", "Przez 22 minuty"]),
        ("cy", ["am 1 munud.", "am 2 funud.", "am 5 munud.", "am 22 munud."]),
    ],
)
def test_the_confirmation_page_says_how_long_it_lasts_with_the_right_plural(organiser, settings, language, expected):
    organiser.language = language
    organiser.save(update_fields=["language"])
    client = signed_in(organiser)
    said = []
    for minutes in (1, 2, 5, 22):
        settings.STEP_UP_MAX_AGE_SECONDS = minutes * 60
        said.append(page_text(client.get(reverse("accounts:step_up"))))
    assert [phrase in page for phrase, page in zip(expected, said, strict=True)] == [True] * 4
