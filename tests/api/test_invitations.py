"""Invitations: listing, inviting by email, text or link, cancelling and accepting."""

from __future__ import annotations

import uuid
from typing import Any

from django.test import Client

from carecircle.circles.models import Circle, Invitation, InvitationChannel, Membership
from carecircle.circles.services import consent_update, invitation_create
from carecircle.notifications.models import Delivery
from tests.api.conftest import API

MOBILE = "07911 123456"


def _invite(client: Client, circle: Circle, **fields: object) -> Any:
    return client.post(f"{API}/circles/{circle.pk}/invitations", fields, content_type="application/json")


def _allow_helpers_to_invite(person, circle) -> None:
    grants = {**circle.consent, "helper": [*circle.consent["helper"], "members.invite"]}
    consent_update(actor=person, circle=circle, grants=grants)


def test_an_organiser_sees_the_invitations(organiser, circle, api_as):
    response = api_as(organiser).get(f"{API}/circles/{circle.pk}/invitations")

    assert response.status_code == 200
    invitations = response.json()
    assert len(invitations) == 5
    assert {invitation["status"] for invitation in invitations} == {"accepted"}
    assert all("url" not in invitation for invitation in invitations)


def test_a_helper_may_not_see_invitations_by_default(helper, circle, api_as):
    response = api_as(helper).get(f"{API}/circles/{circle.pk}/invitations")

    assert response.status_code == 403


def test_an_outsider_does_not_find_the_invitations(outsider, circle, api_as):
    assert api_as(outsider).get(f"{API}/circles/{circle.pk}/invitations").status_code == 404


def test_an_email_invitation_is_queued_and_its_token_never_returned(organiser, circle, api_as):
    response = _invite(
        api_as(organiser), circle, role="helper", channel="email", email=" Priya@Example.org ", name="Priya"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "priya@example.org"
    assert body["status"] == "pending"
    assert body["url"] is None
    assert Delivery.objects.filter(channel="email", to="priya@example.org").count() == 1


def test_a_text_invitation_goes_to_the_number_in_international_form(organiser, circle, api_as):
    response = _invite(api_as(organiser), circle, role="paid_carer", channel="sms", phone=MOBILE)

    assert response.status_code == 201
    assert response.json()["phone"] == "+447911123456"
    assert Delivery.objects.filter(channel="sms", to="+447911123456").exists()


def test_a_link_invitation_returns_its_link_once(organiser, circle, api_as):
    client = api_as(organiser)

    response = _invite(client, circle, role="well_wisher", channel="link", relationship="old friend")

    assert response.status_code == 201
    url = response.json()["url"]
    assert "/join/" in url
    listed = client.get(f"{API}/circles/{circle.pk}/invitations").json()
    assert url not in str(listed)


def test_the_link_lets_someone_join(organiser, outsider, circle, api_as):
    url = _invite(api_as(organiser), circle, role="helper", channel="link", relationship="neighbour").json()["url"]
    token = url.rstrip("/").rsplit("/", 1)[-1]

    response = api_as(outsider).post(f"{API}/invitations/accept", {"token": token}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["id"] == circle.pk
    assert response.json()["role"] == "helper"
    assert Membership.objects.get(circle=circle, user=outsider).relationship == "neighbour"


def test_a_made_up_invitation_token_is_refused(outsider, api_as):
    response = api_as(outsider).post(
        f"{API}/invitations/accept", {"token": "not-a-real-token"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("This invitation link isn't valid")


def test_a_retry_with_the_same_client_id_returns_the_same_invitation(organiser, circle, api_as):
    client = api_as(organiser)
    fields = {"role": "helper", "channel": "email", "email": "priya@example.org", "client_id": str(uuid.uuid4())}

    first = _invite(client, circle, **fields)
    retry = _invite(client, circle, **fields)

    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json()["id"] == retry.json()["id"]
    assert Delivery.objects.filter(to="priya@example.org").count() == 1


def test_a_retried_link_invitation_gets_a_fresh_link(organiser, outsider, circle, api_as):
    client = api_as(organiser)
    fields = {"role": "helper", "channel": "link", "client_id": str(uuid.uuid4())}

    first = _invite(client, circle, **fields).json()
    retry = _invite(client, circle, **fields).json()

    assert first["id"] == retry["id"]
    assert retry["url"] is not None
    assert retry["url"] != first["url"]
    old_token = first["url"].rstrip("/").rsplit("/", 1)[-1]
    refused = api_as(outsider).post(f"{API}/invitations/accept", {"token": old_token}, content_type="application/json")
    assert refused.status_code == 400


def test_a_client_id_used_in_another_circle_is_a_conflict(organiser, circle, api_as):
    client = api_as(organiser)
    client_id = str(uuid.uuid4())
    other_circle = client.post(f"{API}/circles", {"person_name": "Gran"}, content_type="application/json").json()
    _invite(client, circle, role="helper", channel="link", client_id=client_id)

    response = client.post(
        f"{API}/circles/{other_circle['id']}/invitations",
        {"role": "helper", "channel": "link", "client_id": client_id},
        content_type="application/json",
    )

    assert response.status_code == 409
    assert "client_id" in response.json()["detail"]


def test_an_email_invitation_needs_a_valid_address(organiser, circle, api_as):
    client = api_as(organiser)

    missing = _invite(client, circle, role="helper", channel="email")
    wrong = _invite(client, circle, role="helper", channel="email", email="priya.example.org")

    assert missing.status_code == wrong.status_code == 422
    assert missing.json()["errors"] == [
        {"field": "email", "message": "Give an email address to send the invitation to."}
    ]
    assert wrong.json()["errors"] == [
        {"field": "email", "message": "Enter a valid email address, like name@example.org."}
    ]
    assert not Invitation.objects.filter(channel="email").exists()


def test_a_text_invitation_needs_a_real_mobile_number(organiser, circle, api_as):
    client = api_as(organiser)

    nonsense = _invite(client, circle, role="helper", channel="sms", phone="12345")
    landline = _invite(client, circle, role="helper", channel="sms", phone="020 7946 0018")

    assert nonsense.status_code == landline.status_code == 422
    assert nonsense.json()["errors"][0]["field"] == "phone"
    assert "This isn't a phone number that can be called" in nonsense.json()["errors"][0]["message"]
    assert landline.json()["errors"] == [
        {"field": "phone", "message": "Text messages need a mobile number, like 07911 123456."}
    ]


def test_an_invitation_lasts_between_one_and_thirty_days(organiser, circle, api_as):
    client = api_as(organiser)

    too_long = _invite(client, circle, role="helper", channel="link", expires_in_days=31)
    too_short = _invite(client, circle, role="helper", channel="link", expires_in_days=0)

    assert too_long.json()["errors"] == [{"field": "expires_in_days", "message": "Enter a number no bigger than 30."}]
    assert too_short.json()["errors"] == [{"field": "expires_in_days", "message": "Enter a number no smaller than 1."}]


def test_an_unknown_role_or_channel_is_refused(organiser, circle, api_as):
    response = _invite(api_as(organiser), circle, role="boss", channel="pigeon")

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["role", "channel"]


def test_a_long_note_is_refused(organiser, circle, api_as):
    response = _invite(api_as(organiser), circle, role="helper", channel="link", note="x" * 501)

    assert response.json()["errors"] == [{"field": "note", "message": "Use at most 500 characters."}]


def test_inviting_someone_already_in_the_circle_is_a_conflict(organiser, circle, api_as):
    response = _invite(api_as(organiser), circle, role="helper", channel="email", email="helper@example.org")

    assert response.status_code == 409
    assert "already in this circle" in response.json()["detail"]


def test_a_helper_allowed_to_invite_may_invite_helpers_but_not_organisers(person, helper, circle, api_as):
    _allow_helpers_to_invite(person, circle)
    client = api_as(helper)

    as_helper = _invite(client, circle, role="helper", channel="link")
    as_organiser = _invite(client, circle, role="organiser", channel="link")

    assert as_helper.status_code == 201
    assert as_organiser.status_code == 403
    assert not Invitation.objects.filter(circle=circle, role="organiser").exists()


def test_the_refusal_to_hand_out_an_owners_role_is_the_services_own(person, helper, circle, api_as):
    """The API has no rule of its own here: invitation_create's PermissionDenied becomes the 403."""
    _allow_helpers_to_invite(person, circle)

    response = _invite(api_as(helper), circle, role="person", channel="link")

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only organisers and the person can invite someone as an organiser or as the person."
    }


def test_a_well_wisher_cannot_invite(well_wisher, circle, api_as):
    response = _invite(api_as(well_wisher), circle, role="helper", channel="link")

    assert response.status_code == 403


def test_an_organiser_can_cancel_a_pending_invitation(organiser, circle, api_as):
    invitation, _ = invitation_create(actor=organiser, circle=circle, role="helper", channel=InvitationChannel.LINK)
    client = api_as(organiser)

    first = client.delete(f"{API}/circles/{circle.pk}/invitations/{invitation.pk}")
    again = client.delete(f"{API}/circles/{circle.pk}/invitations/{invitation.pk}")

    assert first.status_code == 204
    assert again.status_code == 409
    assert "already been cancelled" in again.json()["detail"]
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


def test_an_invitation_of_another_circle_is_not_found(organiser, outsider, cast, circle, api_as):
    invitation, _ = invitation_create(
        actor=outsider, circle=cast.other_circle, role="helper", channel=InvitationChannel.LINK
    )

    response = api_as(organiser).delete(f"{API}/circles/{circle.pk}/invitations/{invitation.pk}")

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"
