"""The record API: sections, versions and clashes, sensitive fields, documents, share links and the access log."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from carecircle.records.models import RecordEntry, RecordView, ShareLink
from tests.api.conftest import token_client
from tests.cast import Cast
from tests.records.test_documents import PDF


def _url(cast: Cast, tail: str = "") -> str:
    return f"/api/v1/circles/{cast.circle.pk}/record{tail}"


def _post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, body, content_type="application/json")


def _patch(client: Client, url: str, body: Any) -> Any:
    return client.patch(url, body, content_type="application/json")


def test_it_adds_lists_and_reads_entries(cast, helper, professional):
    client = token_client(helper)
    body = {"values": {"name": "Metformin", "strength": "500 mg"}, "client_id": str(uuid.uuid4())}
    created = _post(client, _url(cast, "/medications"), body)
    assert created.status_code == 201
    again = _post(client, _url(cast, "/medications"), body)
    assert again.status_code == 200
    assert again.json()["id"] == created.json()["id"]
    listed = token_client(professional).get(_url(cast, "/medications")).json()
    assert [entry["title"] for entry in listed] == ["Metformin"]
    assert listed[0]["values"]["strength"] == "500 mg"
    assert RecordView.objects.filter(viewer=professional, what="Medications").exists()
    sections = {item["key"]: item["entries"] for item in client.get(_url(cast)).json()}
    assert sections["medications"] == 1


def test_a_stale_version_is_a_conflict_and_changes_nothing(cast, helper, organiser):
    entry = _post(token_client(organiser), _url(cast, "/medications"), {"values": {"name": "Metformin"}}).json()
    url = _url(cast, f"/medications/{entry['id']}")
    first = _patch(token_client(organiser), url, {"values": {"dose": "1 tablet"}, "version": 1})
    assert first.status_code == 200
    assert first.json()["version"] == 2
    stale = _patch(token_client(helper), url, {"values": {"dose": "3 tablets"}, "version": 1})
    assert stale.status_code == 409
    assert "version 2" in stale.json()["detail"]
    assert RecordEntry.objects.get(pk=entry["id"]).data["dose"] == "1 tablet"
    versions = token_client(helper).get(url + "/versions").json()
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["changes"] == [{"field": "Dose", "before": "", "after": "1 tablet"}]


def test_bad_values_are_listed_by_field(cast, organiser):
    client = token_client(organiser)
    response = _post(client, _url(cast, "/notes"), {"values": {"weight": "heavy", "mood": "sad-ish", "colour": "red"}})
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"values.weight", "values.mood", "values.colour"}
    response = _post(client, _url(cast, "/notes"), {"values": {"text": "nul\u0000byte"}})
    assert response.status_code == 422
    assert _post(client, _url(cast, "/secrets"), {"values": {}}).status_code == 422


def test_the_key_safe_is_hidden_from_helpers_and_only_owners_change_it(cast, organiser, helper):
    made = _post(
        token_client(organiser), _url(cast, "/emergency"), {"values": {"stand_ins": "Raj", "key_safe": "4321"}}
    ).json()
    url = _url(cast, f"/emergency/{made['id']}")
    seen = token_client(helper).get(url).json()
    assert "key_safe" not in seen["values"]
    refused = _patch(token_client(helper), url, {"values": {"key_safe": "0000"}, "version": 1})
    assert refused.status_code == 422
    assert RecordEntry.objects.get(pk=made["id"]).data["key_safe"] == "4321"
    second = _post(token_client(organiser), _url(cast, "/emergency"), {"values": {"stand_ins": "Dev"}})
    assert second.status_code == 409


def test_delete_and_restore(cast, helper):
    client = token_client(helper)
    entry = _post(client, _url(cast, "/contacts"), {"values": {"name": "Pharmacy"}}).json()
    url = _url(cast, f"/contacts/{entry['id']}")
    assert client.delete(url).json()["deleted"] is True
    assert client.get(_url(cast, "/contacts")).json() == []
    assert [e["id"] for e in client.get(_url(cast, "/contacts?deleted=true")).json()] == [entry["id"]]
    assert client.post(url + "/restore").json()["deleted"] is False


def test_documents_are_uploaded_as_a_form_and_checked(cast, organiser, paid_carer):
    client = token_client(organiser)
    upload = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    response = client.post(_url(cast, "/documents/upload"), {"file": upload, "title": "Letter"})
    assert response.status_code == 201
    document = response.json()
    assert document["document"] == {"filename": "letter.pdf", "content_type": "application/pdf", "size": len(PDF)}
    download: Any = client.get(_url(cast, f"/documents/{document['id']}/file"))
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    fake = SimpleUploadedFile("x.pdf", b"<svg onload=alert(1)>", content_type="application/pdf")
    refused = client.post(_url(cast, "/documents/upload"), {"file": fake, "title": "Fake"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "file"
    assert token_client(paid_carer).get(_url(cast, f"/documents/{document['id']}/file")).status_code == 403


def test_share_links_through_the_api(cast, organiser, helper):
    client = token_client(organiser)
    body = {"recipient": "District nurse", "sections": ["medications"], "hours": 168, "client_id": str(uuid.uuid4())}
    made = _post(client, _url(cast, "/share-links"), body)
    assert made.status_code == 201
    url = made.json()["url"]
    assert "/shared/" in url
    assert made.json()["status"] == "active"
    retry = _post(client, _url(cast, "/share-links"), body)
    assert retry.status_code == 200
    assert retry.json()["url"] is None
    assert Client().get(url).status_code == 200
    link = ShareLink.objects.get()
    assert _post(client, _url(cast, f"/share-links/{link.pk}/revoke"), {}).json()["status"] == "revoked"
    assert Client().get(url).status_code == 410
    bad = _post(client, _url(cast, "/share-links"), {**body, "hours": 48, "code_channel": "sms", "code_to": "x"})
    assert bad.status_code == 422
    assert _post(token_client(helper), _url(cast, "/share-links"), body).status_code == 403


def test_the_access_log_through_the_api(cast, organiser, professional):
    token_client(professional).get(_url(cast, "/allergies"))
    looks = token_client(organiser).get(_url(cast, "/views")).json()
    assert [(look["who"], look["kind"], look["what"]) for look in looks] == [
        (professional.display_name, "professional", "Allergies")
    ]


def test_outsiders_and_org_staff_learn_nothing(cast, outsider, org_staff, add):
    entry = add("medications", name="Metformin")
    for user in (outsider, org_staff):
        client = token_client(user)
        assert client.get(_url(cast, "/medications")).status_code == 404
        assert client.get(_url(cast, f"/medications/{entry.pk}")).status_code == 404
        assert client.get(_url(cast, "/fhir")).status_code == 404


def test_list_queries_do_not_grow_with_entries(cast, organiser, add, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = token_client(organiser)
    add("notes", text="first")
    client.get(_url(cast, "/notes"))
    with CaptureQueriesContext(connection) as few:
        client.get(_url(cast, "/notes"))
    for number in range(30):
        add("notes", text=f"note {number}")
    with django_assert_max_num_queries(len(few)):
        response = client.get(_url(cast, "/notes"))
    assert len(response.json()) == 31


def test_the_summary_pdf_through_the_api(cast, professional, well_wisher, add, django_capture_on_commit_callbacks):
    add("allergies", substance="Penicillin")
    client = token_client(professional)
    with django_capture_on_commit_callbacks(execute=True):
        preparing = client.get(_url(cast, "/summary.pdf"))
    assert preparing.status_code == 202
    assert preparing["Retry-After"] == "3"
    assert preparing.json()["detail"] == "Your PDF is being prepared."
    # Nothing of the record was shown yet: not a look.
    assert not RecordView.objects.filter(what="the one-page summary as PDF").exists()
    response = client.get(_url(cast, "/summary.pdf"))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    person = "".join(c for c in cast.circle.person_name if c.isalnum())
    assert response["Content-Disposition"] == f'attachment; filename="{person}-summary.pdf"'
    assert RecordView.objects.filter(viewer=professional, what="the one-page summary as PDF").exists()
    assert token_client(well_wisher).get(_url(cast, "/summary.pdf")).status_code == 403


def test_the_api_names_every_section():
    from typing import get_args

    from carecircle.records.api_schemas import SectionKey
    from carecircle.records.sections import SECTIONS

    assert list(get_args(SectionKey)) == [section.key for section in SECTIONS]
