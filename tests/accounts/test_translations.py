"""Python-side text in accounts and circles (form errors, flash messages, roles) follows the reader's language."""

from __future__ import annotations

import html
import uuid
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import translation

from carecircle.accounts.models import User
from carecircle.circles.models import InvitationChannel, Role, role_noun
from tests.accounts.helpers import sent_to
from tests.cast import Cast, make_user


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


def _welsh_user(name: str, email: str) -> User:
    user = make_user(name, email=email, display_name=name.title())
    user.language = "cy"
    user.save(update_fields=["language"])
    return user


def test_a_password_reset_email_is_written_in_the_accounts_language_not_the_pages(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    _welsh_user("gwen", "gwen@example.org")
    english_page = Client(headers={"accept-language": "en-GB"})
    with django_capture_on_commit_callbacks(execute=True):
        english_page.post(reverse("accounts:password_reset"), {"email": "gwen@example.org"})
    [message] = sent_to("gwen@example.org")
    assert message.subject == "Ailosod eich cyfrinair CareCircle"
    assert message.body.startswith("Helo Gwen,\n\nGofynnodd rhywun am ailosod y cyfrinair")
    assert "Mae'r ddolen yn gweithio unwaith, am 3 awr." in message.body  # The duration is in Welsh too.
    assert "Hello" not in message.body


def test_an_invitation_to_someone_with_a_welsh_account_is_written_in_welsh(
    cast: Cast, as_user: Any, organiser: User, django_capture_on_commit_callbacks: Any
) -> None:
    _welsh_user("gwen", "gwen@example.org")
    form = {
        "role": Role.HELPER,
        "name": "Gwen",
        "relationship": "neighbour",
        "channel": InvitationChannel.EMAIL,
        "email": "gwen@example.org",
        "expires_in_days": "14",
        "client_id": str(uuid.uuid4()),
    }
    with django_capture_on_commit_callbacks(execute=True):
        page = _page(as_user(organiser).post(reverse("circles:invite", args=[cast.circle.pk]), form, follow=True))
    assert "We're sending an email to gwen@example.org." in page  # The organiser reads English...
    [message] = sent_to("gwen@example.org")
    assert message.subject == "Mae Olivia Organiser wedi eich gwahodd i helpu i ofalu am Dad"  # ...Gwen reads Welsh.
    assert "Mae CareCircle yn wefan breifat am ddim" in message.body
    assert "fel helpwr." in message.body


def test_an_invitation_to_someone_new_is_written_in_the_inviters_language(
    cast: Cast, as_user: Any, organiser: User, django_capture_on_commit_callbacks: Any
) -> None:
    organiser.language = "pl"
    organiser.save(update_fields=["language"])
    form = {
        "role": Role.HELPER,
        "channel": InvitationChannel.EMAIL,
        "email": "nowy@example.org",
        "expires_in_days": "14",
        "client_id": str(uuid.uuid4()),
    }
    with django_capture_on_commit_callbacks(execute=True):
        as_user(organiser).post(reverse("circles:invite", args=[cast.circle.pk]), form)
    [message] = sent_to("nowy@example.org")
    assert message.body.startswith("Dzień dobry,\n\n")
    assert "jako pomocnik." in message.body
