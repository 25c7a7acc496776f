"""Organisations' pages and emails in Welsh and Polish: staff in their own language, emails in the recipient's."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import translation

from carecircle.accounts.models import User
from carecircle.notifications.models import Delivery
from carecircle.orgs.referral_services import referral_move
from tests.orgs.conftest import Org, make_referral, quick_user, text


def _speaks(user: User, language: str) -> User:
    user.language = language
    user.save(update_fields=["language"])
    return user


def test_a_welsh_speaking_coordinator_sees_the_referral_list_in_welsh(org: Org, as_user: Any) -> None:
    make_referral(org.organisation)
    client = as_user(_speaks(org.coordinator, "cy"))
    page = text(client.get(reverse("orgs:referrals", kwargs={"organisation_id": org.organisation.pk})))
    assert "Atgyfeiriadau, y mwyaf newydd yn gyntaf" in page  # "Referrals, newest first"
    assert "1 atgyfeiriad." in page  # the count, through ngettext
    assert "<td>Newydd" in page  # the state "New", from the model's choices
    assert "Dod o hyd i gymorth lleol" in page  # the organisation's menu
    assert "Referrals, newest first" not in page
    assert "Find local support" not in page


def test_a_flash_message_and_a_referral_page_follow_the_coordinators_language(org: Org, as_user: Any) -> None:
    referral = make_referral(org.organisation)
    client = as_user(_speaks(org.coordinator, "pl"))
    address = reverse("orgs:referral_note", kwargs={"organisation_id": org.organisation.pk, "referral_id": referral.pk})
    page = text(client.post(address, {"text": "Zadzwonię jutro."}, follow=True))
    assert "Dodano notatkę." in page  # "Note added."
    assert "Notatki i historia" in page  # "Notes and history"
    assert "Note added." not in page


def test_the_public_referral_form_speaks_the_visitors_language(org: Org) -> None:
    address = reverse("orgs:refer", kwargs={"organisation_slug": org.organisation.slug})
    welsh = Client()
    welsh.cookies["carecircle_language"] = "cy"
    page = text(welsh.get(address))
    assert f"Atgyfeirio rhywun at y sefydliad {org.organisation.name}" in page  # "Refer someone to …"
    assert "Eu henw llawn" in page  # the form's label, "Their full name"
    assert "Cwmni ac unigrwydd" in page  # a need, "Company and loneliness"
    polish = text(Client(headers={"accept-language": "pl"}).get(address))
    assert f"Skieruj kogoś do organizacji {org.organisation.name}" in polish
    assert "Refer someone to" not in page + polish


def test_the_referrers_email_is_in_their_language_not_the_staff_members(org: Org, coordinator_access: Any) -> None:
    _speaks(quick_user("lekarz@przychodnia.example.org", "Dr Nowak"), "pl")
    known = make_referral(org.organisation, referrer_email="lekarz@przychodnia.example.org")
    unknown = make_referral(org.organisation, person_name="Ann Evans", referrer_email="gp@surgery.example.org")
    with translation.override("cy"):  # the coordinator acting reads Welsh
        referral_move(access=coordinator_access, referral=known, to="accepted")
        referral_move(access=coordinator_access, referral=unknown, to="accepted")
    polish = Delivery.objects.get(to="lekarz@przychodnia.example.org")
    assert (
        polish.subject == f"Twoje skierowanie {known.reference} do organizacji {org.organisation.name} zostało przyjęte"
    )
    assert f"Organizacja {org.organisation.name} przyjęła to skierowanie" in polish.body
    english = Delivery.objects.get(to="gp@surgery.example.org")  # no account: nothing says their language
    assert english.subject == f"Your referral {unknown.reference} to {org.organisation.name} is accepted"
    assert "has accepted this referral" in english.body
