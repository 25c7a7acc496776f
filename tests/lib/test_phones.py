"""One phone validator: the profile, invitation, share-code and API fields accept and refuse the same numbers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from carecircle.accounts.forms import ProfileForm
from carecircle.accounts.models import User
from carecircle.circles.forms import InviteForm
from carecircle.circles.models import Role
from carecircle.lib.phones import phone_e164, phone_for_display, phone_is_mobile
from carecircle.lib.schemas import is_mobile, normalise_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("07700 900123", "+447700900123"),  # Ofcom's drama mobiles, which phonenumbers calls invalid
        ("+44 7700 900999", "+447700900999"),
        ("07911 123456", "+447911123456"),
        ("+353 85 123 4567", "+353851234567"),
        ("  ", ""),
    ],
)
def test_mobiles_including_ofcom_drama_numbers_are_accepted_in_e164(typed: str, stored: str) -> None:
    assert phone_e164(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("020 7946 0018", "That looks like a landline"),
        ("01632 960123", "That looks like a landline"),  # Ofcom's drama landline range
        ("07700 12", "This isn't a phone number that can be called"),
        ("07700 901123", "This isn't a phone number that can be called"),  # just outside the drama range
        ("call my mum", "Enter a mobile number"),
        ("0" * 40, "Enter a mobile number"),
    ],
)
def test_landlines_and_nonsense_are_refused_with_what_to_type(typed: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        phone_e164(typed)
    assert message in refused.value.messages[0]


def test_landlines_are_accepted_where_any_phone_will_do() -> None:
    assert phone_e164("01632 960123", mobile=False) == "+441632960123"
    assert normalise_phone("020 7946 0018") == "+442079460018"
    assert not phone_is_mobile("+442079460018")
    assert is_mobile("+447700900123")
    assert phone_for_display("+447700900123") == "+44 7700 900123"


def test_the_profile_and_invitation_forms_agree_on_a_drama_number(db) -> None:
    user = User(email="dana@example.org", display_name="Dana")
    profile = ProfileForm(
        {"display_name": "Dana", "phone": "07700 900123", "time_zone": "Europe/London", "language": "en-gb"},
        user=user,
    )
    invite = InviteForm(
        {"role": "helper", "channel": "sms", "phone": "07700 900123", "expires_in_days": "14"},
        roles=[Role.HELPER],
        person_name="Dad",
    )
    assert profile.is_valid(), profile.errors
    assert invite.is_valid(), invite.errors
    assert profile.cleaned_data["phone"] == invite.cleaned_data["phone"] == "+447700900123"
