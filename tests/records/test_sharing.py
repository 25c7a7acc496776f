"""Share links: made once, hashed, scoped to chosen sections, read-only, expiring, revocable; every look logged."""

from __future__ import annotations

import datetime
import logging
import re
from typing import Any

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carecircle.lib.redaction import RedactInvitationTokens, redact_secrets
from carecircle.lib.tokens import secret_hash
from carecircle.notifications.models import Delivery
from carecircle.records.models import RecordView, ShareLink
from carecircle.records.services import share_link_create, share_link_revoke
from tests.cast import Cast
from tests.circles.conftest import text_of as page_text
from tests.records.conftest import pdf_download


def text_of(response: Any) -> str:
    return page_text(response)


def _link(
    cast: Cast, sections: tuple[str, ...] = ("medications", "allergies"), hours: int = 24, **extra: Any
) -> tuple[ShareLink, str]:
    link, token = share_link_create(
        actor=cast.organiser,
        circle=cast.circle,
        recipient="Practice nurse",
        sections=list(sections),
        hours=hours,
        **extra,
    )
    assert token is not None
    return link, token


def _shared(token: str, name: str = "records:shared") -> str:
    return reverse(name, kwargs={"share_token": token})


def test_an_organiser_makes_a_link_shown_once_and_stored_hashed(cast, as_user, organiser):
    url = reverse("records:share_links", args=[cast.circle.pk])
    response = as_user(organiser).post(
        url, {"recipient": "Practice nurse", "sections": ["medications", "allergies"], "hours": "24"}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    found = re.search(r"/shared/([\w-]+)/", response.content.decode())
    assert found is not None
    token = found.group(1)
    link = ShareLink.objects.get()
    assert link.token_hash == secret_hash(token)
    assert token not in link.token_hash
    assert link.sections == ["allergies", "medications"]
    assert round((link.expires_at - timezone.now()).total_seconds() / 3600) == 24
    assert "Practice nurse" in text_of(as_user(organiser).get(url))


def test_a_link_shows_only_the_chosen_sections_and_nothing_to_change(cast, add):
    add("medications", name="Metformin")
    add("allergies", substance="Penicillin", severity="severe")
    add("notes", text="Had a good lunch")
    add("medications", name="Secret pills", audience="owners")
    _, token = _link(cast)
    response = Client().get(_shared(token))
    page = text_of(response)
    assert response.status_code == 200
    assert "Metformin" in page
    assert "Penicillin" in page
    assert "good lunch" not in page
    assert "Secret pills" not in page
    assert "Change" not in page
    assert "Delete" not in page
    assert response["Referrer-Policy"] == "strict-origin"


def test_a_link_cannot_reach_sections_or_documents_it_was_not_made_for(cast, as_user, organiser):
    from tests.records.test_documents import PDF, _upload

    _upload(as_user(organiser), cast, "letter.pdf", PDF)
    from carecircle.records.models import RecordDocument

    document = RecordDocument.objects.get()
    _, token = _link(cast)
    url = reverse("records:shared_document", kwargs={"share_token": token, "document_id": document.entry_id})
    assert Client().get(url).status_code == 403
    _, with_documents = _link(cast, sections=("documents",))
    url = reverse("records:shared_document", kwargs={"share_token": with_documents, "document_id": document.entry_id})
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


def test_a_link_stops_working_when_it_expires(cast):
    _, token = _link(cast, hours=24)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=23)):
        assert Client().get(_shared(token)).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        response = Client().get(_shared(token))
        assert response.status_code == 410
        assert "expired" in text_of(response)
        assert Client().get(_shared(token, "records:shared_pdf")).status_code == 410


def test_a_seven_day_link_works_for_seven_days(cast):
    _, token = _link(cast, hours=168)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=6, hours=23)):
        assert Client().get(_shared(token)).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=7, hours=1)):
        assert Client().get(_shared(token)).status_code == 410


def test_a_revoked_link_stops_at_once(cast, as_user, organiser):
    link, token = _link(cast)
    response = as_user(organiser).post(reverse("records:share_link_revoke", args=[cast.circle.pk, link.pk]))
    assert response.status_code == 302
    response = Client().get(_shared(token))
    assert response.status_code == 410
    assert "stopped" in text_of(response)
    assert Client().get(_shared(token, "records:shared_fhir")).status_code == 410


def test_a_made_up_link_is_not_found(cast):
    assert Client().get(_shared("made-up-token")).status_code == 404


def test_a_link_with_a_code_opens_nothing_until_the_code_is_given(cast, add, django_capture_on_commit_callbacks):
    add("medications", name="Metformin")
    with django_capture_on_commit_callbacks(execute=True):
        link, token = _link(cast, code_channel="email", code_to="nurse@example.org")
    delivery = Delivery.objects.get(to="nurse@example.org")
    sent = re.search(r"\b(\d{6})\b", delivery.body)
    assert sent is not None
    code = sent.group(1)
    assert link.code_hash == secret_hash(code)
    client = Client()
    response = client.get(_shared(token))
    assert "Enter the code" in text_of(response)
    assert "Metformin" not in text_of(response)
    assert client.get(_shared(token, "records:shared_pdf")).status_code == 302
    wrong = "000000" if code != "000000" else "111111"
    assert client.post(_shared(token), {"code": wrong}).status_code == 400
    assert client.post(_shared(token), {"code": code}).status_code == 302
    assert "Metformin" in text_of(client.get(_shared(token)))
    assert pdf_download(client, _shared(token, "records:shared_pdf")).status_code == 200


def test_guessing_the_code_is_stopped_after_five_tries(cast):
    _, token = _link(cast, code_channel="sms", code_to="+447700900123")
    client = Client()
    for _ in range(5):
        client.post(_shared(token), {"code": "999999x"})
    response = client.post(_shared(token), {"code": "123456"})
    assert response.status_code == 429
    assert "Too many wrong codes" in text_of(response)


def test_helpers_cannot_make_links(cast, as_user, helper):
    url = reverse("records:share_links", args=[cast.circle.pk])
    assert (
        as_user(helper).post(url, {"recipient": "Nurse", "sections": ["medications"], "hours": "24"}).status_code == 403
    )
    assert not ShareLink.objects.exists()


def test_a_bad_request_for_a_link_is_explained(cast, as_user, organiser):
    url = reverse("records:share_links", args=[cast.circle.pk])
    response = as_user(organiser).post(url, {"recipient": "", "hours": "48", "code_channel": "sms", "code_to": "hello"})
    assert response.status_code == 400
    page = text_of(response)
    assert "Say who the link is for." in page
    assert "Choose at least one part of the record to share." in page
    assert "mobile number" in page


def test_every_look_by_a_link_or_a_professional_is_logged_and_shown(
    cast, as_user, add, organiser, professional, helper
):
    add("medications", name="Metformin")
    _, token = _link(cast)
    Client().get(_shared(token))
    pdf_download(Client(), _shared(token, "records:shared_pdf"))
    as_user(professional).get(reverse("records:section", args=[cast.circle.pk, "medications"]))
    as_user(helper).get(reverse("records:section", args=[cast.circle.pk, "medications"]))
    kinds = list(RecordView.objects.order_by("id").values_list("viewer_kind", "what"))
    assert kinds == [
        ("share_link", "the shared record: Allergies, Medications"),
        ("share_link", "the one-page summary as PDF"),
        ("professional", "Medications"),
    ]
    page = text_of(as_user(organiser).get(reverse("records:access_log", args=[cast.circle.pk])))
    assert "Practice nurse (link from Olivia Organiser)" in page
    assert "Professional" in page
    assert "the one-page summary as PDF" in page
    assert as_user(helper).get(reverse("records:access_log", args=[cast.circle.pk])).status_code == 403


def test_share_tokens_never_reach_the_logs(cast, caplog):
    _, token = _link(cast)
    line = f'127.0.0.1 - "GET /shared/{token}/summary.pdf HTTP/1.1" 200'
    assert token not in redact_secrets(line)
    assert "/shared/…/summary.pdf" in redact_secrets(line)
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, "%s", (line,), None)
    RedactInvitationTokens().filter(record)
    assert token not in record.getMessage()
    link = ShareLink.objects.get()
    share_link_revoke(actor=cast.organiser, link=link)
    with caplog.at_level(logging.INFO):
        Client().get(_shared(token))
        Client().delete(_shared(token))
    assert token not in caplog.text


def test_a_link_never_shows_the_key_safe(cast, add):
    add("emergency", stand_ins="Raj", key_safe="Key safe 4321")
    _, token = _link(cast, sections=("emergency",))
    page = text_of(Client().get(_shared(token)))
    assert "Raj" in page
    assert "4321" not in page
    assert "4321" not in Client().get(_shared(token, "records:shared_fhir")).content.decode()
    assert "4321" not in text_of(Client().get(_shared(token, "records:shared_essentials")))


def test_live_refreshes_and_edit_forms_count_as_looks(cast, as_user, add, professional):
    entry = add("medications", name="Metformin")
    client = as_user(professional)
    client.get(reverse("records:section_fragment", args=[cast.circle.pk, "medications"]))
    client.get(reverse("records:entry_edit", args=[cast.circle.pk, "medications", entry.pk]))
    assert list(RecordView.objects.order_by("id").values_list("what", flat=True)) == [
        "Medications (refreshed live)",
        "Metformin (Medications), to change it",
    ]
