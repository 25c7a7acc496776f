"""The PDF summary is drawn by the worker once per record version and reader position, and never served to another.

`exports.pdf_key` holds the circle's event sequence, the reader's capability set and audiences, a
share link's sections, and the reader's time zone, language and date. WeasyPrint is replaced here by
a stand-in that returns the HTML it was given, so each test can read what a download holds and count
what was drawn. The access checks and the access log run for every download, kept or not.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.records.models import RecordView
from carecircle.records.services import share_link_create
from tests.cast import Cast
from tests.circles.conftest import queries_for
from tests.conftest import client_for
from tests.records.conftest import add_entry, pdf_download

pytestmark = pytest.mark.django_db


def _pdf(cast: Cast, user: Any) -> str:
    response = pdf_download(client_for(user), reverse("records:essentials_pdf", args=[cast.circle.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return str(response.content.decode())


def _fill(cast: Cast, capture: Any) -> None:
    with capture(execute=True):
        add_entry(actor=cast.organiser, circle=cast.circle, section="medications", name="Metformin")
        add_entry(actor=cast.organiser, circle=cast.circle, section="emergency", key_safe="Key safe code 4321")
        add_entry(
            actor=cast.organiser,
            circle=cast.circle,
            section="conditions",
            name="Heart failure",
            audience="professionals",
        )


def test_the_pdf_is_drawn_once_per_record_version(cast, drawn, django_capture_on_commit_callbacks):
    _fill(cast, django_capture_on_commit_callbacks)
    first = _pdf(cast, cast.helper)
    assert _pdf(cast, cast.helper) == first
    assert len(drawn) == 1
    with django_capture_on_commit_callbacks(execute=True):
        add_entry(actor=cast.organiser, circle=cast.circle, section="medications", name="Amlodipine")
    assert "Amlodipine" in _pdf(cast, cast.helper)
    assert len(drawn) == 2


def test_a_kept_pdf_never_reaches_another_reader(cast, drawn, django_capture_on_commit_callbacks):
    _fill(cast, django_capture_on_commit_callbacks)
    # The organiser's copy holds the key safe; the helper's must not, though it is asked for after.
    assert "4321" in _pdf(cast, cast.organiser)
    helper = _pdf(cast, cast.helper)
    assert "4321" not in helper
    assert "Metformin" in helper
    # A professional's audience includes entries for professionals; a helper's doesn't.
    assert "Heart failure" in _pdf(cast, cast.professional)
    assert "Heart failure" not in _pdf(cast, cast.helper)
    assert len(drawn) == 3


def test_a_kept_pdf_follows_the_readers_language_and_time_zone(cast, drawn, django_capture_on_commit_callbacks):
    _fill(cast, django_capture_on_commit_callbacks)
    english = _pdf(cast, cast.helper)
    cast.helper.language = "cy"
    cast.helper.save(update_fields=["language"])
    welsh = _pdf(cast, cast.helper)
    assert welsh != english
    assert 'lang="cy"' in welsh
    cast.helper.time_zone = "Pacific/Kiritimati"
    cast.helper.save(update_fields=["time_zone"])
    _pdf(cast, cast.helper)
    assert len(drawn) == 3


def test_a_share_link_gets_only_its_sections_whatever_is_kept(cast, drawn, django_capture_on_commit_callbacks):
    _fill(cast, django_capture_on_commit_callbacks)
    _pdf(cast, cast.organiser)
    _, token = share_link_create(
        actor=cast.organiser, circle=cast.circle, recipient="Nurse", sections=["medications"], hours=24
    )
    client = client_for(None)
    url = reverse("records:shared_pdf", kwargs={"share_token": token})
    body = pdf_download(client, url).content.decode()
    assert "Metformin" in body
    assert "4321" not in body
    assert "Heart failure" not in body
    # Kept, and still logged: every download is a look.
    assert client.get(url).content.decode() == body
    assert len(drawn) == 2
    assert RecordView.objects.filter(what="the one-page summary as PDF", viewer_kind="share_link").count() == 2


def test_a_professionals_kept_pdf_is_still_logged(cast, drawn, django_capture_on_commit_callbacks):
    _fill(cast, django_capture_on_commit_callbacks)
    _pdf(cast, cast.professional)
    _pdf(cast, cast.professional)
    assert len(drawn) == 1
    assert RecordView.objects.filter(what="the one-page summary as PDF", viewer=cast.professional).count() == 2


def test_the_exports_cost_the_same_queries_with_many_entries(cast, drawn, django_capture_on_commit_callbacks, settings):
    """The print page, the PDF drawn (nothing kept here) and the FHIR bundle: no query per entry."""
    settings.FRAGMENT_CACHE_SECONDS = 0
    _, token = share_link_create(
        actor=cast.organiser,
        circle=cast.circle,
        recipient="Nurse",
        sections=["about", "conditions", "allergies", "medications", "contacts", "emergency"],
        hours=24,
    )
    client = client_for(cast.organiser)
    urls = [
        reverse("records:essentials", args=[cast.circle.pk]),
        reverse("records:essentials_pdf", args=[cast.circle.pk]),
        reverse("records:shared_pdf", kwargs={"share_token": token}),
        reverse("records:shared_fhir", kwargs={"share_token": token}),
    ]

    def fill(how_many: int, start: int) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            for number in range(start, start + how_many):
                for section, field in (("conditions", "name"), ("allergies", "substance"), ("medications", "name")):
                    add_entry(
                        actor=cast.organiser, circle=cast.circle, section=section, **{field: f"{section} {number}"}
                    )
                add_entry(actor=cast.organiser, circle=cast.circle, section="contacts", name=f"Contact {number}")

    def queries(url: str) -> int:
        if not url.endswith(".pdf"):
            return queries_for(client, url)
        # Asked for, drawn by the worker and served: the three together.
        with CaptureQueriesContext(connection) as captured:
            assert pdf_download(client, url).status_code == 200
        return len(captured)

    fill(2, 0)
    drawn.clear()
    small = [queries(url) for url in urls]
    fill(30, 2)
    big = [queries(url) for url in urls]
    assert big == small
    assert any("conditions 31" in html for html in drawn)
