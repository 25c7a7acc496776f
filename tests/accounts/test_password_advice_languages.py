"""Password refusals and advice in Welsh and Polish: Django's validators (which Django leaves in English
for Welsh) and zxcvbn's advice (English only). docs/architecture/i18n.md, "Password advice".
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.accounts.passwords import ZXCVBN_FEEDBACK
from carecircle.web.catalogs import TRANSLATED_LANGUAGES
from tests.accounts.helpers import page_text
from tests.web.test_error_pages_languages import speak

SIGNUP = reverse("accounts:signup")
CHANGE = reverse("accounts:password_change")


def sign_up(language: str, password: str, capture: Any) -> str:
    client = Client(headers={"Accept-Language": language})
    with capture(execute=True):
        response = client.post(
            SIGNUP, {"display_name": "Dana Daughter", "email": "dana@example.org", "password": password}
        )
    assert response.status_code == 400
    assert not User.objects.exists()
    return page_text(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "password", "expected"),
    [
        # Django's MinimumLengthValidator and zxcvbn's warning and suggestion.
        ("cy", "harbour", "Mae'r cyfrinair hwn yn rhy fyr. Rhaid iddo gynnwys o leiaf 10 nod."),
        ("cy", "harbour", "Mae un gair ar ei ben ei hun yn hawdd ei ddyfalu. Ychwanegwch air neu ddau arall."),
        ("pl", "harbour", "To hasło jest za krótkie. Musi mieć co najmniej 10 znaków."),
        ("pl", "harbour", "Jedno słowo samo w sobie łatwo odgadnąć. Dodaj jeszcze jedno lub dwa słowa."),
        # CommonPasswordValidator and NumericPasswordValidator.
        ("cy", "1234567890123", "Mae'r cyfrinair hwn yn rhy gyffredin."),
        ("cy", "1234567890123", "Dim ond rhifau sydd yn y cyfrinair hwn."),
        ("pl", "1234567890123", "To hasło jest zbyt popularne."),
        ("pl", "1234567890123", "To hasło składa się wyłącznie z cyfr."),
        # UserAttributeSimilarityValidator: one whole sentence, no field name pasted in.
        ("cy", "dana@example.org", "Mae'r cyfrinair hwn yn rhy debyg i'ch enw neu'ch cyfeiriad e-bost."),
        ("pl", "dana@example.org", "To hasło jest zbyt podobne do Twojego imienia lub adresu e-mail."),
    ],
)
def test_sign_up_refuses_a_weak_password_in_the_readers_language(
    language: str, password: str, expected: str, django_capture_on_commit_callbacks: Any
) -> None:
    text = sign_up(language, password, django_capture_on_commit_callbacks)

    assert expected in text
    for english in ("This password", "easy to guess", "Add another word", "too similar"):
        assert english not in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("cy", "Mae enwau a chyfenwau cyffredin yn hawdd eu dyfalu."),
        ("pl", "Popularne imiona i nazwiska łatwo odgadnąć."),
        ("en-gb", "Common names and surnames are easy to guess."),
    ],
)
def test_the_password_change_page_gives_advice_in_the_members_language(
    as_user: Any, dana: User, language: str, expected: str
) -> None:
    dana.set_password("quiet-harbour-lantern-42")
    dana.save(update_fields=["password"])
    speak(dana, language)

    response = as_user(dana).post(
        CHANGE,
        {
            "old_password": "quiet-harbour-lantern-42",
            "new_password1": "Jennifer1990!",
            "new_password2": "Jennifer1990!",
        },
    )

    assert response.status_code == 400
    assert expected in page_text(response)


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_every_sentence_of_zxcvbns_advice_is_translated(language: str) -> None:
    from django.utils import translation

    with translation.override(language):
        untranslated = [sentence for sentence in ZXCVBN_FEEDBACK if translation.gettext(sentence) == sentence]

    assert untranslated == []


def test_the_advice_list_matches_what_zxcvbn_says() -> None:
    """A zxcvbn upgrade that rewords its advice fails here, rather than showing English to Welsh readers."""
    import ast
    import inspect

    from zxcvbn import feedback

    said = {
        node.args[0].value
        for node in ast.walk(ast.parse(inspect.getsource(feedback)))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"
        if isinstance(node.args[0], ast.Constant)
    }

    assert said == set(ZXCVBN_FEEDBACK)
