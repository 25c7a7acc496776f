"""Python-side text in accounts and circles (form errors, flash messages, roles) follows the reader's language."""

from __future__ import annotations

import html
import uuid
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from carecircle.accounts.devices import device_description
from carecircle.accounts.mfa import MfaError, totp_enable, totp_new_secret
from carecircle.accounts.models import User
from carecircle.accounts.services import AccountError, user_sign_up
from carecircle.circles.closing import circle_close
from carecircle.circles.models import Invitation, InvitationChannel, Role, role_noun
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
    assert message.subject == "Mae Olivia Organiser wedi eich gwahodd i helpu gyda gofal Dad"  # ...Gwen reads Welsh.
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


def test_each_member_hears_the_circle_has_closed_in_their_own_language(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    cast.helper.language = "cy"
    cast.helper.save(update_fields=["language"])
    cast.well_wisher.language = "pl"
    cast.well_wisher.save(update_fields=["language"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        circle_close(actor=cast.organiser, circle=cast.circle, reason="moved", message="Diolch / Dziękuję / Thanks")
    [welsh] = sent_to(cast.helper.email)
    [polish] = sent_to(cast.well_wisher.email)
    [english] = sent_to(cast.paid_carer.email)
    assert welsh.subject == "Mae'r cylch o gwmpas Dad wedi cau"
    assert f"Mae {cast.organiser.display_name} wedi cau'r cylch o gwmpas Dad." in welsh.body
    assert "Diolch / Dziękuję / Thanks\n\nGallwch ddal i ddarllen popeth ynddo tan " in welsh.body
    assert polish.subject == "Krąg wokół osoby Dad został zamknięty"
    assert "Dziękujemy za całą pomoc." in polish.body
    assert english.subject == "The circle around Dad has closed"
    assert "Thank you for everything you did to help." in english.body


def test_a_new_sign_in_email_names_the_device_in_the_readers_language() -> None:
    firefox_on_windows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
    with translation.override("cy"):
        assert device_description(firefox_on_windows) == "Firefox ar Windows"
        assert device_description("curl/8.0") == "Dyfais anhysbys"
    with translation.override("pl"):
        assert device_description("Mozilla/5.0 (Linux; Android 14)") == "Przeglądarka na Android"
    with translation.override("en-gb"):
        assert device_description(firefox_on_windows) == "Firefox on Windows"


def test_a_refusal_from_the_circle_services_is_in_the_viewers_language(cast: Cast, as_user: Any) -> None:
    cast.organiser.language = "cy"
    cast.organiser.save(update_fields=["language"])
    accepted = Invitation.objects.filter(circle=cast.circle, accepted_at__isnull=False).latest("id")
    response = as_user(cast.organiser).post(reverse("circles:invitation_revoke", args=[cast.circle.pk, accepted.pk]))
    assert response.status_code == 409
    # "This invitation can't be cancelled: it has already been used."
    assert "Does dim modd canslo'r gwahoddiad hwn: mae wedi cael ei ddefnyddio yn barod." in _page(response)


def test_a_refusal_from_the_account_services_is_in_the_active_language(db: None) -> None:
    """The sign-up form catches this case first; the service's own refusal is what the API shows."""
    make_user("taken", email="taken@example.org")
    with translation.override("pl"), pytest.raises(AccountError) as refused:
        user_sign_up(email="taken@example.org", password="a long and unusual passphrase 42", display_name="Ola")
    assert str(refused.value) == "Istnieje już konto z tym adresem e-mail. Spróbuj się zalogować."


def test_a_second_factor_refusal_is_in_the_active_language(db: None) -> None:
    ann = make_user("ann_welsh")
    with translation.override("cy"), pytest.raises(MfaError) as refused:
        totp_enable(actor=ann, secret=totp_new_secret(), code="not a code")
    assert str(refused.value).startswith("Dydy'r cod hwnnw ddim yn gywir.")
