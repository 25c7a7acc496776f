"""Refusals before and around the pages speak the reader's language: 403, 404, a NUL in the address.

docs/architecture/i18n.md, "Refusal pages and the hostile-input answer".
"""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.accounts.services import user_update_profile
from carecircle.circles.models import Role
from carecircle.circles.services import circle_create
from tests.api.test_error_languages import token_client
from tests.cast import Cast, invite_and_join, make_user
from tests.circles.conftest import text_of


def speak(user: User, language: str) -> None:
    user_update_profile(
        actor=user, display_name=user.display_name, phone=user.phone, time_zone=user.time_zone, language=language
    )


@pytest.mark.django_db
def test_the_403_page_names_the_person_who_decides_in_welsh(cast: Cast, as_user: Any) -> None:
    speak(cast.helper, "cy")

    page = as_user(cast.helper).get(reverse("circles:invite", args=[cast.circle.pk]))

    assert page.status_code == 403
    text = text_of(page)
    assert "Allwch chi ddim gwneud hynny yn y cylch hwn" in text
    assert "Dad sy'n penderfynu beth mae pob rôl yn y cylch hwn yn gallu ei weld a'i wneud." in text
    assert "decides" not in text


@pytest.mark.django_db
def test_the_403_page_lists_the_organisers_in_polish(as_user: Any) -> None:
    organiser = make_user("ann", display_name="Ann")
    circle = circle_create(actor=organiser, person_name="Mama")
    for name in ("Bob", "Cy", "Dee"):
        invite_and_join(
            inviter=organiser, circle=circle, user=make_user(name.lower(), display_name=name), role=Role.ORGANISER
        )
    helper = make_user("eve", display_name="Eve")
    invite_and_join(inviter=organiser, circle=circle, user=helper, role=Role.HELPER)
    speak(helper, "pl")

    page = as_user(helper).get(reverse("circles:invite", args=[circle.pk]))

    assert page.status_code == 403
    assert "Organizatorzy (Ann, Bob, Cy i pozostali organizatorzy) decydują" in text_of(page)


@pytest.mark.django_db
def test_an_api_refusal_is_in_the_requests_language(cast: Cast) -> None:
    response = token_client(cast.well_wisher, language="pl").post(
        f"/api/v1/circles/{cast.circle.pk}/tasks",
        {"title": "Obiad", "date": "2030-01-02"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response.json()["detail"].startswith("Twoja rola w tym kręgu na to nie pozwala")


@pytest.mark.django_db
def test_a_missing_page_is_said_in_the_browsers_language() -> None:
    page = Client(headers={"Accept-Language": "cy"}).get("/no-such-page/")

    assert page.status_code == 404
    assert "Heb ddod o hyd i'r dudalen" in html.unescape(page.content.decode())


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("pl", "Ten adres zawiera znak null (%00). Usuń go i spróbuj ponownie."),
        ("cy", "Mae'r cyfeiriad hwn yn cynnwys nod null (%00). Tynnwch ef a rhowch gynnig arall arni."),
        ("en-gb", "This address contains a null character (%00). Remove it and try again."),
    ],
)
def test_a_null_character_in_the_address_is_refused_in_the_requests_language(language: str, expected: str) -> None:
    client = Client(headers={"Accept-Language": language})

    page = client.get("/circles/", {"q": "a\x00b"})
    api = client.get("/api/v1/circles", {"q": "a\x00b"})

    assert page.status_code == 400
    assert page.content.decode() == expected
    assert api.status_code == 422
    assert api.json() == {"detail": expected, "errors": [{"field": "query", "message": expected}]}
