"""Form errors, flash messages, refusals and a notification title written in code speak the reader's language.

Each was English whatever the language until tests/test_i18n.py's check of Python-side text found it
(docs/architecture/i18n.md, "Text written in code").
"""

from __future__ import annotations

import html
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.accounts.services import user_update_profile
from carecircle.circles.models import Role
from carecircle.notifications.models import Notification
from tests.cast import Cast, invite_and_join, make_user
from tests.tasks.conftest import soon

pytestmark = pytest.mark.django_db


def speak(user: User, language: str) -> None:
    user_update_profile(
        actor=user, display_name=user.display_name, phone=user.phone, time_zone=user.time_zone, language=language
    )


def page_text(response: Any) -> str:
    return html.unescape(response.content.decode())


def test_a_wrong_password_is_explained_in_welsh(cast: Cast) -> None:
    response = Client(headers={"Accept-Language": "cy"}).post(
        reverse("accounts:login"), {"email": cast.helper.email, "password": "not the password"}
    )

    assert "Dydy'r cyfeiriad e-bost neu'r cyfrinair ddim yn gywir." in page_text(response)


def _task_form(**changes: str) -> dict[str, str]:
    return {
        "title": "Zakupy",
        "category": "shopping",
        "date": soon(2).isoformat(),
        "start_time": "10:00",
        "end_time": "11:00",
        "people_needed": "1",
        "interval": "1",
        "ends": "never",
        "client_id": str(uuid.uuid4()),
        **changes,
    }


def test_a_new_task_is_confirmed_in_polish_and_a_past_date_refused_in_polish(cast: Cast, as_user: Any) -> None:
    speak(cast.organiser, "pl")
    client = as_user(cast.organiser)
    address = reverse("tasks:create", kwargs={"circle_id": cast.circle.pk})

    past = client.post(address, _task_form(date="2001-01-01"))
    created = client.post(address, _task_form(), follow=True)

    assert "Dzień 1 stycznia 2001 już minął." in page_text(past)
    assert "Zadanie „Zakupy” jest w kalendarzu. Teraz inni mogą się zgłosić." in page_text(created)


def test_an_organiser_is_told_of_a_new_member_in_their_own_language(cast: Cast) -> None:
    speak(cast.organiser, "cy")
    newcomer = make_user("newcomer", display_name="Nia")

    invite_and_join(inviter=cast.organiser, circle=cast.circle, user=newcomer, role=Role.HELPER)

    titles = set(Notification.objects.filter(recipient=cast.organiser).values_list("title", flat=True))
    assert "Ymunodd Nia â'r cylch i helpu Dad" in titles
