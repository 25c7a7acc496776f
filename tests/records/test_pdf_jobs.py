"""The summary PDF is drawn by the worker: the request answers "being prepared" and never draws it.

WeasyPrint is replaced by a stand-in returning the HTML it was given (as in test_pdf_kept.py), so
each test can see what was drawn and for whom. Tests run tasks at once: a job queued by a request
runs when the request's transaction commits, which these tests choose to let happen.
"""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carecircle.lib.retention import retention_enforce
from carecircle.records import exports
from carecircle.records.models import PdfJob, RecordView
from carecircle.records.pdf_jobs import STALE
from carecircle.records.services import share_link_create, share_link_revoke
from tests.bursts import at_once
from tests.cast import Cast
from tests.circles.conftest import text_of
from tests.conftest import client_for
from tests.records.conftest import add_entry, pdf_download


def _url(cast: Cast) -> str:
    return reverse("records:essentials_pdf", args=[cast.circle.pk])


@pytest.mark.django_db
def test_the_first_download_says_it_is_being_prepared_and_draws_nothing(
    cast, drawn, django_capture_on_commit_callbacks
):
    add_entry(actor=cast.organiser, circle=cast.circle, section="medications", name="Metformin")
    client = client_for(cast.helper)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.get(_url(cast))
    assert response.status_code == 202
    assert response["Retry-After"] == "3"
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "Your PDF is being prepared" in page
    # With JavaScript the page asks again by itself (records/pdf_wait.js); without, "Check again".
    assert f'data-pdf-wait="{_url(cast)}" data-ask-again="3"' in page
    assert "pdf_wait" in page
    assert f'href="{_url(cast)}">Check again</a>' in page
    assert drawn == []  # nothing drawn in the request
    assert len(queued) == 1  # the job, queued after the commit
    queued[0]()
    response = client.get(_url(cast))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Metformin" in response.content.decode()
    assert len(drawn) == 1


@pytest.mark.django_db
def test_asking_again_while_it_is_drawn_queues_nothing_more(cast, drawn, django_capture_on_commit_callbacks):
    client = client_for(cast.helper)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        for _ in range(3):
            assert client.get(_url(cast)).status_code == 202
        # Another reader in the same position (the same role here) shares the job.
        assert client_for(cast.paid_carer).get(_url(cast)).status_code in (202, 200)
    assert PdfJob.objects.count() <= 2
    assert len(queued) == PdfJob.objects.count()


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_clicks_queues_one_job_and_draws_once(drawn) -> None:
    from tests.cast import build_cast

    cast = build_cast()
    clients = [client_for(cast.organiser) for _ in range(4)]

    def click(client: Client) -> int:
        status: int = client.get(_url(cast)).status_code
        return status

    statuses = at_once([partial(click, client) for client in clients])
    # Each click either queued the job, found it queued or drawing, or (once drawn) got the PDF.
    assert set(statuses) <= {200, 202}
    assert PdfJob.objects.count() == 1
    assert len(drawn) == 1
    assert client_for(cast.organiser).get(_url(cast)).status_code == 200
    assert len(drawn) == 1


@pytest.mark.django_db
def test_the_worker_draws_for_the_position_captured_and_no_other(cast, drawn, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        add_entry(actor=cast.organiser, circle=cast.circle, section="emergency", key_safe="Key safe code 4321")
    # Both ask before the worker runs: two keys, two jobs, each drawn for its own reader.
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert client_for(cast.organiser).get(_url(cast)).status_code == 202
        assert client_for(cast.helper).get(_url(cast)).status_code == 202
    assert len(queued) == 2
    for job in queued:
        job()
    assert "4321" in client_for(cast.organiser).get(_url(cast)).content.decode()
    assert "4321" not in client_for(cast.helper).get(_url(cast)).content.decode()
    # A well-wisher is refused before any job is looked for, drawn or not.
    assert client_for(cast.well_wisher).get(_url(cast)).status_code == 403
    assert client_for(cast.outsider).get(_url(cast)).status_code == 404
    assert PdfJob.objects.count() == 2


@pytest.mark.django_db
def test_a_share_link_waits_too_and_a_stopped_link_gets_nothing(cast, drawn, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        add_entry(actor=cast.organiser, circle=cast.circle, section="medications", name="Metformin")
        add_entry(actor=cast.organiser, circle=cast.circle, section="emergency", key_safe="Key safe code 4321")
    link, token = share_link_create(
        actor=cast.organiser, circle=cast.circle, recipient="Nurse", sections=["medications"], hours=24
    )
    url = reverse("records:shared_pdf", kwargs={"share_token": token})
    with django_capture_on_commit_callbacks(execute=True):
        preparing = Client().get(url)
    assert preparing.status_code == 202
    assert "Your PDF is being prepared" in preparing.content.decode()
    # Not a look yet: nothing of the record was shown.
    assert not RecordView.objects.filter(what="the one-page summary as PDF").exists()
    body = Client().get(url).content.decode()
    assert "Metformin" in body
    assert "4321" not in body
    assert RecordView.objects.filter(what="the one-page summary as PDF", viewer_kind="share_link").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        share_link_revoke(actor=cast.organiser, link=link)
    assert Client().get(url).status_code == 410


@pytest.mark.django_db
def test_a_failed_drawing_says_so_and_can_be_tried_again(cast, drawn, monkeypatch, django_capture_on_commit_callbacks):
    def broken(_html_class: Any, html: str) -> bytes:
        raise RuntimeError("Pango fell over")

    monkeypatch.setattr(exports, "_pdf_of", broken)
    client = client_for(cast.helper)
    failed = pdf_download(client, _url(cast))
    assert failed.status_code == 503
    page = failed.content.decode()
    assert "The PDF couldn't be made" in text_of(failed)
    assert f'href="{_url(cast)}?again=1">Try again</a>' in page
    assert "data-pdf-wait" not in page  # it doesn't ask again by itself
    # Asking again without "Try again" shows the failure and queues nothing.
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert client.get(_url(cast)).status_code == 503
    assert queued == []
    monkeypatch.undo()
    monkeypatch.setattr(exports, "_pdf_of", lambda _html_class, html: html.encode())
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(_url(cast) + "?again=1").status_code == 202
    assert client.get(_url(cast)).status_code == 200
    assert PdfJob.objects.get().attempts == 2


@pytest.mark.django_db
def test_a_lost_job_is_queued_again_and_an_old_pdf_drawn_again(cast, drawn, django_capture_on_commit_callbacks):
    client = client_for(cast.helper)
    with django_capture_on_commit_callbacks(execute=False):
        assert client.get(_url(cast)).status_code == 202
    # The worker stopped before drawing it: after STALE the next download queues it again.
    PdfJob.objects.update(queued_at=timezone.now() - STALE - datetime.timedelta(seconds=1))
    assert pdf_download(client, _url(cast)).status_code == 200
    assert len(drawn) == 1
    PdfJob.objects.update(finished_at=timezone.now() - datetime.timedelta(hours=25))
    assert pdf_download(client, _url(cast)).status_code == 200
    assert len(drawn) == 2


@pytest.mark.django_db
def test_drawn_pdfs_are_removed_after_their_retention(cast, drawn, settings):
    assert pdf_download(client_for(cast.helper), _url(cast)).status_code == 200
    settings.RETENTION_RECORD_PDF_DAYS = 2
    assert retention_enforce(now=timezone.now() + datetime.timedelta(days=1))["summary PDFs"] == 0
    assert retention_enforce(now=timezone.now() + datetime.timedelta(days=3))["summary PDFs"] == 1
    assert not PdfJob.objects.exists()


@pytest.mark.django_db
def test_the_preparing_page_is_in_welsh_and_polish(cast, drawn, django_capture_on_commit_callbacks):
    for language, words in (("cy", "Mae eich PDF"), ("pl", "PDF")):
        cast.helper.language = language
        cast.helper.save(update_fields=["language"])
        with django_capture_on_commit_callbacks(execute=False):
            page = client_for(cast.helper).get(_url(cast)).content.decode()
        assert f'lang="{language}"' in page
        assert words in page
        assert "Your PDF is being prepared" not in page


def _withdraw(cast: Cast, role: str, capability: str) -> None:
    from carecircle.circles.permissions import default_consent
    from carecircle.circles.services import consent_update

    cast.circle.refresh_from_db()
    grants = {key: list(value) for key, value in (cast.circle.consent or default_consent()).items()}
    assert capability in grants[role]
    grants[role] = [granted for granted in grants[role] if granted != capability]
    consent_update(actor=cast.person, circle=cast.circle, grants=grants)


@pytest.mark.django_db
def test_consent_withdrawn_after_queuing_is_honoured_when_drawn(cast, drawn, django_capture_on_commit_callbacks):
    from carecircle.records.sections import SECTION_BY_KEY

    with django_capture_on_commit_callbacks(execute=True):
        add_entry(actor=cast.organiser, circle=cast.circle, section="medications", name="Metformin")
    client = client_for(cast.helper)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert client.get(_url(cast)).status_code == 202
    # The person takes the medications away from helpers before the worker gets to the job.
    with django_capture_on_commit_callbacks(execute=True):
        _withdraw(cast, "helper", SECTION_BY_KEY["medications"].capability)
    assert len(queued) == 1
    queued[0]()
    assert drawn == []  # nothing drawn for a position nobody holds any more
    assert not PdfJob.objects.exists()
    # The helper's next ask queues a job for what they may see now, without the medicines.
    response = pdf_download(client, _url(cast))
    assert response.status_code == 200
    assert "Metformin" not in response.content.decode()
    assert all("Metformin" not in page for page in drawn)


@pytest.mark.django_db
def test_a_reader_removed_after_queuing_gets_nothing_drawn_and_is_refused(
    cast, drawn, django_capture_on_commit_callbacks
):
    from carecircle.circles.services import membership_remove

    with django_capture_on_commit_callbacks(execute=True):
        add_entry(actor=cast.organiser, circle=cast.circle, section="medications", name="Metformin")
    helper, professional = client_for(cast.helper), client_for(cast.professional)
    assert pdf_download(professional, _url(cast)).status_code == 200  # drawn and kept for the professional
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert helper.get(_url(cast)).status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        membership_remove(actor=cast.organiser, member=cast.membership("helper"))
        membership_remove(actor=cast.organiser, member=cast.membership("professional"))
    queued[0]()
    assert len(drawn) == 1  # only the professional's, before either was removed
    assert not PdfJob.objects.filter(status=PdfJob.Status.WAITING).exists()
    # Neither gets a PDF, queued or drawn: refused like every other page of a circle they left.
    assert helper.get(_url(cast)).status_code == 404
    assert professional.get(_url(cast)).status_code == 404
    assert len(drawn) == 1


@pytest.mark.django_db
def test_a_change_while_it_is_drawn_keeps_nothing_drawn(cast, drawn, monkeypatch, django_capture_on_commit_callbacks):
    from carecircle.records.sections import SECTION_BY_KEY

    with django_capture_on_commit_callbacks(execute=True):
        add_entry(actor=cast.organiser, circle=cast.circle, section="medications", name="Metformin")
    stand_in = exports._pdf_of

    def withdrawn_meanwhile(html_class: Any, html: str) -> bytes:
        with django_capture_on_commit_callbacks(execute=True):
            _withdraw(cast, "helper", SECTION_BY_KEY["medications"].capability)
        return stand_in(html_class, html)

    monkeypatch.setattr(exports, "_pdf_of", withdrawn_meanwhile)
    client = client_for(cast.helper)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert client.get(_url(cast)).status_code == 202
    queued[0]()
    assert len(drawn) == 1  # drawn with the medicines, as they were when it started…
    assert not PdfJob.objects.filter(pdf__isnull=False).exists()  # …and not kept
    monkeypatch.setattr(exports, "_pdf_of", stand_in)
    response = pdf_download(client, _url(cast))
    assert response.status_code == 200
    assert "Metformin" not in response.content.decode()


@pytest.mark.django_db
def test_a_link_stopped_after_queuing_is_not_drawn(cast, drawn, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        add_entry(actor=cast.organiser, circle=cast.circle, section="medications", name="Metformin")
    link, token = share_link_create(
        actor=cast.organiser, circle=cast.circle, recipient="Nurse", sections=["medications"], hours=24
    )
    url = reverse("records:shared_pdf", kwargs={"share_token": token})
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert Client().get(url).status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        share_link_revoke(actor=cast.organiser, link=link)
    queued[0]()
    assert drawn == []
    assert not PdfJob.objects.exists()
    assert Client().get(url).status_code == 410
