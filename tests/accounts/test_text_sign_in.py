"""Signing in with a code sent by text: for accounts without an email address (accounts/text_codes.py)."""

from __future__ import annotations

import datetime
import re
from functools import partial
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.models import TextCode, User
from carecircle.accounts.services import user_create_by_text
from carecircle.notifications.models import Delivery
from tests.accounts.helpers import page_text
from tests.bursts import at_once

ASK = reverse("accounts:sign_in_text")
ENTER = reverse("accounts:sign_in_text_code")
MOBILE = "+447700900123"
NOBODY = "+447700900555"


@pytest.fixture
def neighbour(db: Any) -> User:
    return user_create_by_text(phone=MOBILE, display_name="Nadia Neighbour")


def texts_to(phone: str) -> list[str]:
    return list(Delivery.objects.filter(channel="sms", to=phone).order_by("id").values_list("body", flat=True))


def code_in(body: str) -> str:
    found = re.match(r"(\d{6}) is your CareCircle code", body)
    assert found, body
    return found.group(1)


def ask(client: Client, phone: str, **extra: Any) -> Any:
    return client.post(ASK, {"phone": phone}, **extra)


def test_a_right_code_signs_in_once_and_only_a_hash_is_kept(client: Client, neighbour: User) -> None:
    asked = ask(client, "07700 900123")
    assert (asked.status_code, asked["Location"]) == (302, ENTER)
    code = code_in(texts_to(MOBILE)[-1])
    assert not TextCode.objects.filter(code_hash__contains=code).exists()

    signed_in = client.post(ENTER, {"code": f"{code[:3]} {code[3:]}"})

    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(neighbour.pk)
    again = Client()
    ask(again, MOBILE)
    assert again.post(ENTER, {"code": code}).status_code == 400  # the newest code is a new one; the old is used


def test_a_number_with_an_account_and_one_without_get_the_same_answer(neighbour: User) -> None:
    known, unknown = Client(), Client()
    first, second = ask(known, MOBILE), ask(unknown, NOBODY)
    assert (first.status_code, first["Location"]) == (second.status_code, second["Location"])
    known_page = page_text(known.get(ENTER)).replace("+44 7700 900123", "NUMBER")
    unknown_page = page_text(unknown.get(ENTER)).replace("+44 7700 900555", "NUMBER")
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|nonce="[^"]+"')
    assert strip.sub("", known_page) == strip.sub("", unknown_page)
    wrong_known = known.post(ENTER, {"code": "000000"})
    wrong_unknown = unknown.post(ENTER, {"code": "000000"})
    assert wrong_known.status_code == wrong_unknown.status_code == 400
    assert "That code isn't right, or it has run out" in page_text(wrong_unknown)
    assert len(texts_to(MOBILE)) == 1
    assert texts_to(NOBODY) == []


def test_an_account_with_an_email_address_signs_in_with_its_password_not_a_text(db: Any) -> None:
    from tests.cast import make_user

    dana = make_user("dana")
    User.objects.filter(pk=dana.pk).update(phone=MOBILE)
    assert ask(Client(), MOBILE).status_code == 302
    assert texts_to(MOBILE) == []


def test_a_code_runs_out_after_ten_minutes(client: Client, neighbour: User) -> None:
    ask(client, MOBILE)
    code = code_in(texts_to(MOBILE)[-1])
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=10, seconds=1)):
        late = client.post(ENTER, {"code": code})
    assert late.status_code == 400
    assert "_auth_user_id" not in client.session


def test_a_code_gets_five_tries_then_even_the_right_one_fails(client: Client, neighbour: User) -> None:
    ask(client, MOBILE)
    code = code_in(texts_to(MOBILE)[-1])
    wrong = "111111" if code != "111111" else "222222"
    for _ in range(5):
        assert client.post(ENTER, {"code": wrong}).status_code == 400
    assert client.post(ENTER, {"code": code}).status_code == 400
    assert "_auth_user_id" not in client.session


def test_letters_or_too_few_digits_are_explained(client: Client, neighbour: User) -> None:
    ask(client, MOBILE)
    response = client.post(ENTER, {"code": "12a"})
    assert response.status_code == 400
    assert "Enter the 6 digits from the text" in page_text(response)
    assert TextCode.objects.get().attempts == 0


def test_a_landline_or_nonsense_is_refused_with_what_to_type(client: Client, db: Any) -> None:
    landline = ask(client, "020 7946 0018")
    assert landline.status_code == 400
    assert "That looks like a landline" in page_text(landline)
    assert "Enter a mobile number" in page_text(ask(client, "my phone"))


def test_more_than_three_codes_an_hour_for_one_number_are_refused(settings: Any, neighbour: User) -> None:
    settings.TEXT_CODES_PER_NUMBER_PER_HOUR = 3
    answers = [ask(Client(REMOTE_ADDR=f"192.0.2.{n}"), MOBILE) for n in range(5)]
    assert [answer.status_code for answer in answers] == [302, 302, 302, 429, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    assert "Too many codes asked for" in page_text(answers[-1])
    assert len(texts_to(MOBILE)) == 3


def test_one_address_asking_for_many_numbers_is_refused(settings: Any, db: Any) -> None:
    settings.TEXT_CODES_PER_ADDRESS_PER_HOUR = 2
    client = Client(REMOTE_ADDR="198.51.100.7")
    statuses = [ask(client, f"+44770090010{n}").status_code for n in range(4)]
    assert statuses == [302, 302, 429, 429]


def test_no_code_page_without_asking_first(client: Client, db: Any) -> None:
    assert client.get(ENTER)["Location"] == ASK


def test_a_password_sign_in_can_never_match_an_account_without_an_email(neighbour: User) -> None:
    from django.contrib.auth import authenticate

    assert authenticate(None, email="", password="anything") is None
    assert authenticate(None, username=" ", password="anything") is None


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_requests_for_one_number_sends_exactly_the_limit(settings: Any) -> None:
    settings.TEXT_CODES_PER_NUMBER_PER_HOUR = 3
    settings.TEXT_CODES_PER_ADDRESS_PER_HOUR = 1000
    user_create_by_text(phone=MOBILE, display_name="Nadia Neighbour")
    count = 12
    clients = [Client(REMOTE_ADDR=f"203.0.113.{index + 1}") for index in range(count)]

    responses = at_once([partial(ask, client, MOBILE) for client in clients], timeout=120)
    statuses = [response.status_code for response in responses]

    assert sorted(statuses) == [302] * 3 + [429] * (count - 3)
    assert TextCode.objects.count() == 3
    assert len(texts_to(MOBILE)) == 3
