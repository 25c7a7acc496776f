"""Sharing the record: making and revoking links, the pages a link opens, and "who looked at what, when".

A link's token is in the address: responses are marked as already logged so Django's request log
never writes it (as for invitations), and lib/redaction.py removes it from server access logs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from carecircle.accounts.stepup import stepup_required
from carecircle.circles.access import access_circle
from carecircle.circles.pages import INVALID, circle_context, viewer
from carecircle.records import selectors, services
from carecircle.records.access import Reader, section_named, share_reader
from carecircle.records.exports import essentials_for, fhir_bundle
from carecircle.records.forms import ShareCodeForm, ShareLinkForm
from carecircle.records.models import PdfJob, ShareLink
from carecircle.records.pdf_jobs import ASK_AGAIN_SECONDS, pdf_state
from carecircle.records.sections import SECTION_BY_KEY, SECTIONS, Section, in_english
from carecircle.records.views import _start, document_response

logger = logging.getLogger(__name__)

# Wrong codes allowed per link in a quarter of an hour, so six digits can't be guessed.
CODE_ATTEMPTS = 5
CODE_LOCK_SECONDS = 15 * 60
SESSION_KEY = "records_share_links"


@require_http_methods(["GET", "POST"])
@login_required
@stepup_required
def share_links(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="records.share")
    status = 200
    if request.method == "POST":
        form = ShareLinkForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                link, token = services.share_link_create(
                    actor=viewer(request),
                    circle=access.circle,
                    recipient=data["recipient"],
                    sections=data["sections"],
                    hours=data["hours"],
                    code_channel=data["code_channel"],
                    code_to=data["code_to"] if data["code_channel"] else "",
                    client_id=data["client_id"],
                )
            except services.RecordError as error:
                form.add_error(None, str(error))
            else:
                return _link_made(request, access.circle.pk, link, token)
        status = INVALID
    else:
        form = ShareLinkForm()
    links = selectors.share_links_for(circle=access.circle)
    context = circle_context(access, form=form, links=links)
    return render(request, "records/share_links.html", context, status=status)


def _link_made(request: HttpRequest, circle_id: int, link: ShareLink, token: str | None) -> HttpResponse:
    if token is None:
        messages.info(
            request,
            _("The link for %(recipient)s was already made. Make a new one if you lost it.")
            % {"recipient": link.recipient},
        )
        return redirect("records:share_links", circle_id=circle_id)
    url = request.build_absolute_uri(reverse("records:shared", kwargs={"share_token": token}))
    access = access_circle(user=request.user, circle_id=circle_id, capability="records.share")
    response = render(request, "records/share_made.html", circle_context(access, link=link, url=url))
    # The link exists only in this response: it is not stored, so the page must not be cached.
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["POST"])
@login_required
def share_link_revoke(request: HttpRequest, circle_id: int, share_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="records.share")
    link = selectors.share_link_in(circle=access.circle, share_id=share_id)
    services.share_link_revoke(actor=viewer(request), link=link)
    messages.success(request, _("The link for %(recipient)s no longer works.") % {"recipient": link.recipient})
    return redirect("records:share_links", circle_id=circle_id)


@require_http_methods(["GET"])
@login_required
def access_log(request: HttpRequest, circle_id: int) -> HttpResponse:
    """Who looked at what, when: professionals, share links and organisation staff."""
    access = access_circle(user=request.user, circle_id=circle_id, capability="audit.view")
    before = request.GET.get("before", "")
    rows = selectors.record_views_page(
        circle=access.circle, before=int(before) if before.isdigit() and len(before) < 19 else None
    )
    more = rows[-1].pk if len(rows) == selectors.VIEWS_PAGE else None
    return render(request, "records/access_log.html", circle_context(access, views=rows, more_before=more))


# The pages a share link opens. No account needed; read-only; every look is logged.


def _quiet[R: HttpResponseBase](response: R) -> R:
    # Django logs every 4xx response with its path, which here holds the secret token.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _link_view(
    methods: tuple[str, ...],
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, share_token: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in methods:
                return _quiet(HttpResponseNotAllowed(list(methods)))
            link = selectors.share_link_find(token=share_token)
            if link is None:
                return _quiet(render(request, "records/shared_gone.html", {"reason": "unknown"}, status=404))
            if link.status != "active":
                return _quiet(
                    render(request, "records/shared_gone.html", {"reason": link.status, "link": link}, status=410)
                )
            needs_code = link.code_hash and link.pk not in request.session.get(SESSION_KEY, [])
            if needs_code and view.__name__ != "shared":
                return _quiet(redirect("records:shared", share_token=share_token))
            response = view(request, link, share_token, *args, **kwargs)
            response["Cache-Control"] = "no-store"
            return _quiet(response)

        return wrapper

    return decorate


def _code_page(request: HttpRequest, link: ShareLink) -> HttpResponse:
    lock_key = f"records:share-code:{link.pk}"
    form = ShareCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        attempts = int(cache.get(lock_key, 0))
        if attempts >= CODE_ATTEMPTS:
            form.is_valid()
            form.add_error("code", _("Too many wrong codes. Wait 15 minutes, then try again."))
            status = 429
        elif form.is_valid() and selectors.share_code_matches(link=link, code=form.cleaned_data["code"]):
            cache.delete(lock_key)
            request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, []), link.pk][-20:]
            return redirect(request.path)
        else:
            cache.set(lock_key, attempts + 1, CODE_LOCK_SECONDS)
            if form.is_valid():
                form.add_error("code", _("That code isn't right. Check the email or text message and try again."))
            status = INVALID
    channel = _("email") if link.code_channel == ShareLink.CodeChannel.EMAIL else _("text message")
    context = {"form": form, "link": link, "channel": channel, "person_name": link.circle.person_name}
    return render(request, "records/shared_code.html", context, status=status)


def _shared_context(reader: Reader, token: str, **extra: Any) -> dict[str, Any]:
    return {"reader": reader, "circle": reader.circle, "link": reader.share_link, "share_token": token, **extra}


# The bytes of cards the shared record's first page holds across all its sections, and a section's
# part (`?section=`) on its own: with the page around them (the header, the inline stylesheet, the
# summary links, a heading and a line per section, in Welsh or Polish too, and the response headers,
# as these pages are never compressed) they keep every page a link opens within the 14,336-byte
# first round trip, however big the record
# (tests/records/test_shared_parts.py).
SHARED_CARDS_BUDGET = 2_000
SHARED_PART_BUDGET = 3_200


def _shared_weigher(reader: Reader, token: str) -> Callable[[selectors.ShownEntry], int]:
    """Weighs an entry by drawing its card as a link shows it (no actions, documents through the link)."""
    card = get_template("records/entry.html")
    context = {"reader": reader, "circle": reader.circle, "share_token": token}

    def weigh(item: selectors.ShownEntry) -> int:
        # A medicine's card sits under "Taken now" or "Stopped" (an h3), so its own heading is an h4.
        level = 4 if item.section.key == "medications" else 3
        item.card = card.render({**context, "item": item, "level": level})
        return len(item.card.encode())

    return weigh


def _read(reader: Reader, section: Section, upto: int) -> list[selectors.ShownEntry]:
    """A section's entries as a link sees them (one query). The daily notes are read newest first and
    only as far as `upto` and one more: a year of notes is never read to show ten. The medicines
    taken now come before those stopped."""
    if section.key == "notes":
        return selectors.entries_for(reader=reader, section=section, limit=upto + 1)
    entries = selectors.entries_for(reader=reader, section=section)
    if section.key == "medications":
        # The medicines taken now, then those stopped, each in the list's order: a part shows them as two
        # lists, "Taken now" and "Stopped", as the member's medications page does.
        return sorted(entries, key=lambda item: item.stopped)
    return entries


def _section_part(
    reader: Reader, section: Section, entries: list[selectors.ShownEntry], start: int, weigh: Any, budget: int
) -> selectors.Part:
    part = selectors.part_of(entries, start, weigh, budget)
    if section.key == "notes":
        # Read only as far as the part and one more: whether there is more, not how many.
        return selectors.Part(items=part.items, start=part.start, total=None, more=part.more)
    return part


def _shared_address(token: str, section: Section, start: int) -> str:
    page = reverse("records:shared", kwargs={"share_token": token})
    query = f"section={section.key}" + (f"&from={start}" if start else "")
    return f"{page}?{query}#part-{section.key}"


@_link_view(("GET", "HEAD", "POST"))
def shared(request: HttpRequest, link: ShareLink, share_token: str) -> HttpResponse:
    """The record a link opens, a part at a time (docs/architecture/records.md, "The shared record a part at a time").

    Without `?section=` every section the link was made for, in order, each with its first entries
    as far as SHARED_CARDS_BUDGET holds and a link to the rest; with `?section=<key>&from=<n>` one
    section's part. Every page is a look, logged with what it showed.
    """
    if link.code_hash and link.pk not in request.session.get(SESSION_KEY, []):
        return _code_page(request, link)
    if request.method == "POST":
        return HttpResponseNotAllowed(["GET", "HEAD"])
    reader = share_reader(link)
    weigh = _shared_weigher(reader, share_token)
    asked = request.GET.get("section")
    if asked is not None:
        section = SECTION_BY_KEY.get(asked)
        if section is None or not reader.can_read(section):
            # Outside the link's sections is the same as no such section: nothing says what exists.
            return render(request, "records/shared_gone.html", {"reason": "section"}, status=404)
        start = _start(request)
        part = _section_part(
            reader, section, _read(reader, section, start + selectors.LIST_PART), start, weigh, SHARED_PART_BUDGET
        )
        pager = _shared_pager(share_token, section, part)
        with in_english():
            reader.log(f"the shared record: {section.title}, {_shown(part)}")
        context = _shared_context(reader, share_token, section=section, part=part, pager=pager)
        return render(request, "records/shared.html", context)
    sections = []
    left = SHARED_CARDS_BUDGET
    for section in SECTIONS:
        if not reader.can_read(section):
            continue
        entries = _read(reader, section, selectors.LIST_PART)
        part = _fitting(section, entries, weigh, left)
        left -= sum(len(item.card.encode()) for item in part.items)
        sections.append((section, part, _shared_pager(share_token, section, part)))
    with in_english():
        reader.log("the shared record: " + ", ".join(str(section.title) for section, _, _ in sections))
    return render(request, "records/shared.html", _shared_context(reader, share_token, sections=sections))


def _fitting(section: Section, entries: list[selectors.ShownEntry], weigh: Any, budget: int) -> selectors.Part:
    """The first entries of a section that fit in what is left of the first page's budget (maybe none)."""
    shown: list[selectors.ShownEntry] = []
    used = 0
    for item in entries[: selectors.LIST_PART]:
        weight = weigh(item)
        if used + weight > budget:
            break
        shown.append(item)
        used += weight
    more = len(shown) < len(entries)
    return selectors.Part(items=shown, start=0, total=None if section.key == "notes" else len(entries), more=more)


def _shown(part: selectors.Part) -> str:
    if not part.items:
        return "nothing"
    return f"entries {part.first} to {part.last}"


def _shared_pager(token: str, section: Section, part: selectors.Part) -> dict[str, Any]:
    return {
        "part": part,
        "label": str(section.title).lower(),
        "more": _shared_address(token, section, part.last) if part.more else "",
        "first": _shared_address(token, section, 0) if part.start else "",
    }


@_link_view(("GET", "HEAD"))
def shared_essentials(request: HttpRequest, link: ShareLink, share_token: str) -> HttpResponse:
    reader = share_reader(link)
    reader.log("the one-page summary")
    context = _shared_context(reader, share_token, essentials=essentials_for(reader))
    return render(request, "records/essentials.html", context)


@_link_view(("GET", "HEAD"))
def shared_pdf(request: HttpRequest, link: ShareLink, share_token: str) -> HttpResponse:
    reader = share_reader(link)
    summary_url = reverse("records:shared_essentials", kwargs={"share_token": share_token})
    return pdf_response(request, reader, summary_url=summary_url)


@_link_view(("GET", "HEAD"))
def shared_fhir(request: HttpRequest, link: ShareLink, share_token: str) -> HttpResponse:
    reader = share_reader(link)
    reader.log("the FHIR export")
    url = request.build_absolute_uri(reverse("records:shared", kwargs={"share_token": share_token})) + "documents/"
    return fhir_response(reader, document_url=url)


@_link_view(("GET", "HEAD"))
def shared_document(request: HttpRequest, link: ShareLink, share_token: str, document_id: int) -> FileResponse:
    reader = share_reader(link)
    reader.require_section(section_named("documents"))
    return document_response(reader, document_id)


def pdf_download(reader: Reader, pdf: bytes) -> HttpResponse:
    """A drawn PDF as a download named after the person, logged as a look at the record.

    The look is logged here, when the PDF is served: "being prepared" shows nothing of the record.
    """
    reader.log("the one-page summary as PDF")
    response = HttpResponse(pdf, content_type="application/pdf")
    name = "".join(c for c in reader.circle.person_name if c.isalnum())[:40] or "summary"
    response["Content-Disposition"] = f'attachment; filename="{name}-summary.pdf"'
    return response


def pdf_response(request: HttpRequest, reader: Reader, *, summary_url: str) -> HttpResponse:
    """The reader's PDF once the worker has drawn it; until then a page that asks again (records/pdf_jobs.py).

    202 Accepted while it is prepared (the request was taken and the PDF follows at the same
    address), 503 with "Try again" when the drawing failed, 200 with the PDF when it is ready.
    """
    state = pdf_state(reader, again=request.GET.get("again") == "1")
    if state.pdf is not None:
        return pdf_download(reader, state.pdf)
    failed = state.status == PdfJob.Status.FAILED
    context = {
        "circle": reader.circle,
        "failed": failed,
        "pdf_url": request.path,
        "again_url": request.path + "?again=1",
        "summary_url": summary_url,
        "ask_again_seconds": ASK_AGAIN_SECONDS,
    }
    response = render(request, "records/pdf_preparing.html", context, status=503 if failed else 202)
    if not failed:
        response["Retry-After"] = str(ASK_AGAIN_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def fhir_response(reader: Reader, *, document_url: str) -> JsonResponse:
    response = JsonResponse(fhir_bundle(reader, document_url=document_url), content_type="application/fhir+json")
    response["Content-Disposition"] = 'attachment; filename="record-fhir.json"'
    return response
