"""Which language a page is in: the member's choice, else the switcher's cookie, else Accept-Language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client

from carecircle.accounts.models import User
from tests.cast import Cast

WELSH_SKIP_LINK = "Neidio i'r prif gynnwys"
POLISH_SKIP_LINK = "Przejdź do treści głównej"


def page(client: Client, path: str = "/account/sign-in/", **headers: str) -> str:
    response = client.get(path, headers=headers, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_a_visitor_gets_the_first_language_their_browser_asks_for_that_carecircle_speaks(db: None) -> None:
    html = page(Client(), accept_language="de;q=1, cy;q=0.8, en;q=0.5")
    assert '<html lang="cy">' in html
    assert WELSH_SKIP_LINK in html


def test_a_visitor_whose_browser_asks_for_nothing_known_gets_british_english(db: None) -> None:
    html = page(Client(), accept_language="de, fr")
    assert '<html lang="en-gb">' in html
    assert "Skip to main content" in html


def test_the_switcher_works_without_javascript_and_beats_the_browser(db: None) -> None:
    client = Client()
    html = page(client, accept_language="cy")
    assert 'name="language" value="pl" lang="pl"' in html  # a plain form button, named in its own language
    response = client.post("/language/", {"language": "pl", "next": "/account/sign-in/"})
    assert response.status_code == 302
    assert response["Location"] == "/account/sign-in/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pl"
    html = page(client, accept_language="cy")
    assert '<html lang="pl">' in html
    assert POLISH_SKIP_LINK in html
    assert 'aria-current="true">Polski</strong>' in html


def test_the_switcher_refuses_a_language_it_does_not_offer(db: None) -> None:
    response = Client().post("/language/", {"language": "de", "next": "/"})
    assert response.status_code == 400
    assert b"Choose a language from the list" in response.content


def test_the_switcher_only_sends_people_back_to_this_site(db: None) -> None:
    for target in ("https://example.com/", "//example.com/", "javascript:alert(1)", ""):
        response = Client().post("/language/", {"language": "cy", "next": target})
        assert response["Location"] == "/"


def test_a_members_chosen_language_beats_the_cookie_and_the_browser(cast: Cast, as_user: Any) -> None:
    organiser: User = cast.user("organiser")
    organiser.language = "cy"
    organiser.save(update_fields=["language"])
    client = as_user(organiser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "pl"
    response = client.get("/circles/", headers={"accept-language": "pl"})
    assert response["Content-Language"] == "cy"
    assert '<html lang="cy">' in response.content.decode()


def test_a_member_switching_language_saves_it_on_their_profile(cast: Cast, as_user: Any) -> None:
    helper: User = cast.user("helper")
    response = as_user(helper).post("/language/", {"language": "pl", "next": "/circles/"})
    assert response.status_code == 302
    helper.refresh_from_db()
    assert helper.language == "pl"


def test_someone_who_signs_up_in_welsh_keeps_welsh(db: None) -> None:
    client = Client()
    response = client.post(
        "/account/create/",
        {"display_name": "Siân", "email": "sian@example.com", "password": "a long and unusual passphrase 42"},
        headers={"accept-language": "cy"},
    )
    assert response.status_code == 302
    assert User.objects.get(email="sian@example.com").language == "cy"


def test_every_language_is_named_in_its_own_language_whatever_the_page_is_in(db: None) -> None:
    """Someone who picked a language they don't read by mistake still finds theirs (Django translates names)."""
    for shown_in in ("cy", "pl"):
        client = Client()
        client.post("/language/", {"language": shown_in, "next": "/account/sign-in/"})
        html = page(client)
        assert f'<html lang="{shown_in}">' in html
        for code, name in settings.LANGUAGES:
            if code != shown_in:
                button = f'value="{code}" lang="{code}" class="link-button" aria-describedby="language-label">{name}<'
                assert button in html
        for translated in ("angielski", "walijski", "Saesneg", "Pwyleg"):
            assert f">{translated}<" not in html
