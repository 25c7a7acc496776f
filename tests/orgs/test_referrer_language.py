"""The referrer is written to in the language they referred in: the public form's, the API's, or staff's pick."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from carecircle.accounts.services import api_token_create
from carecircle.notifications.models import Delivery
from carecircle.orgs.closed_loop import status_url
from carecircle.orgs.models import Referral, StaffRole
from carecircle.orgs.referral_services import referral_assign, referral_move
from carecircle.orgs.services import organisation_create, organisation_staff_add
from tests.bursts import at_once
from tests.orgs.conftest import Org, make_referral, quick_user, text
from tests.orgs.test_intake import FORM, open_form


def _status_link(body: str) -> str:
    found = re.search(r"/referral-status/[^/\s]+/", body)
    assert found is not None
    return found.group(0)


def _send_public_form(client: Client, org: Org, **fields: str) -> Referral:
    address, stamp = open_form(client, org)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        response = client.post(address, {**FORM, **fields, "stamp": stamp})
    assert response.status_code == 302
    return Referral.objects.get(person_name=fields.get("person_name", FORM["person_name"]))


def test_a_welsh_referral_form_gets_every_notice_and_the_status_page_in_welsh(
    org: Org, coordinator_access: Any
) -> None:
    welsh = Client()
    welsh.cookies["carecircle_language"] = "cy"
    referral = _send_public_form(welsh, org)
    assert referral.referrer_language == "cy"
    with translation.override("pl"):  # the coordinator acting reads Polish: never the referrer's language
        referral_move(access=coordinator_access, referral=referral, to="accepted")
        referral = referral_assign(access=coordinator_access, referral=referral, assignee=org.volunteer)
        referral_move(access=coordinator_access, referral=referral, to="active")
        referral_move(access=coordinator_access, referral=referral, to="closed", outcome="supported")
    notices = list(Delivery.objects.filter(to=FORM["referrer_email"]).order_by("pk"))
    name, reference = org.organisation.name, referral.reference
    assert [notice.subject for notice in notices] == [
        f"Mae eich atgyfeiriad {reference} i'r sefydliad {name} wedi'i dderbyn",
        f"Mae eich atgyfeiriad {reference} i'r sefydliad {name} wedi'i gau",
    ]
    # Opened on another device (an email app's browser, no language cookie): still Welsh.
    page = text(Client().get(_status_link(notices[-1].body)))
    assert f"Atgyfeiriad {reference}" in page
    assert '<html lang="cy"' in page
    assert f"Referral {reference}" not in page


def test_the_status_page_follows_a_language_the_browser_chose(org: Org) -> None:
    referral = make_referral(org.organisation, referrer_language="pl")
    link = status_url(referral).split("://", 1)[1].split("/", 1)[1]
    assert "Skierowanie" in text(Client().get(f"/{link}"))
    english = Client()
    english.cookies["carecircle_language"] = "en-gb"  # set by the footer's switcher
    page = text(english.get(f"/{link}"))
    assert f"Referral {referral.reference}" in page
    assert "has received this referral" in page


def test_a_polish_referral_form_gets_the_decline_in_polish(org: Org, coordinator_access: Any) -> None:
    referral = _send_public_form(Client(headers={"accept-language": "pl"}), org)
    assert referral.referrer_language == "pl"
    referral_move(access=coordinator_access, referral=referral, to="declined", reason="Poza naszym obszarem.")
    notice = Delivery.objects.get(to=FORM["referrer_email"])
    assert (
        notice.subject
        == f"Twoje skierowanie {referral.reference} do organizacji {org.organisation.name} zostało odrzucone"
    )
    assert f"{org.organisation.name} nie może przyjąć tego skierowania. Powód: Poza naszym obszarem." in notice.body


def test_the_language_referred_in_beats_the_language_of_the_referrers_account(
    org: Org, coordinator_access: Any
) -> None:
    known = quick_user("lekarz@przychodnia.example.org", "Dr Nowak")
    known.language = "pl"
    known.save(update_fields=["language"])
    referral = make_referral(org.organisation, referrer_email=known.email, referrer_language="cy")
    referral_move(access=coordinator_access, referral=referral, to="accepted")
    assert Delivery.objects.get(to=known.email).subject.startswith("Mae eich atgyfeiriad")


def _api(org: Org) -> tuple[Client, str]:
    _, secret = api_token_create(actor=org.coordinator, name="GP system")
    return Client(
        headers={"Authorization": f"Bearer {secret}"}
    ), f"/api/v1/organisations/{org.organisation.pk}/referrals"


API_BODY = {
    "person_name": "Gwen Evans",
    "consent_given_by": "person",
    "consent_to": "Being contacted",
    "referrer_email": "gp@surgery.example.org",
}


def test_the_api_keeps_the_language_it_is_given_and_writes_in_it(org: Org, coordinator_access: Any) -> None:
    client, address = _api(org)
    welsh = client.post(address, {**API_BODY, "language": "CY"}, content_type="application/json")
    polish = client.post(
        address, {**API_BODY, "person_name": "Jan Kowal", "language": "pl"}, content_type="application/json"
    )
    said_nothing = client.post(address, {**API_BODY, "person_name": "Ann Evans"}, content_type="application/json")
    assert [welsh.status_code, polish.status_code, said_nothing.status_code] == [201, 201, 201]
    assert [answer.json()["language"] for answer in (welsh, polish, said_nothing)] == ["cy", "pl", ""]
    stored = {
        referral.person_name: referral.referrer_language
        for referral in Referral.objects.filter(organisation=org.organisation)
    }
    assert stored == {"Gwen Evans": "cy", "Jan Kowal": "pl", "Ann Evans": ""}
    for referral in Referral.objects.filter(organisation=org.organisation):
        referral_move(access=coordinator_access, referral=referral, to="accepted")
    subjects = sorted(Delivery.objects.filter(to="gp@surgery.example.org").values_list("subject", flat=True))
    assert [subject.split(" ")[0] for subject in subjects] == ["Mae", "Twoje", "Your"]  # the site's default: English


def test_the_api_refuses_a_language_it_does_not_write_in(org: Org) -> None:
    client, address = _api(org)
    refused = client.post(address, {**API_BODY, "language": "fr"}, content_type="application/json")
    assert refused.status_code == 422
    assert "Choose one of these languages: en-gb, cy, pl." in refused.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_the_same_api_referral_stays_one_referral_in_its_first_language() -> None:
    organisation = organisation_create(actor=None, name="Burst Helpers")
    coordinator = quick_user("coordinator@example.org", "Coordinator")
    organisation_staff_add(actor=None, organisation=organisation, user=coordinator, role=StaffRole.COORDINATOR)
    _, secret = api_token_create(actor=coordinator, name="GP system")
    address = f"/api/v1/organisations/{organisation.pk}/referrals"
    body = {**API_BODY, "referrer_reference": "SURGERY-77", "language": "cy"}

    def send() -> tuple[int, int]:
        answer = Client(headers={"Authorization": f"Bearer {secret}"}).post(
            address, body, content_type="application/json"
        )
        return answer.status_code, answer.json()["id"]

    answers = at_once([send for _ in range(6)])
    assert sorted(status for status, _ in answers) == [200] * 5 + [201]
    assert len({referral_id for _, referral_id in answers}) == 1
    referral = Referral.objects.get(organisation=organisation)
    assert referral.referrer_reference == "SURGERY-77"
    assert referral.referrer_language == "cy"


def test_staff_pick_the_referrers_language_and_see_it_on_the_referral(org: Org, as_user: Any) -> None:
    client = as_user(org.coordinator)
    address = reverse("orgs:referral_new", kwargs={"organisation_id": org.organisation.pk})
    form = text(client.get(address))
    assert 'name="referrer_language"' in form
    assert '<option value="cy"' in form
    assert '<option value="pl"' in form
    fields = dict(FORM)
    response = client.post(address, {**fields, "referrer_language": "pl"}, follow=True)
    assert response.status_code == 200
    referral = Referral.objects.get(person_name=FORM["person_name"])
    assert referral.referrer_language == "pl"
    assert "Emails to them are in polski." in text(response)
    refused = client.post(address, {**fields, "person_name": "Someone Else", "referrer_language": "xx"})
    assert refused.status_code == 400
    assert not Referral.objects.filter(person_name="Someone Else").exists()


def test_a_csv_row_may_say_the_referrers_language(org: Org, as_user: Any) -> None:
    rows = (
        "person_name,consent_given_by,consent_to,referrer_email,referrer_language\n"
        "Ann Cymraeg,person,Contact,gp@surgery.example.org,cy\n"
        "Bill Polski,person,Contact,gp@surgery.example.org,PL\n"
        "Cath Unsaid,person,Contact,gp@surgery.example.org,\n"
        "Dai Klingon,person,Contact,gp@surgery.example.org,tlh\n"
    )
    address = reverse("orgs:referral_import", kwargs={"organisation_id": org.organisation.pk})
    upload = SimpleUploadedFile("referrals.csv", rows.encode(), content_type="text/csv")
    page = text(as_user(org.coordinator).post(address, {"file": upload}))
    stored = dict(Referral.objects.values_list("person_name", "referrer_language"))
    assert stored == {"Ann Cymraeg": "cy", "Bill Polski": "pl", "Cath Unsaid": ""}
    assert "Choose one of these languages: en-gb, cy, pl." in page


@pytest.mark.parametrize(
    ("language", "postcode", "consent"),
    [
        ("cy", "Rhowch god post yn y DU", "Ni ellir rhoi caniatâd yn y dyfodol"),
        ("pl", "Podaj brytyjski kod pocztowy", "Zgody nie można wyrazić w przyszłości"),
        ("en-gb", "Give a UK postcode", "Consent can't be given in the future"),
    ],
)
def test_what_is_wrong_with_a_referral_is_said_in_the_senders_language(
    org: Org, language: str, postcode: str, consent: str
) -> None:
    client, address = _api(org)
    later = (timezone.now() + datetime.timedelta(days=3)).isoformat()
    body = {**API_BODY, "person_postcode": "ZZ", "consent_given_at": later}
    refused = client.post(address, body, content_type="application/json", headers={"Accept-Language": language})
    assert refused.status_code == 422
    messages = {error["field"]: error["message"] for error in refused.json()["errors"]}
    assert messages["person_postcode"].startswith(postcode)
    assert messages["consent_given_at"].startswith(consent)
    assert not Referral.objects.exists()
