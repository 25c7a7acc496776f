"""Someone invited by text, with no email address, joins with a code sent to that number and signs in by text later."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from carecircle.accounts.data_rights import account_erase
from carecircle.accounts.models import TextCode, User
from carecircle.circles.models import Invitation, Membership
from carecircle.circles.services import invitation_create
from carecircle.notifications.models import Delivery
from tests.accounts.helpers import page_text as text_of
from tests.cast import Cast

NADIA = "+447700900321"


def invite_by_text(cast: Cast, phone: str = NADIA) -> tuple[Invitation, str]:
    invitation, _ = invitation_create(
        actor=cast.organiser, circle=cast.circle, role="helper", channel="sms", phone=phone, name="Nadia"
    )
    link = Delivery.objects.get(idempotency_key=f"invitation:{invitation.pk}").body
    found = re.search(r"/join/([^/\s]+)/", link)
    assert found, link
    return invitation, found.group(1)


def last_code(phone: str) -> str:
    body = Delivery.objects.filter(channel="sms", to=phone).latest("id").body
    found = re.match(r"(\d{6}) is your CareCircle code", body)
    assert found, body
    return found.group(1)


def test_someone_invited_by_text_joins_without_an_email_and_signs_in_by_text_later(cast: Cast) -> None:
    invitation, token = invite_by_text(cast)
    client = Client()
    page = client.get(reverse("circles:invitation", kwargs={"token": token}))
    by_text = reverse("circles:invitation_by_text", kwargs={"token": token})
    assert by_text in page.content.decode()

    asked = client.post(by_text, {"display_name": "Nadia Neighbour"})
    assert (asked.status_code, asked["Location"]) == (302, by_text)
    assert "to join Dad's circle" in Delivery.objects.filter(to=NADIA).latest("id").body
    joined = client.post(by_text, {"code": last_code(NADIA)})

    nadia = User.objects.get(phone=NADIA)
    assert (nadia.email, nadia.display_name, nadia.has_usable_password()) == ("", "Nadia Neighbour", False)
    assert joined["Location"] == reverse("circles:home", kwargs={"circle_id": cast.circle.pk})
    assert client.session["_auth_user_id"] == str(nadia.pk)
    assert Membership.objects.filter(circle=cast.circle, user=nadia, role="helper").exists()
    assert Invitation.objects.get(pk=invitation.pk).accepted_by == nadia

    # Later, on another device: the number and a new code are enough.
    later = Client()
    later.post(reverse("accounts:sign_in_text"), {"phone": "07700 900321"})
    signed_in = later.post(reverse("accounts:sign_in_text_code"), {"code": last_code(NADIA)})
    assert signed_in.status_code == 302
    assert later.session["_auth_user_id"] == str(nadia.pk)
    assert later.get(reverse("accounts:profile")).status_code == 200
    assert "You sign in with a code we text to your mobile" in text_of(later.get(reverse("accounts:profile")))


def test_a_wrong_code_joins_nobody_and_says_what_to_do(cast: Cast) -> None:
    _, token = invite_by_text(cast)
    client = Client()
    by_text = reverse("circles:invitation_by_text", kwargs={"token": token})
    client.post(by_text, {"display_name": "Nadia"})
    code = last_code(NADIA)
    wrong = client.post(by_text, {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "That code isn't right, or it has run out" in text_of(wrong)
    assert not User.objects.filter(phone=NADIA).exists()


def test_the_code_of_one_invitation_does_not_open_another(cast: Cast) -> None:
    _, first = invite_by_text(cast)
    second_invitation, second = invite_by_text(cast)
    client = Client()
    client.post(reverse("circles:invitation_by_text", kwargs={"token": first}), {"display_name": "Nadia"})
    code = last_code(NADIA)
    other = Client()
    second_url = reverse("circles:invitation_by_text", kwargs={"token": second})
    other.post(second_url, {"display_name": "Someone"})
    # Only the first invitation's code is left: it must not work for the second.
    TextCode.objects.filter(subject=f"invitation:{second_invitation.pk}").delete()
    assert other.post(second_url, {"code": code}).status_code == 400


def test_only_invitations_sent_by_text_can_be_joined_by_text(cast: Cast) -> None:
    _, token = invitation_create(actor=cast.organiser, circle=cast.circle, role="helper", channel="link")
    assert token is not None
    response = Client().get(reverse("circles:invitation_by_text", kwargs={"token": token}))
    assert response.status_code == 404


def test_an_account_without_email_sees_only_its_own_invitations_and_can_be_erased(cast: Cast, as_user: Any) -> None:
    # Many invitations have no email address; an account without one must not match them all.
    invitation_create(actor=cast.organiser, circle=cast.circle, role="helper", channel="link", name="Priya")
    _, token = invite_by_text(cast)
    client = Client()
    by_text = reverse("circles:invitation_by_text", kwargs={"token": token})
    client.post(by_text, {"display_name": "Nadia"})
    client.post(by_text, {"code": last_code(NADIA)})
    nadia = User.objects.get(phone=NADIA)

    from carecircle.circles.privacy import subject_access

    rows = dict(subject_access(nadia))["circles/invitations.csv"]
    text = b"".join(rows).decode()  # type: ignore[arg-type]
    assert "Priya" not in text
    assert "Nadia" in text

    Membership.objects.filter(user=nadia).delete()
    account_erase(actor=User.objects.get(pk=nadia.pk))
    assert Invitation.objects.filter(name="Priya").exists()
    assert not TextCode.objects.filter(phone=NADIA).exists()
