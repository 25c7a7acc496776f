"""Every text message accounts and circles send stays within its segment budget in English, Welsh and Polish.

Polish letters (ą ę ł ó ś ż ź ć ń) and Welsh ones (â ŵ ŷ) make a whole text UCS-2: 70 units in one
segment, 67 in each when split, against GSM-7's 160/153. The budgets (docs/architecture/i18n.md):
a sign-in code in one segment; a code to join a circle in two with a name of up to 30 characters;
an invitation in two in GSM-7 and three in UCS-2 with a link from a 30-character site address.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from carecircle.accounts.models import User
from carecircle.accounts.services import user_create_by_text
from carecircle.accounts.text_codes import join_code_text, sign_in_code_text
from carecircle.circles.services import invitation_create
from carecircle.notifications.models import Delivery
from carecircle.notifications.sms_text import encoding_of, segments
from tests.cast import Cast

LANGUAGES = ("en-gb", "cy", "pl")
# Thirty characters, with letters outside GSM-7, so the text is UCS-2 in every language.
LONG_NAME = "Siân Llŷr-Łukasiewicz Ó Ceallá"
SITE = "https://carecircle.example.org"


def _texts_to(phone: str) -> list[str]:
    return list(Delivery.objects.filter(channel="sms", to=phone).order_by("id").values_list("body", flat=True))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_sign_in_code_fits_in_one_segment(language: str, settings: Any) -> None:
    settings.TEXT_CODE_MINUTES = 10
    with translation.override(language):
        text = sign_in_code_text(code="123456")
    assert "123456" in text
    assert segments(text) == 1, (len(text), encoding_of(text), text)


def test_the_polish_sign_in_code_is_ucs2_so_its_budget_is_the_strict_one() -> None:
    with translation.override("pl"):
        assert encoding_of(sign_in_code_text(code="123456")) == "UCS-2"
    with translation.override("cy"):
        # Welsh is worded without â ŵ ŷ, so it stays GSM-7 and has room to spare.
        assert encoding_of(sign_in_code_text(code="123456")) == "GSM-7"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_code_to_join_a_circle_fits_in_two_segments_even_with_a_long_name(language: str) -> None:
    assert len(LONG_NAME) == 30
    with translation.override(language):
        text = join_code_text(code="123456", person_name=LONG_NAME)
        short = join_code_text(code="123456", person_name="Dad")
    assert LONG_NAME in text
    assert encoding_of(text) == "UCS-2"
    assert segments(text) <= 2, (len(text), text)
    assert segments(short) <= 2


@pytest.mark.parametrize(("language", "most"), [("en-gb", 2), ("cy", 2), ("pl", 3)])
def test_an_invitation_by_text_fits_its_budget(language: str, most: int, cast: Cast, settings: Any) -> None:
    settings.SITE_URL = SITE
    cast.organiser.language = language
    cast.organiser.save(update_fields=["language"])
    invitation, _ = invitation_create(
        actor=cast.organiser, circle=cast.circle, role="helper", channel="sms", phone="+447700900432", name="Nadia"
    )
    text = Delivery.objects.get(idempotency_key=f"invitation:{invitation.pk}").body
    assert re.search(rf"{SITE}/join/[^/\s]+/", text), text
    assert segments(text) <= most, (segments(text), encoding_of(text), text)


def test_a_sign_in_code_goes_out_in_the_account_holders_language(db: Any) -> None:
    holder = user_create_by_text(phone="+447700900777", display_name="Gwen")
    holder.language = "cy"
    holder.save(update_fields=["language"])
    client = Client()
    client.cookies["carecircle_language"] = "pl"  # The page is Polish; the text follows the account.
    client.post(reverse("accounts:sign_in_text"), {"phone": "+447700900777"})
    [text] = _texts_to("+447700900777")
    assert re.match(r"\d{6} yw eich cod CareCircle i fewngofnodi\.", text), text


def test_a_code_to_join_goes_out_in_the_language_of_the_joining_page(cast: Cast) -> None:
    invitation, _ = invitation_create(
        actor=cast.organiser, circle=cast.circle, role="helper", channel="sms", phone="+447700900888", name="Ola"
    )
    link = Delivery.objects.get(idempotency_key=f"invitation:{invitation.pk}").body
    found = re.search(r"/join/([^/\s]+)/", link)
    assert found, link
    client = Client()
    client.cookies["carecircle_language"] = "pl"
    by_text = reverse("circles:invitation_by_text", kwargs={"token": found.group(1)})
    client.post(by_text, {"display_name": "Ola"})
    text = _texts_to("+447700900888")[-1]
    assert text.startswith(f"Kod CareCircle, by dołączyć do kręgu osoby {cast.circle.person_name}: "), text
    assert not User.objects.filter(phone="+447700900888").exists()
