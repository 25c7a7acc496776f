"""The API's error words follow the request's language; fields, codes and statuses never do (issue 13).

docs/architecture/i18n.md, "The API's errors": Accept-Language first, then a token owner's saved
language, or a signed-in member's profile language for a session, else English.
"""

from __future__ import annotations

import pytest
from django.test import Client

from carecircle.accounts.models import User
from carecircle.accounts.services import api_token_create, user_update_profile

API = "/api/v1"


def token_client(user: User, *, language: str | None = None, read_only: bool = False) -> Client:
    _, secret = api_token_create(actor=user, name="Tests", read_only=read_only)
    headers = {"Authorization": f"Bearer {secret}"}
    if language is not None:
        headers["Accept-Language"] = language
    return Client(headers=headers)


def save_language(user: User, language: str) -> None:
    user_update_profile(
        actor=user, display_name=user.display_name, phone=user.phone, time_zone=user.time_zone, language=language
    )


@pytest.mark.parametrize(
    ("language", "invalid", "too_long", "empty"),
    [
        (
            "cy",
            "Dydy peth o'r hyn a anfonoch chi ddim yn ddilys. Mae pob problem wedi'i rhestru yn errors.",
            "Defnyddiwch 80 nod ar y mwyaf.",
            "Does dim modd i hwn fod yn wag.",
        ),
        (
            "pl",
            "Część wysłanych danych jest niepoprawna. Każdy problem jest wymieniony w errors.",
            "Użyj najwyżej 80 znaków.",
            "To nie może być puste.",
        ),
    ],
)
def test_field_errors_are_in_the_requests_language_with_the_same_field_names(
    helper, language, invalid, too_long, empty
):
    client = token_client(helper, language=language)

    long = client.post(f"{API}/circles", {"person_name": "x" * 81}, content_type="application/json")
    blank = client.post(f"{API}/circles", {"person_name": " "}, content_type="application/json")

    assert long.status_code == 422
    assert long.json() == {"detail": invalid, "errors": [{"field": "person_name", "message": too_long}]}
    assert blank.json()["errors"] == [{"field": "person_name", "message": empty}]
    assert long["Content-Language"] == language


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("cy", "Dewiswch un o'r rhain: 'person', 'organiser', "),
        ("pl", "Wybierz jedną z wartości: 'person', 'organiser', "),
    ],
)
def test_the_choices_stay_as_codes_joined_in_the_requests_words(organiser, helper, circle, language, expected):
    member = circle.memberships.get(user=helper)

    response = token_client(organiser, language=language).patch(
        f"{API}/circles/{circle.pk}/members/{member.pk}", {"role": "boss"}, content_type="application/json"
    )

    [error] = response.json()["errors"]
    assert error["field"] == "role"
    assert error["message"].startswith(expected)
    assert error["message"].endswith({"cy": " neu 'well_wisher'.", "pl": " lub 'well_wisher'."}[language])


@pytest.mark.parametrize(
    ("language", "required", "not_found"),
    [("cy", "Mae angen y maes hwn.", "Heb ei ganfod."), ("pl", "To pole jest wymagane.", "Nie znaleziono.")],
)
def test_a_missing_field_and_a_missing_thing_are_said_in_the_requests_language(
    helper, outsider, circle, language, required, not_found
):
    missing = token_client(helper, language=language).post(f"{API}/circles", {}, content_type="application/json")
    hidden = token_client(outsider, language=language).get(f"{API}/circles/{circle.pk}")

    assert missing.json()["errors"] == [{"field": "person_name", "message": required}]
    assert hidden.status_code == 404
    assert hidden.json() == {"detail": not_found}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("cy", "Tynnwch y nod null o “testun”: does dim modd i destun ei gynnwys."),
        ("pl", "Usuń znak null z pola „tekst”: tekst nie może go zawierać."),
    ],
)
def test_a_refusal_from_the_shared_text_checks_is_translated(helper, language, message):
    response = token_client(helper, language=language).post(
        f"{API}/circles", {"person_name": "Gr\x00an"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "person_name", "message": message}]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("cy", "Dim ond darllen y gall y tocyn API hwn. Gwnewch docyn sy'n cael newid pethau i wneud hyn."),
        ("pl", "Ten token API może tylko odczytywać. Aby to zrobić, utwórz token, który może wprowadzać zmiany."),
    ],
)
def test_a_token_refusal_keeps_its_code_in_every_language(organiser, circle, language, message):
    response = token_client(organiser, language=language, read_only=True).patch(
        f"{API}/circles/{circle.pk}", {"person_name": "Mum"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": message, "code": "token_read_only"}


def test_a_token_without_accept_language_answers_in_its_owners_saved_language(helper):
    save_language(helper, "pl")

    response = token_client(helper).post(f"{API}/circles", {"person_name": "x" * 81}, content_type="application/json")

    assert response.json()["errors"] == [{"field": "person_name", "message": "Użyj najwyżej 80 znaków."}]


def test_accept_language_beats_a_token_owners_saved_language(helper):
    save_language(helper, "pl")

    response = token_client(helper, language="cy").post(
        f"{API}/circles", {"person_name": "x" * 81}, content_type="application/json"
    )

    assert response.json()["errors"] == [{"field": "person_name", "message": "Defnyddiwch 80 nod ar y mwyaf."}]


def test_a_session_answers_in_the_members_profile_language(helper):
    save_language(helper, "cy")
    client = Client(headers={"Accept-Language": "pl"})
    client.force_login(helper)

    response = client.get(f"{API}/circles/999999")

    assert response.json() == {"detail": "Heb ei ganfod."}


def test_without_any_language_the_api_answers_in_english(helper):
    response = token_client(helper).post(f"{API}/circles", {"person_name": "x" * 81}, content_type="application/json")

    assert response.json()["errors"] == [{"field": "person_name", "message": "Use at most 80 characters."}]


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("cy", "Dydy'r cyfeiriad hwn ddim yn derbyn DELETE. Mae'n derbyn GET a POST."),
        ("pl", "Ten adres nie przyjmuje DELETE. Przyjmuje GET i POST."),
    ],
)
def test_a_wrong_method_is_answered_in_the_requests_language(helper, language, detail):
    response = token_client(helper, language=language).delete(f"{API}/circles")

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert response.json() == {"detail": detail}


@pytest.mark.parametrize(
    ("language", "start"),
    [("cy", "Gormod o geisiadau. Arhoswch "), ("pl", "Za dużo żądań. Poczekaj ")],
)
def test_the_rate_limit_refusal_is_translated_and_keeps_its_code(settings, language, start):
    settings.API_RATE_LIMIT_PER_ADDRESS = 1
    client = Client(headers={"Accept-Language": language})
    client.get(f"{API}/me")

    response = client.get(f"{API}/me")

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert response.json()["detail"].startswith(start)


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("cy", "Mewngofnodwch, neu anfonwch docyn API personol yn y pennawd Authorization fel 'Bearer <token>'."),
        ("pl", "Zaloguj się albo wyślij osobisty token API w nagłówku Authorization jako 'Bearer <token>'."),
    ],
)
def test_signing_in_is_asked_for_in_the_requests_language(db, language, detail):
    response = Client(headers={"Accept-Language": language}).get(f"{API}/me")

    assert response.status_code == 401
    assert response.json() == {"detail": detail}


@pytest.mark.parametrize(
    ("language", "too_early", "unknown_zone"),
    [
        (
            "cy",
            "Rhaid i'r dyddiad fod rhwng 1900 a 2199. Gwiriwch y flwyddyn.",
            'Dydyn ni ddim yn adnabod y gylchfa amser "Mars/Olympus". Dewiswch un fel Europe/London.',
        ),
        (
            "pl",
            "Data musi być między 1900 a 2199 rokiem. Sprawdź rok.",
            'Nie znamy strefy czasowej "Mars/Olympus". Wybierz na przykład Europe/Warsaw lub Europe/London.',
        ),
    ],
)
def test_a_date_out_of_range_and_an_unknown_time_zone_are_refused_in_the_requests_language(
    organiser, circle, language, too_early, unknown_zone
):
    client = token_client(organiser, language=language)
    task = {"title": "Lift to hospital", "date": "2030-05-01", "start_time": "10:30:00"}

    early = client.post(
        f"{API}/circles/{circle.pk}/tasks", {**task, "date": "1800-01-01"}, content_type="application/json"
    )
    zone = client.post(
        f"{API}/circles/{circle.pk}/tasks", {**task, "time_zone": "Mars/Olympus"}, content_type="application/json"
    )

    assert early.status_code == 422
    assert early.json()["errors"] == [{"field": "date", "message": too_early}]
    assert zone.status_code == 400
    assert zone.json() == {"detail": unknown_zone}
