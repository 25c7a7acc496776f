"""Comments under record entries: a conversations thread, shown on the entry's history page."""

from __future__ import annotations

import uuid

from django.urls import reverse

from tests.circles.conftest import text_of


def _thread(cast, entry) -> str:
    return reverse("conversations:thread", args=[cast.circle.pk, "record_entry", entry.pk])


def _history(cast, entry) -> str:
    return reverse("records:entry_history", args=[cast.circle.pk, entry.section, entry.pk])


def test_a_helper_comments_on_a_medication_and_everyone_who_reads_it_sees_the_comment(
    cast, add, as_user, helper, organiser
):
    entry = add("medications", name="Metformin", dose="500 mg")
    response = as_user(helper).post(
        _thread(cast, entry),
        {
            "body": "The pharmacy changed the brand; same dose.",
            "client_id": str(uuid.uuid4()),
            "next": _history(cast, entry),
        },
    )
    assert response.status_code == 302

    page = as_user(organiser).get(_history(cast, entry))
    assert page.status_code == 200
    text = text_of(page)
    assert "The pharmacy changed the brand; same dose." in text
    assert "History of Metformin" in text
    thread_page = text_of(as_user(organiser).get(_thread(cast, entry)))
    assert "Comments on Metformin" in thread_page


def test_a_professional_who_may_only_read_the_record_reads_the_comments_but_cannot_add_to_them(
    cast, add, as_user, professional
):
    from carecircle.circles.models import Role
    from carecircle.circles.permissions import effective_consent
    from carecircle.circles.services import consent_update

    grants = effective_consent(cast.circle.consent)
    grants[Role.PROFESSIONAL] = [key for key in grants[Role.PROFESSIONAL] if key != "records.write"]
    consent_update(actor=cast.person, circle=cast.circle, grants=grants)
    entry = add("medications", name="Metformin")
    assert as_user(professional).get(_thread(cast, entry)).status_code == 200
    refused = as_user(professional).post(_thread(cast, entry), {"body": "Noted", "client_id": str(uuid.uuid4())})
    assert refused.status_code == 403


def test_comments_follow_the_entry_audience_and_the_sections_consent(cast, add, as_user, helper, well_wisher, outsider):
    private = add("medications", name="Sertraline", audience="owners")
    assert as_user(helper).get(_thread(cast, private)).status_code == 404
    public = add("medications", name="Metformin")
    assert as_user(well_wisher).get(_thread(cast, public)).status_code == 403
    assert as_user(outsider).get(_thread(cast, public)).status_code == 404


def test_a_deleted_or_unknown_entry_has_no_thread(cast, add, as_user, organiser):
    from carecircle.records.services import entry_delete

    entry = add("medications", name="Metformin")
    entry_delete(actor=cast.organiser, entry=entry)
    assert as_user(organiser).get(_thread(cast, entry)).status_code == 404
    assert (
        as_user(organiser)
        .get(reverse("conversations:thread", args=[cast.circle.pk, "record_entry", 999999]))
        .status_code
        == 404
    )
