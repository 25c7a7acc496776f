"""Python-side text in accounts and circles (form errors, flash messages, roles) follows the reader's language."""

from __future__ import annotations

import html
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import translation

from carecircle.circles.models import Role, role_noun
from tests.cast import make_user


def _page(response: Any) -> str:
    return html.unescape(response.content.decode())


def test_a_form_error_comes_out_in_welsh_for_someone_who_chose_welsh(db) -> None:
    client = Client()
    client.cookies["carecircle_language"] = "cy"
    response = client.post(reverse("accounts:signup"), {"display_name": " ", "email": "nonsense", "password": ""})
    page = _page(response)
    assert response.status_code == 400
    assert "Rhowch eich enw." in page  # "Enter your name."
    assert "Rhowch gyfeiriad e-bost yn y fformat cywir, fel enw@example.com." in page
    assert "Enter your name." not in page


def test_a_flash_message_comes_out_in_the_members_language(db) -> None:
    welsh = make_user("gwen", email="gwen@example.org", display_name="Gwen")
    welsh.language = "cy"
    welsh.save(update_fields=["language"])
    client = Client()
    client.force_login(welsh)
    page = _page(client.post(reverse("accounts:sessions_sign_out_others"), follow=True))
    assert "Nid oeddech wedi mewngofnodi yn unman arall." in page  # "You weren't signed in anywhere else."
    assert "You weren't signed in anywhere else." not in page


def test_roles_are_named_in_the_active_language() -> None:
    with translation.override("pl"):
        assert (str(Role.HELPER.label), role_noun(Role.ORGANISER)) == ("Pomocnik", "organizator")
    with translation.override("cy"):
        assert str(Role.WELL_WISHER.label) == "Cefnogwr"
    with translation.override("en-gb"):
        assert (str(Role.HELPER.label), role_noun(Role.ORGANISER)) == ("Helper", "an organiser")
