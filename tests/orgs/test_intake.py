"""Ways in: the public form and its spam protection, the API (idempotent by reference), and CSV import."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.services import api_token_create
from carecircle.orgs.models import Referral
from tests.orgs.conftest import Org, text

FORM = {
    "person_name": "Edna Hughes",
    "person_date_of_birth": "1938-02-11",
    "person_postcode": "ll11 1aa",
    "contact_preference": "phone",
    "person_phone": "01978 123456",
    "needs": ["loneliness", "transport"],
    "needs_detail": "Lives alone since her husband died; would like company.",
    "urgency": "soon",
    "source": "gp",
    "referrer_name": "Dr Patel",
    "referrer_email": "dr.patel@surgery.example.org",
    "consent_given_by": "person",
    "consent_to": "Being contacted by Riverside Volunteers",
    "consent_confirmed": "on",
}


def open_form(client: Client, org: Org) -> tuple[str, str]:
    address = reverse("orgs:refer", kwargs={"organisation_slug": org.organisation.slug})
    page = text(client.get(address))
    stamp = page.split('name="stamp" value="', 1)[1].split('"', 1)[0]
    return address, stamp


def test_a_gp_refers_someone_through_the_public_form(org: Org) -> None:
    client = Client()
    address, stamp = open_form(client, org)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        response = client.post(address, {**FORM, "stamp": stamp}, follow=True)
    assert response.status_code == 200
    referral = Referral.objects.get(person_name="Edna Hughes")
    assert referral.organisation == org.organisation
    assert referral.person_postcode == "LL11 1AA"
    assert referral.consent_given_by == "person"
    assert referral.consent_given_at is not None
    assert referral.reference in text(response)


def test_a_form_sent_within_seconds_is_shown_again_with_what_was_typed(org: Org) -> None:
    client = Client()
    address, stamp = open_form(client, org)
    response = client.post(address, {**FORM, "stamp": stamp})
    assert response.status_code == 400
    assert "sent very quickly" in text(response)
    assert "Edna Hughes" in text(response)
    assert not Referral.objects.exists()


def test_a_forged_or_missing_stamp_is_refused(org: Org) -> None:
    client = Client()
    address, stamp = open_form(client, org)
    assert client.post(address, {**FORM, "stamp": stamp[:-2] + "xx"}).status_code == 400
    assert client.post(address, FORM).status_code == 400
    assert not Referral.objects.exists()


def test_a_stamp_from_another_organisations_form_is_refused(org: Org) -> None:
    client = Client()
    _, stamp = open_form(client, org)
    other = reverse("orgs:refer", kwargs={"organisation_slug": org.other_organisation.slug})
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        assert client.post(other, {**FORM, "stamp": stamp}).status_code == 400


def test_a_filled_honeypot_is_thanked_and_not_kept(org: Org) -> None:
    client = Client()
    address, stamp = open_form(client, org)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        response = client.post(address, {**FORM, "stamp": stamp, "website": "http://spam.example"})
    assert response.status_code == 302
    assert not Referral.objects.exists()


def test_too_many_referrals_from_one_address_are_refused_for_a_while(org: Org, settings: Any) -> None:
    settings.ORGS_INTAKE_PER_HOUR = 2
    client = Client()
    address, stamp = open_form(client, org)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        for number in range(2):
            client.post(address, {**FORM, "person_name": f"Person {number}", "stamp": stamp})
        refused = client.post(address, {**FORM, "person_name": "One Too Many", "stamp": stamp})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert Referral.objects.count() == 2


def test_the_api_receives_a_referral_once_per_reference(org: Org) -> None:
    _, secret = api_token_create(actor=org.coordinator, name="GP system")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    address = f"/api/v1/organisations/{org.organisation.pk}/referrals"
    body = {
        "person_name": "Gwen Evans",
        "consent_given_by": "person",
        "consent_to": "Being contacted",
        "referrer_reference": "SURGERY-991",
        "needs": ["shopping"],
    }
    first = client.post(address, body, content_type="application/json")
    again = client.post(address, body, content_type="application/json")
    assert first.status_code == 201
    assert again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert Referral.objects.filter(referrer_reference="SURGERY-991").count() == 1
    bad = client.post(address, {**body, "person_postcode": "XX"}, content_type="application/json")
    assert bad.status_code == 422
    listed = client.get(address).json()
    assert [item["reference"] for item in listed] == [first.json()["reference"]]


def test_the_api_is_not_open_to_volunteers_or_other_organisations(org: Org) -> None:
    address = f"/api/v1/organisations/{org.organisation.pk}/referrals"
    body = {"person_name": "Gwen Evans", "consent_given_by": "person", "consent_to": "Being contacted"}
    for user, status in ((org.volunteer, 403), (org.other_staff, 404), (org.commissioner, 404)):
        _, secret = api_token_create(actor=user, name="try")
        client = Client(headers={"Authorization": f"Bearer {secret}"})
        assert client.post(address, body, content_type="application/json").status_code == status


CSV = (
    "person_name,date_of_birth,postcode,needs,urgency,source,referrer_reference,consent_given_by,consent_to\n"
    "Ann Good,1941-03-02,LL11 1AA,loneliness;shopping,urgent,GP surgery,REF-1,person,Contact\n"
    ",1941-03-02,LL11 1AA,,,,REF-2,person,Contact\n"
    "Bill Bad Date,31/02/1940,LL11 1AA,,,,REF-3,person,Contact\n"
    "Cath Good,02/04/1950,,transport,soon,,REF-4,representative,Contact\n"
    "Dai No Consent,1950-01-01,,,,,REF-5,,\n"
    "Ann Good,1941-03-02,LL11 1AA,loneliness,urgent,gp,REF-1,person,Contact\n"
)


def test_a_csv_import_keeps_every_good_row_and_reports_each_bad_one(org: Org, as_user: Any) -> None:
    address = reverse("orgs:referral_import", kwargs={"organisation_id": org.organisation.pk})
    upload = SimpleUploadedFile("referrals.csv", CSV.encode(), content_type="text/csv")
    response = as_user(org.coordinator).post(address, {"file": upload})
    page = text(response)
    assert response.status_code == 200
    assert sorted(Referral.objects.values_list("person_name", flat=True)) == ["Ann Good", "Cath Good"]
    assert "Added: 2 · Already here: 1 · Need fixing: 3." in page
    assert "The rows that need fixing were not added" in page
    assert "Give the name of the person" in page
    assert "Write the date of birth as" in page
    assert "Say who agreed" in page
    assert Referral.objects.get(person_name="Ann Good").needs == ["loneliness", "shopping"]


def test_a_file_that_is_not_csv_gets_a_clear_message(org: Org, as_user: Any) -> None:
    address = reverse("orgs:referral_import", kwargs={"organisation_id": org.organisation.pk})
    upload = SimpleUploadedFile("photo.csv", b"\xff\xd8\xff\xe0 not text", content_type="text/csv")
    response = as_user(org.coordinator).post(address, {"file": upload})
    assert response.status_code == 400
    assert "isn't UTF-8 text" in text(response)
    missing = SimpleUploadedFile("x.csv", b"name,age\nAnn,80\n", content_type="text/csv")
    assert "These are missing" in text(as_user(org.coordinator).post(address, {"file": missing}))
