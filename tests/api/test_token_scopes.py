"""API tokens narrowed to reading, to one circle, and to a lifetime."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client
from django.utils import timezone

from carecircle.accounts.services import api_token_create


def bearer(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_a_read_only_token_reads_but_cannot_change_anything(organiser, circle):
    _, secret = api_token_create(actor=organiser, name="Reader", read_only=True)
    client = bearer(secret)

    assert client.get(f"/api/v1/circles/{circle.pk}").status_code == 200
    response = client.patch(f"/api/v1/circles/{circle.pk}", {"person_name": "Mum"}, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "token_read_only"
    circle.refresh_from_db()
    assert circle.person_name == "Dad"


def test_a_circle_token_reaches_only_its_circle(cast):
    own = cast.outsider
    _, secret = api_token_create(actor=own, name="One circle", circle_id=cast.other_circle.pk)
    client = bearer(secret)

    assert client.get(f"/api/v1/circles/{cast.other_circle.pk}").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    listing = client.get("/api/v1/circles")
    assert listing.status_code == 403
    assert listing.json()["code"] == "token_circle_scope"
    assert client.get(f"/api/v1/circles/{cast.circle.pk}").status_code == 403


def test_a_token_stops_working_when_it_ends(organiser):
    token, secret = api_token_create(actor=organiser, name="Short", expires_in_days=30)
    assert bearer(secret).get("/api/v1/me").status_code == 200

    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        response = bearer(secret).get("/api/v1/me")

    assert response.status_code == 401
    assert not token.is_active or token.expires_at is not None


def test_a_token_can_be_made_for_one_of_your_circles_only(cast):
    _, secret = api_token_create(actor=cast.organiser, name="Maker")
    client = bearer(secret)

    refused = client.post(
        "/api/v1/tokens", {"name": "x", "circle_id": cast.other_circle.pk}, content_type="application/json"
    )
    made = client.post(
        "/api/v1/tokens", {"name": "x", "circle_id": cast.circle.pk, "read_only": True}, content_type="application/json"
    )

    assert refused.status_code == 422
    assert made.status_code == 201
    assert made.json()["circle_id"] == cast.circle.pk
    assert made.json()["read_only"] is True
    assert made.json()["expires_at"] is not None


def test_the_tokens_page_makes_a_narrowed_token(as_user, organiser, circle):
    client = as_user(organiser)
    response = client.post(
        "/account/tokens/", {"name": "Calendar sync", "access": "read", "circle": str(circle.pk), "lifetime": "30"}
    )
    assert response.status_code == 200
    token = organiser.api_tokens.get(name="Calendar sync")
    assert token.read_only
    assert token.circle_id == circle.pk
    assert token.expires_at is not None
    assert (token.expires_at - timezone.now()).days in (29, 30)
