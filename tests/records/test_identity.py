"""Who the person is, in About me: checked on the way in, shown on the summary and in the PDF, and
carried in the FHIR Patient, only for those the person's consent lets read About me."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from fhir.resources.R4B.patient import Patient

from carecircle.records.access import access_record
from carecircle.records.models import RecordEntry
from carecircle.records.services import share_link_create
from carecircle.records.values import nhs_number_is_valid
from tests.api.conftest import token_client
from tests.circles.conftest import text_of
from tests.records.test_exports import _pdf_layout_text

IDENTITY = {
    "full_name": "James Robert Smith",
    "preferred_name": "Jim",
    "date_of_birth": "1941-03-09",
    "nhs_number": "943 476 5919",
    "gp_practice": "Riverside Surgery, Leeds",
    "address": "12 Mill Lane\nLeeds LS6 2AB",
}


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("9434765919", True),  # the NHS Data Dictionary's example
        ("4010232137", True),
        ("9434765918", False),  # one digit wrong
        ("9434765910", False),
        ("1000000010", False),  # the check digit would be 10: never issued
        ("943476591", False),
        ("94347659190", False),
        ("943476591a", False),
        ("\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19", False),  # full-width digits
    ],
)
def test_the_nhs_number_check_digit_is_modulus_11(digits, valid):
    assert nhs_number_is_valid(digits) is valid


def test_about_me_keeps_who_the_person_is_and_refuses_a_wrong_nhs_number(cast, as_user, organiser):
    url = reverse("records:entry_add", args=[cast.circle.pk, "about"])
    wrong = as_user(organiser).post(url, {**IDENTITY, "nhs_number": "943 476 5918", "audience": "everyone"})
    assert wrong.status_code == 400
    assert "a digit is wrong" in text_of(wrong)
    assert "James Robert Smith" in text_of(wrong)  # nothing typed is thrown away
    future = (datetime.date.today() + datetime.timedelta(days=400)).isoformat()
    assert "Enter a date in the past" in text_of(
        as_user(organiser).post(url, {**IDENTITY, "date_of_birth": future, "audience": "everyone"})
    )
    assert not RecordEntry.objects.filter(section="about").exists()

    saved = as_user(organiser).post(url, {**IDENTITY, "audience": "everyone"})
    assert saved.status_code == 302
    data = RecordEntry.objects.get(section="about").data
    assert data["nhs_number"] == "9434765919"
    assert data["full_name"] == "James Robert Smith"


def test_the_api_says_which_field_is_wrong(cast, organiser):
    client = token_client(organiser)
    url = f"/api/v1/circles/{cast.circle.pk}/record/about"
    response = client.post(url, {"values": {"nhs_number": "1234567890"}}, content_type="application/json")
    assert response.status_code == 422
    assert "values.nhs_number" in response.content.decode()


def test_the_summary_and_the_pdf_name_the_person(cast, as_user, add, helper):
    add("about", **IDENTITY, what_matters="His garden")
    page = re.sub(r"<[^>]+>", "", text_of(as_user(helper).get(reverse("records:essentials", args=[cast.circle.pk]))))
    assert "James Robert Smith born 9 March 1941" in page
    assert "Likes to be called Jim" in page
    assert "NHS number 943 476 5919" in page
    assert "GP: Riverside Surgery, Leeds" in page
    assert "His garden" in page
    text, pages = _pdf_layout_text(access_record(user=helper, circle_id=cast.circle.pk))
    assert pages == 1
    for words in ("James Robert Smith", "943 476 5919", "Riverside Surgery"):
        assert words in text


def test_the_fhir_patient_has_the_name_birth_date_and_nhs_number(cast, as_user, add, organiser):
    add("about", **IDENTITY)
    response = as_user(organiser).get(reverse("records:fhir", args=[cast.circle.pk]))
    data = json.loads(response.content)
    resource = next(e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Patient")
    patient = Patient.model_validate(resource)
    assert [(name.use, name.text) for name in patient.name or []] == [
        ("official", "James Robert Smith"),
        ("usual", "Jim"),
    ]
    assert str(patient.birthDate) == "1941-03-09"
    assert [(i.system, i.value) for i in patient.identifier or []] == [
        ("https://fhir.nhs.uk/Id/nhs-number", "9434765919")
    ]
    assert resource["generalPractitioner"] == [{"display": "Riverside Surgery, Leeds"}]


def test_identity_stays_inside_about_mes_consent(cast, add):
    """A link made without About me shows and exports none of it; the summary keeps the circle's name."""
    add("about", **IDENTITY)
    add("medications", name="Metformin")
    _, token = share_link_create(
        actor=cast.organiser, circle=cast.circle, recipient="Nurse", sections=["medications"], hours=24
    )
    client = Client()
    page: Any = client.get(reverse("records:shared_essentials", kwargs={"share_token": token}))
    summary = text_of(page)
    assert "Metformin" in summary
    assert cast.circle.person_name in summary
    for secret in ("James Robert Smith", "943 476 5919", "Mill Lane", "Jim"):
        assert secret not in summary
    fhir = client.get(reverse("records:shared_fhir", kwargs={"share_token": token})).content.decode()
    assert "9434765919" not in fhir
    assert "nhs-number" not in fhir
    assert "James Robert Smith" not in fhir
