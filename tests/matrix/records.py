"""Matrix rows for the shared record: sections, entries, documents, sharing, exports and share links."""

from __future__ import annotations

from typing import Any

from carecircle.records.models import RecordEntry, ShareLink
from carecircle.records.sections import SECTION_BY_KEY, SECTIONS
from carecircle.records.services import document_add, entry_create, share_link_create
from tests.matrix.base import World, Write

# Columns: person, organiser, helper, paid_carer, professional, well_wisher, org_staff, outsider, anonymous.
# By default consent, helpers, paid carers and professionals read every section but documents (no
# paid carers) and may write; well-wishers read none. Sharing, exports and the access log are for
# the person and organisers. A share link's pages answer anyone holding the token, signed in or not.
NOT_ALLOWED = "405 405 405 405 405 405 405 405 405"
READERS = "200 200 200 200 200 403 404 404 302"
OWNERS = "200 200 403 403 403 403 404 404 302"
ANYONE = "200 200 200 200 200 200 200 200 200"
# The summary PDF's first answer: "being prepared" (202) while the worker draws it (records/pdf_jobs.py).
PDF_READERS = READERS.replace("200", "202")
PDF_ANYONE = ANYONE.replace("200", "202")
READERS_COLUMNS = ("person", "organiser", "helper", "paid_carer", "professional")

WEB: dict[tuple[str, str], str] = {
    ("records:index", "GET"): READERS,
    ("records:index", "POST"): NOT_ALLOWED,
    ("records:section", "GET"): READERS,
    ("records:section", "POST"): NOT_ALLOWED,
    ("records:section_fragment", "GET"): READERS,
    ("records:section_fragment", "POST"): NOT_ALLOWED,
    ("records:entry_add", "GET"): READERS,
    ("records:entry_add", "POST"): "302 302 302 302 302 403 404 404 302",
    ("records:entry_edit", "GET"): READERS,
    ("records:entry_edit", "POST"): "302 302 302 302 302 403 404 404 302",
    ("records:entry_history", "GET"): READERS,
    ("records:entry_history", "POST"): NOT_ALLOWED,
    ("records:entry_delete", "GET"): NOT_ALLOWED,
    # Deleting is its own capability: by default owners and helpers, not paid carers or professionals.
    ("records:entry_delete", "POST"): "302 302 302 403 403 403 404 404 302",
    ("records:entry_restore", "GET"): NOT_ALLOWED,
    ("records:entry_restore", "POST"): "302 302 302 302 302 403 404 404 302",
    ("records:document", "GET"): "200 200 200 403 200 403 404 404 302",
    ("records:document", "POST"): NOT_ALLOWED,
    ("records:essentials", "GET"): READERS,
    ("records:essentials", "POST"): NOT_ALLOWED,
    ("records:essentials_pdf", "GET"): PDF_READERS,
    ("records:essentials_pdf", "POST"): NOT_ALLOWED,
    ("records:fhir", "GET"): OWNERS,
    ("records:fhir", "POST"): NOT_ALLOWED,
    ("records:export", "GET"): OWNERS,
    ("records:export", "POST"): NOT_ALLOWED,
    ("records:export_download", "GET"): OWNERS,
    ("records:export_download", "POST"): NOT_ALLOWED,
    ("records:share_links", "GET"): OWNERS,
    # The new link is shown once, on the page itself.
    ("records:share_links", "POST"): "200 200 403 403 403 403 404 404 302",
    ("records:share_link_revoke", "GET"): NOT_ALLOWED,
    ("records:share_link_revoke", "POST"): "302 302 403 403 403 403 404 404 302",
    ("records:access_log", "GET"): OWNERS,
    ("records:access_log", "POST"): NOT_ALLOWED,
    ("records:shared", "GET"): ANYONE,
    ("records:shared", "POST"): NOT_ALLOWED,
    ("records:shared_essentials", "GET"): ANYONE,
    ("records:shared_essentials", "POST"): NOT_ALLOWED,
    ("records:shared_pdf", "GET"): PDF_ANYONE,
    ("records:shared_pdf", "POST"): NOT_ALLOWED,
    ("records:shared_fhir", "GET"): ANYONE,
    ("records:shared_fhir", "POST"): NOT_ALLOWED,
    ("records:shared_document", "GET"): ANYONE,
    ("records:shared_document", "POST"): NOT_ALLOWED,
}

TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def prepare(world: World) -> dict[str, Any]:
    cast = world.cast
    medication = entry_create(
        actor=cast.organiser,
        circle=cast.circle,
        section=SECTION_BY_KEY["medications"],
        values={"name": "Metformin", "strength": "500 mg"},
    )
    document: RecordEntry = document_add(
        actor=cast.organiser,
        circle=cast.circle,
        values={"title": "Discharge letter"},
        content=TINY_PDF,
        content_type="application/pdf",
        filename="discharge-letter.pdf",
    )
    link, token = share_link_create(
        actor=cast.organiser,
        circle=cast.circle,
        recipient="Practice nurse",
        sections=[section.key for section in SECTIONS],
        hours=24,
    )
    assert token is not None
    return {
        "section": "medications",
        "entry_id": medication.pk,
        "document_id": document.pk,
        "share_id": link.pk,
        "share_token": token,
    }


def _entries(world: World) -> list[tuple[Any, ...]]:
    return list(RecordEntry.objects.order_by("pk").values_list("pk", "data", "deleted_at"))


def _share_links(world: World) -> list[tuple[Any, ...]]:
    return list(ShareLink.objects.order_by("pk").values_list("pk", "revoked_at"))


WRITES: dict[str, Write] = {
    "records:entry_add": Write(form={"name": "Aspirin", "dose": "75 mg", "audience": "everyone"}, changes=_entries),
    "records:entry_edit": Write(
        form={"name": "Metformin", "strength": "850 mg", "version": 1, "audience": "everyone"}, changes=_entries
    ),
    "records:entry_delete": Write(form={}, changes=_entries),
    # Nothing was deleted, so there is nothing to restore.
    "records:entry_restore": Write(form={}, changes=_entries, unchanged_for=READERS_COLUMNS),
    "records:share_links": Write(
        form={"recipient": "District nurse", "sections": ["medications"], "hours": 24, "code_channel": ""},
        changes=_share_links,
    ),
    "records:share_link_revoke": Write(form={}, changes=_share_links),
}

API_READERS = "200 200 200 200 200 403 404 404 401"
API_WRITERS = API_READERS
API_OWNERS = "200 200 403 403 403 403 404 404 401"

API: dict[tuple[str, str], str] = {
    ("record_sections", "GET"): "200 200 200 200 200 200 404 404 401",
    ("record_fhir", "GET"): API_READERS,
    ("record_export", "GET"): API_OWNERS,
    ("record_summary_pdf", "GET"): API_READERS.replace("200", "202"),
    ("record_share_list", "GET"): API_OWNERS,
    ("record_share_create", "POST"): "201 201 403 403 403 403 404 404 401",
    ("record_share_revoke", "POST"): API_OWNERS,
    ("record_view_list", "GET"): API_OWNERS,
    # A JSON body isn't the multipart form this operation reads: refused before anything is looked up.
    ("record_document_upload", "POST"): "422 422 422 422 422 422 422 422 401",
    ("record_document_download", "GET"): "200 200 200 403 200 403 404 404 401",
    ("record_entry_list", "GET"): API_READERS,
    ("record_entry_create", "POST"): "201 201 201 201 201 403 404 404 401",
    ("record_entry_get", "GET"): API_READERS,
    ("record_entry_update", "PATCH"): API_WRITERS,
    ("record_entry_delete", "DELETE"): "200 200 200 403 403 403 404 404 401",
    ("record_entry_restore", "POST"): API_WRITERS,
    ("record_entry_versions", "GET"): API_READERS,
}

API_BODIES: dict[str, Any] = {
    "record_share_create": {"recipient": "Practice nurse", "sections": ["medications"], "hours": 24},
    "record_entry_create": {"values": {"name": "Aspirin", "dose": "75 mg"}},
    "record_entry_update": {"values": {"dose": "2 tablets"}, "version": 1},
}
