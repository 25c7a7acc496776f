"""The record API: every section's entries with history, documents, share links, the access log and exports.

Operations read through records/access.py (outsiders 404, members without the capability 403,
entries outside the caller's audience 404) and write through records/services.py. Looks by
professionals are written to the access log, as on the pages.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext
from ninja import Field, File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from carecircle.accounts.api_auth import viewer
from carecircle.accounts.stepup import stepup_check_api
from carecircle.circles.access import access_circle
from carecircle.lib.errors import Conflict, InvalidFields
from carecircle.lib.schemas import CircleId, normalise_email, normalise_phone, responses
from carecircle.records import selectors, services
from carecircle.records.access import access_entry, access_record, access_section
from carecircle.records.api_schemas import (
    Before,
    EntryId,
    EntryIn,
    EntryOut,
    EntryUpdateIn,
    RecordViewOut,
    SectionOut,
    SectionPath,
    ShareId,
    ShareLinkCreatedOut,
    ShareLinkIn,
    ShareLinkOut,
    VersionOut,
    WritableSectionPath,
    checked_values,
    entry_out,
    file_answer,
)
from carecircle.records.archive import export_stream
from carecircle.records.documents import DocumentRefused, clean_document, document_limit, upload_too_big
from carecircle.records.exports import ESSENTIAL_SECTIONS
from carecircle.records.models import Audience, PdfJob, RecordEntry
from carecircle.records.pdf_jobs import ASK_AGAIN_SECONDS, pdf_state
from carecircle.records.sections import SECTION_BY_KEY, SECTIONS, in_english
from carecircle.records.share_views import fhir_response, pdf_download
from carecircle.records.views import document_response

router = Router(tags=["Records"])


@router.get(
    "/circles/{circle_id}/record",
    operation_id="record_sections",
    summary="The sections of the record you may read",
    response=responses({200: list[SectionOut]}, 404, 422),
)
def record_sections(request: HttpRequest, circle_id: CircleId) -> list[SectionOut]:
    reader = access_record(user=viewer(request), circle_id=circle_id)
    return [
        SectionOut(key=item.section.key, title=str(item.section.title), entries=item.count, single=item.section.single)
        for item in selectors.section_counts(reader)
    ]


@router.get(
    "/circles/{circle_id}/record/fhir",
    operation_id="record_fhir",
    summary="The record as a FHIR R4 Bundle",
    response=responses({200: dict[str, Any]}, 403, 404, 422),
    openapi_extra={
        "responses": {
            200: {
                "description": "A FHIR R4 Bundle of type collection.",
                "content": {"application/fhir+json": {"schema": {"type": "object"}}},
            }
        }
    },
)
def record_fhir(request: HttpRequest, circle_id: CircleId) -> JsonResponse:
    """For professionals' systems: what your role may read, as Patient, Condition, AllergyIntolerance and so on."""
    reader = access_record(user=viewer(request), circle_id=circle_id)
    if not any(reader.can_read(section) for section in SECTIONS):
        reader.require_section(SECTIONS[0])
    stepup_check_api(request)
    reader.log("the FHIR export")
    url = request.build_absolute_uri(f"/circles/{circle_id}/record/documents/")
    return fhir_response(reader, document_url=url)


class PdfPreparingOut(Schema):
    detail: str
    retry_after: int = Field(description="Seconds to wait before asking again.")


PDF_PREPARING = {
    202: {
        "description": "Being drawn by the worker: ask again after `Retry-After` seconds, at the same address.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PdfPreparingOut"}}},
    }
}


@router.get(
    "/circles/{circle_id}/record/summary.pdf",
    operation_id="record_summary_pdf",
    summary="The one-page summary as a PDF",
    response=responses({200: bytes, 202: PdfPreparingOut}, 403, 404, 422, 503),
    openapi_extra={"responses": {**file_answer("An A4 PDF.", "application/pdf")["responses"], **PDF_PREPARING}},
)
def record_summary_pdf(request: HttpRequest, circle_id: CircleId) -> HttpResponse:
    """Who the person is, conditions, allergies, medicines taken now, key contacts and the emergency plan.

    The worker draws a PDF the first time it is asked for after the record changes: until then the
    answer is 202 with `Retry-After`; 503 when the drawing failed (asking again a minute later
    tries again).
    """
    reader = access_record(user=viewer(request), circle_id=circle_id)
    if not any(reader.can_read(SECTION_BY_KEY[key]) for key in ESSENTIAL_SECTIONS):
        reader.require_section(SECTION_BY_KEY["about"])
    state = pdf_state(reader)
    if state.pdf is not None:
        return pdf_download(reader, state.pdf)
    if state.status == PdfJob.Status.FAILED:
        detail = gettext("The PDF couldn't be made. Ask again in a minute to try again.")
        return JsonResponse({"detail": detail}, status=503)
    preparing = {"detail": gettext("Your PDF is being prepared."), "retry_after": ASK_AGAIN_SECONDS}
    response = JsonResponse(preparing, status=202)
    response["Retry-After"] = str(ASK_AGAIN_SECONDS)
    return response


@router.get(
    "/circles/{circle_id}/record/export",
    operation_id="record_export",
    summary="Everything in the circle, as a zip of JSON, CSV and documents",
    response=responses({200: bytes}, 403, 404, 422),
    openapi_extra=file_answer("A zip file.", "application/zip"),
)
def record_export(request: HttpRequest, circle_id: CircleId) -> StreamingHttpResponse:
    """Organisers and the person only. Streamed: the answer starts at once."""
    actor = viewer(request)
    access = access_circle(user=actor, circle_id=circle_id, capability="records.share")
    stepup_check_api(request)
    services.export_record(actor=actor, circle=access.circle, kind="zip")
    response = StreamingHttpResponse(
        (chunk for chunk in export_stream(access.circle) if chunk), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="circle-{circle_id}.zip"'
    return response


@router.get(
    "/circles/{circle_id}/record/share-links",
    operation_id="record_share_list",
    summary="Share links for professionals",
    response=responses({200: list[ShareLinkOut]}, 403, 404, 422),
)
def record_share_list(request: HttpRequest, circle_id: CircleId) -> list[ShareLinkOut]:
    access = access_circle(user=viewer(request), circle_id=circle_id, capability="records.share")
    return [ShareLinkOut.model_validate(link) for link in selectors.share_links_for(circle=access.circle)]


@router.post(
    "/circles/{circle_id}/record/share-links",
    operation_id="record_share_create",
    summary="Make a read-only link to chosen sections, for 24 hours or 7 days",
    response=responses({200: ShareLinkCreatedOut, 201: ShareLinkCreatedOut}, 400, 403, 404, 422),
)
def record_share_create(request: HttpRequest, circle_id: CircleId, payload: ShareLinkIn) -> Status[ShareLinkCreatedOut]:
    """With code_channel, a 6-digit code goes to code_to (email or mobile); the link alone then opens nothing."""
    actor = viewer(request)
    access = access_circle(user=actor, circle_id=circle_id, capability="records.share")
    stepup_check_api(request)
    code_to = payload.code_to
    try:
        if payload.code_channel == "email":
            code_to = normalise_email(code_to)
        elif payload.code_channel == "sms":
            code_to = normalise_phone(code_to)
    except ValueError as error:
        raise InvalidFields({"code_to": str(error)}) from error
    link, token = services.share_link_create(
        actor=actor,
        circle=access.circle,
        recipient=payload.recipient,
        sections=list(payload.sections),
        hours=payload.hours,
        code_channel=payload.code_channel,
        code_to=code_to,
        client_id=payload.client_id,
    )
    url = request.build_absolute_uri(reverse("records:shared", kwargs={"share_token": token})) if token else None
    out = ShareLinkCreatedOut(**ShareLinkOut.model_validate(link).model_dump(), url=url)
    return Status(201 if token else 200, out)


@router.post(
    "/circles/{circle_id}/record/share-links/{share_id}/revoke",
    operation_id="record_share_revoke",
    summary="Stop a share link at once",
    response=responses({200: ShareLinkOut}, 403, 404, 422),
)
def record_share_revoke(request: HttpRequest, circle_id: CircleId, share_id: ShareId) -> ShareLinkOut:
    actor = viewer(request)
    access = access_circle(user=actor, circle_id=circle_id, capability="records.share")
    link = selectors.share_link_in(circle=access.circle, share_id=share_id)
    return ShareLinkOut.model_validate(services.share_link_revoke(actor=actor, link=link))


@router.get(
    "/circles/{circle_id}/record/views",
    operation_id="record_view_list",
    summary="Who looked at the record, when",
    response=responses({200: list[RecordViewOut]}, 403, 404, 422),
)
def record_view_list(request: HttpRequest, circle_id: CircleId, before: Before = None) -> list[RecordViewOut]:
    """Looks by professionals, share links and organisation staff, newest first, 100 at a time."""
    access = access_circle(user=viewer(request), circle_id=circle_id, capability="audit.view")
    return [
        RecordViewOut(id=v.pk, who=v.viewer_name, kind=v.viewer_kind, what=v.what, at=v.created_at)
        for v in selectors.record_views_page(circle=access.circle, before=before)
    ]


@router.post(
    "/circles/{circle_id}/record/documents/upload",
    operation_id="record_document_upload",
    summary="Upload a PDF or a picture to Documents",
    response=responses({200: EntryOut, 201: EntryOut}, 403, 404, 422),
)
def record_document_upload(
    request: HttpRequest,
    circle_id: CircleId,
    file: File[UploadedFile],
    title: Form[str],
    description: Form[str | None] = None,
    audience: Form[Audience] = Audience.EVERYONE,
    client_id: Form[uuid.UUID | None] = None,
) -> Status[EntryOut]:
    """Multipart form. The type is found from the content; pictures are re-encoded without location data."""
    actor = viewer(request)
    reader, section = access_section(user=actor, circle_id=circle_id, section_key="documents", write=True)
    if upload_too_big(request):
        raise InvalidFields(
            {
                "file": gettext("This file is too big. Send one smaller than %(megabytes)s MB.")
                % {"megabytes": document_limit() // 2**20}
            }
        )
    values = checked_values(section, {"title": title, "description": description or ""}, reader, partial=False)
    try:
        document = clean_document(file, name=file.name or "document")
    except DocumentRefused as error:
        raise InvalidFields({"file": str(error)}) from error
    entry = services.document_add(
        actor=actor,
        circle=reader.circle,
        values=values,
        content=document.content,
        content_type=document.content_type,
        filename=document.filename,
        audience=audience,
        client_id=client_id,
    )
    entry = RecordEntry.objects.select_related("document").get(pk=entry.pk)
    return Status(201, entry_out(reader, section, entry))


@router.get(
    "/circles/{circle_id}/record/documents/{document_id}/file",
    operation_id="record_document_download",
    summary="Download a document",
    response=responses({200: bytes}, 403, 404, 422),
    openapi_extra=file_answer("The document, as an attachment.", "application/pdf", "image/jpeg", "image/png"),
)
def record_document_download(request: HttpRequest, circle_id: CircleId, document_id: EntryId) -> FileResponse:
    """The file of a Documents entry (its entry id), always as an attachment."""
    reader, _ = access_section(user=viewer(request), circle_id=circle_id, section_key="documents")
    return document_response(reader, document_id)


@router.get(
    "/circles/{circle_id}/record/{section}",
    operation_id="record_entry_list",
    summary="The entries of a section",
    response=responses({200: list[EntryOut]}, 403, 404, 422),
)
def record_entry_list(
    request: HttpRequest, circle_id: CircleId, section: SectionPath, before: Before = None, deleted: bool = False
) -> list[EntryOut]:
    """Newest first, 100 at a time (ask again with before=<last id>). deleted=true lists deleted entries."""
    reader, found = access_section(user=viewer(request), circle_id=circle_id, section_key=section)
    with in_english():
        reader.log(str(found.title))
    shown = selectors.entries_for(reader=reader, section=found, deleted=deleted, before=before, limit=100)
    return [entry_out(reader, found, item.entry) for item in shown]


@router.post(
    "/circles/{circle_id}/record/{section}",
    operation_id="record_entry_create",
    summary="Add an entry to a section",
    response=responses({200: EntryOut, 201: EntryOut}, 400, 403, 404, 409, 422),
)
def record_entry_create(
    request: HttpRequest, circle_id: CircleId, section: WritableSectionPath, payload: EntryIn
) -> Status[EntryOut]:
    """A retry with the same client_id returns the first entry (200). About me and the emergency plan
    are single entries: a second one is 409 (change the existing one)."""
    actor = viewer(request)
    reader, found = access_section(user=actor, circle_id=circle_id, section_key=section, write=True)
    if found.key == "documents":
        raise HttpError(
            400,
            # Translators: record_document_upload is the name of an API operation; keep it in English.
            gettext("Upload documents with record_document_upload (multipart), with their file."),
        )
    values = checked_values(found, payload.values, reader, partial=False)
    replay = (
        payload.client_id is not None
        and RecordEntry.objects.filter(created_by=actor, client_id=payload.client_id).exists()
    )
    try:
        entry = services.entry_create(
            actor=actor,
            circle=reader.circle,
            section=found,
            values=values,
            audience=payload.audience,
            client_id=payload.client_id,
        )
    except services.EditConflict as clash:
        raise Conflict(
            gettext("“%(section)s” already has its entry (id %(id)s). Change that one instead.")
            % {"section": found.title, "id": clash.current.pk}
        ) from clash
    return Status(200 if replay else 201, entry_out(reader, found, entry))


@router.get(
    "/circles/{circle_id}/record/{section}/{entry_id}",
    operation_id="record_entry_get",
    summary="One entry",
    response=responses({200: EntryOut}, 403, 404, 422),
)
def record_entry_get(request: HttpRequest, circle_id: CircleId, section: SectionPath, entry_id: EntryId) -> EntryOut:
    reader, found, entry = access_entry(
        user=viewer(request), circle_id=circle_id, section_key=section, entry_id=entry_id
    )
    with in_english():
        reader.log(f"{services.entry_title(found, entry.data)} ({found.title})", entry=entry)
    return entry_out(reader, found, entry)


@router.patch(
    "/circles/{circle_id}/record/{section}/{entry_id}",
    operation_id="record_entry_update",
    summary="Change an entry",
    response=responses({200: EntryOut}, 400, 403, 404, 409, 422),
)
def record_entry_update(
    request: HttpRequest, circle_id: CircleId, section: SectionPath, entry_id: EntryId, payload: EntryUpdateIn
) -> EntryOut:
    """Send the version you read: if someone else saved since, the answer is 409 and nothing changes."""
    actor = viewer(request)
    reader, found, entry = access_entry(
        user=actor, circle_id=circle_id, section_key=section, entry_id=entry_id, write=True
    )
    values = checked_values(found, payload.values, reader, partial=True)
    try:
        entry = services.entry_update(
            actor=actor, entry=entry, values=values, audience=payload.audience, expected_version=payload.version
        )
    except services.EditConflict as clash:
        raise Conflict(
            gettext(
                "Someone else saved version %(saved)s since you read version %(read)s. "
                "Read the entry again, merge your change, and send the new version."
            )
            % {"saved": clash.current.version, "read": payload.version}
        ) from clash
    return entry_out(reader, found, entry)


@router.delete(
    "/circles/{circle_id}/record/{section}/{entry_id}",
    operation_id="record_entry_delete",
    summary="Delete an entry (it can be restored)",
    response=responses({200: EntryOut}, 403, 404, 422),
)
def record_entry_delete(request: HttpRequest, circle_id: CircleId, section: SectionPath, entry_id: EntryId) -> EntryOut:
    actor = viewer(request)
    reader, found, entry = access_entry(
        user=actor, circle_id=circle_id, section_key=section, entry_id=entry_id, delete=True
    )
    return entry_out(reader, found, services.entry_delete(actor=actor, entry=entry))


@router.post(
    "/circles/{circle_id}/record/{section}/{entry_id}/restore",
    operation_id="record_entry_restore",
    summary="Restore a deleted entry",
    response=responses({200: EntryOut}, 403, 404, 409, 422),
)
def record_entry_restore(
    request: HttpRequest, circle_id: CircleId, section: SectionPath, entry_id: EntryId
) -> EntryOut:
    actor = viewer(request)
    reader, found, entry = access_entry(
        user=actor, circle_id=circle_id, section_key=section, entry_id=entry_id, write=True
    )
    entry = services.entry_restore(actor=actor, entry=entry)
    return entry_out(reader, found, entry)


@router.get(
    "/circles/{circle_id}/record/{section}/{entry_id}/versions",
    operation_id="record_entry_versions",
    summary="Every version of an entry, newest first, with what changed",
    response=responses({200: list[VersionOut]}, 403, 404, 422),
)
def record_entry_versions(
    request: HttpRequest, circle_id: CircleId, section: SectionPath, entry_id: EntryId
) -> list[VersionOut]:
    reader, found, entry = access_entry(
        user=viewer(request), circle_id=circle_id, section_key=section, entry_id=entry_id
    )
    with in_english():
        reader.log(f"the history of {services.entry_title(found, entry.data)} ({found.title})", entry=entry)
    return [
        VersionOut(
            number=line.number,
            change=line.change,
            by=line.author_name,
            at=line.created_at,
            changes=[{"field": c.label, "before": c.before, "after": c.after} for c in line.changes],
        )
        for line in selectors.history_for(reader=reader, section=found, entry=entry)
    ]
