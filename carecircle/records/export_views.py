"""Printing, the PDF summary, the FHIR download and the full export, for members of the circle."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from carecircle.accounts.stepup import stepup_required
from carecircle.circles.access import access_circle
from carecircle.circles.conditional import not_modified, with_etag
from carecircle.circles.pages import circle_context, viewer
from carecircle.records import services
from carecircle.records.access import Reader, access_record
from carecircle.records.archive import export_size, export_stream
from carecircle.records.exports import ESSENTIAL_SECTIONS, essentials_for
from carecircle.records.sections import SECTION_BY_KEY
from carecircle.records.share_views import fhir_response, pdf_response


def _essentials_reader(request: HttpRequest, circle_id: int) -> Reader:
    reader = access_record(user=request.user, circle_id=circle_id)
    if not any(reader.can_read(SECTION_BY_KEY[key]) for key in ESSENTIAL_SECTIONS):
        raise PermissionDenied(_("Your role in this circle doesn't include reading the record."))
    return reader


@require_http_methods(["GET"])
@login_required
def essentials(request: HttpRequest, circle_id: int) -> HttpResponse:
    """The one-page summary, laid out for A4 when printed from the browser.

    Marked with the circle page's ETag (the record's changes are circle events), not one made from
    its bytes: the summary says the minute it was made, so a reload a minute later would otherwise
    send the whole page again. An unchanged record answers a reload with a 304; the browser keeps
    the copy it has, which says when that copy was made. Every look is logged, 304s included.
    """
    reader = _essentials_reader(request, circle_id)
    reader.log("the one-page summary")
    assert reader.access is not None
    if (unchanged := not_modified(request, reader.access)) is not None:
        return unchanged
    context = circle_context(reader.access, reader=reader, essentials=essentials_for(reader))
    return with_etag(request, reader.access, render(request, "records/essentials.html", context))


@require_http_methods(["GET"])
@login_required
def essentials_pdf(request: HttpRequest, circle_id: int) -> HttpResponse:
    reader = _essentials_reader(request, circle_id)
    return pdf_response(request, reader, summary_url=reverse("records:essentials", args=[circle_id]))


@require_http_methods(["GET"])
@login_required
@stepup_required
def fhir(request: HttpRequest, circle_id: int) -> JsonResponse:
    """The FHIR R4 bundle: organisers and the person here; professionals' systems use the API."""
    reader = access_record(user=request.user, circle_id=circle_id, capability="records.share")
    url = request.build_absolute_uri(reverse("records:section", args=[circle_id, "documents"]))
    return fhir_response(reader, document_url=url)


@require_http_methods(["GET"])
@login_required
def export_page(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="records.share")
    return render(request, "records/export.html", circle_context(access, size=export_size(access.circle)))


@require_http_methods(["GET"])
@login_required
@stepup_required
def export_download(request: HttpRequest, circle_id: int) -> StreamingHttpResponse:
    """Everything in one zip, streamed as it is written: the download starts at once and shows its progress."""
    access = access_circle(user=request.user, circle_id=circle_id, capability="records.share")
    services.export_record(actor=viewer(request), circle=access.circle, kind="zip")
    response = StreamingHttpResponse(
        (chunk for chunk in export_stream(access.circle) if chunk), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="circle-{circle_id}-{timezone.localdate():%Y-%m-%d}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response
