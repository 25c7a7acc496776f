"""The one-page summary (print and PDF), the FHIR bundle and the full export."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import zipfile
import zlib
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from carecircle.circles import registries
from carecircle.records.access import Reader, access_record
from carecircle.records.exports import essentials_for
from tests.circles.conftest import text_of
from tests.records.conftest import pdf_download
from tests.records.test_documents import PDF, _upload
from tests.tasks.conftest import circle_today, on_the_day


def _fill(add: Any) -> None:
    add("about", what_matters="His garden and the cricket", communication="Speak slowly, he is hard of hearing")
    add("conditions", name="Type 2 diabetes", since="2015-04-01")
    add("allergies", substance="Penicillin", reaction="Rash and swelling", severity="life_threatening")
    add("medications", name="Metformin", strength="500 mg", dose="1 tablet", schedule="twice a day")
    add("medications", name="Warfarin", stopped="2023-02-01")
    add("contacts", name="Riverside Surgery", role="gp", phone="+442079460000")
    add("emergency", stand_ins="Raj (son)", key_safe="Key safe code 4321")
    add("notes", text="Good day", weight="72.5", systolic="130", diastolic="85", temperature="36.8")


def _pdf_objects(pdf: bytes) -> bytes:
    """The PDF's objects with its compressed (object) streams inflated, so dictionaries can be searched."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.DOTALL):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(parts)


def _pdf_layout_text(reader: Reader) -> tuple[str, int]:
    """The text WeasyPrint lays out on the PDF's pages, and how many pages there are.

    pydyf writes glyph ids, not text, so reading the PDF's bytes back needs a PDF text extractor,
    which isn't installed; WeasyPrint's own layout boxes hold exactly the text it draws.
    """
    from weasyprint import HTML  # type: ignore[import-untyped]

    html = render_to_string("records/essentials_pdf.html", {"essentials": essentials_for(reader)})
    document = HTML(string=html).render()
    texts = []
    for page in document.pages:
        for box in page._page_box.descendants():
            if hasattr(box, "text"):
                texts.append(box.text)
    return " ".join(texts), len(document.pages)


def test_the_pdf_summary_is_one_a4_page_with_the_essentials(cast, as_user, add, organiser, helper):
    _fill(add)
    response = pdf_download(as_user(helper), reverse("records:essentials_pdf", args=[cast.circle.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    objects = _pdf_objects(response.content)
    assert len(re.findall(rb"/Type\s*/Page\b", objects)) == 1
    assert re.search(rb"/MediaBox\s*\[\s*0\s+0\s+595\.\d*\s+841\.\d*", objects)  # A4: 210 x 297 mm
    text, pages = _pdf_layout_text(access_record(user=helper, circle_id=cast.circle.pk))
    assert pages == 1
    for words in (
        "Dad",
        "Type 2 diabetes",
        "Penicillin",
        "Rash and swelling",
        "Metformin",
        "Riverside Surgery",
        "Raj (son)",
    ):
        assert words in text, words
    assert "Warfarin" not in text  # stopped
    assert "4321" not in text  # the key safe is for organisers and the person
    organiser_text, _ = _pdf_layout_text(access_record(user=organiser, circle_id=cast.circle.pk))
    assert "Key safe code 4321" in organiser_text


def test_the_print_summary_is_a_page_with_print_styles(cast, as_user, add, helper):
    _fill(add)
    response = as_user(helper).get(reverse("records:essentials", args=[cast.circle.pk]))
    page = text_of(response)
    assert "@page{size:A4" in page
    assert "@media print" in page
    assert "Penicillin" in page
    assert "Metformin" in page
    assert "Warfarin" not in page
    assert 'href="tel:+442079460000"' in page


def test_a_reload_of_an_unchanged_summary_is_a_304_a_minute_later(cast, as_user, add, helper):
    # The summary says the minute it was made; its ETag is the circle page's, so a reload in a later
    # minute still costs a 304, and a change to the record draws it anew.
    _fill(add)
    path = reverse("records:essentials", args=[cast.circle.pk])
    client = as_user(helper)
    with on_the_day(circle_today(), hour=10) as traveller:
        first = client.get(path)
        assert first.status_code == 200
        traveller.shift(datetime.timedelta(minutes=5))
        reload = client.get(path, headers={"if-none-match": first["ETag"]})
        assert reload.status_code == 304
        assert reload.content == b""
        add("allergies", substance="Latex", reaction="Itching", severity="mild")
        changed = client.get(path, headers={"if-none-match": first["ETag"]})
        assert changed.status_code == 200
        assert "Latex" in text_of(changed)


def test_the_fhir_bundle_is_valid_r4_with_every_kind_of_resource(cast, as_user, add, organiser):
    _fill(add)
    _upload(as_user(organiser), cast, "letter.pdf", PDF)
    response = as_user(organiser).get(reverse("records:fhir", args=[cast.circle.pk]))
    assert response.status_code == 200
    data = json.loads(response.content)
    bundle = Bundle.model_validate(data)
    kinds = sorted({entry.resource.__resource_type__ for entry in bundle.entry or [] if entry.resource})
    assert kinds == [
        "AllergyIntolerance",
        "CareTeam",
        "Condition",
        "DocumentReference",
        "MedicationStatement",
        "Observation",
        "Patient",
        "Practitioner",
        "PractitionerRole",
        "RelatedPerson",
    ]
    statuses = {
        r["resource"]["medicationCodeableConcept"]["text"]: r["resource"]["status"]
        for r in data["entry"]
        if r["resource"]["resourceType"] == "MedicationStatement"
    }
    assert statuses == {"Metformin": "active", "Warfarin": "stopped"}
    allergy = next(r["resource"] for r in data["entry"] if r["resource"]["resourceType"] == "AllergyIntolerance")
    assert allergy["criticality"] == "high"
    assert "4321" not in response.content.decode()


def test_professionals_get_the_fhir_bundle_through_the_api(cast, add, professional, well_wisher):
    from django.test import Client

    from carecircle.accounts.services import api_token_create

    _fill(add)
    _, secret = api_token_create(actor=professional, name="GP system")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    response = client.get(f"/api/v1/circles/{cast.circle.pk}/record/fhir")
    assert response.status_code == 200
    Bundle.model_validate(response.json())
    _, other = api_token_create(actor=well_wisher, name="x")
    assert (
        Client(headers={"Authorization": f"Bearer {other}"})
        .get(f"/api/v1/circles/{cast.circle.pk}/record/fhir")
        .status_code
        == 403
    )


def test_the_full_export_is_a_streamed_zip_with_json_csv_and_documents(cast, as_user, add, organiser, person):
    _fill(add)
    add("contacts", name='=HYPERLINK("http://evil")')
    _upload(as_user(organiser), cast, "letter.pdf", PDF)
    response = as_user(person).get(reverse("records:export_download", args=[cast.circle.pk]))
    assert response.status_code == 200
    assert response.streaming
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert "record.json" in names
    assert "csv/medications.csv" in names
    assert "csv/people.csv" in names
    documents = [name for name in names if name.startswith("documents/")]
    assert len(documents) == 1
    assert archive.read(documents[0]) == PDF
    record = json.loads(archive.read("record.json"))
    metformin = next(e for e in record["entries"] if e["values"].get("name") == "Metformin")
    assert metformin["versions"][0]["change"] == "created"
    rows = list(csv.reader(io.StringIO(archive.read("csv/contacts.csv").decode())))
    assert any(row[1].startswith("'=HYPERLINK") for row in rows)
    assert "Key safe code 4321" in archive.read("csv/emergency.csv").decode()


def test_only_organisers_and_the_person_export(cast, as_user, helper, professional):
    for user in (helper, professional):
        assert as_user(user).get(reverse("records:export_download", args=[cast.circle.pk])).status_code == 403
        assert as_user(user).get(reverse("records:fhir", args=[cast.circle.pk])).status_code == 403


def test_the_export_page_says_how_big_the_download_will_be(cast, as_user, add, organiser):
    for number in range(3):
        add("notes", text=f"note {number}")
    _upload(as_user(organiser), cast, "letter.pdf", PDF)
    page = text_of(as_user(organiser).get(reverse("records:export", args=[cast.circle.pk])))
    assert "The record has 4 entries and 1 document" in page
    assert "up to about 4.0\xa0KB" in page


def test_other_apps_can_add_their_data_to_the_full_export(cast, as_user, person):
    def example(circle):
        return [b"title\n", f"Lift for {circle.person_name}\n".encode()]

    registries.register_export_part("csv/example.csv", example)
    try:
        response = as_user(person).get(reverse("records:export_download", args=[cast.circle.pk]))
        zipped = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        assert zipped.read("csv/example.csv") == b"title\nLift for Dad\n"
    finally:
        registries.EXPORT_PARTS.remove(("csv/example.csv", example))


def test_the_care_team_names_everyone_who_helps(cast, as_user, organiser):
    data = json.loads(as_user(organiser).get(reverse("records:fhir", args=[cast.circle.pk])).content)
    team = next(e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "CareTeam")
    roles = sorted(participant["role"][0]["text"] for participant in team["participant"])
    assert roles == ["Helper", "Organiser", "Paid carer", "Professional"]
    Bundle.model_validate(data)


def test_without_weasyprint_the_pdf_says_to_print_the_page_instead(cast, as_user, organiser, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "weasyprint", None)
    response = pdf_download(as_user(organiser), reverse("records:essentials_pdf", args=[cast.circle.pk]))
    assert response.status_code == 503
    assert "browser's Print" in response.content.decode()
    assert "Try again" in response.content.decode()
