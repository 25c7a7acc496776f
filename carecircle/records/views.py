"""The record pages: the overview, each section, adding, editing (with clash handling), history, delete and undo.

Pages read through records/access.py (which uses circles/access.py) and write only through
records/services.py. Looks by professionals are written to the access log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from carecircle.circles import registries
from carecircle.circles.conditional import not_modified, with_etag
from carecircle.circles.fragments import CSRF_PLACEHOLDER, cached_region_with_forms
from carecircle.circles.pages import CONFLICT, INVALID, circle_context, viewer
from carecircle.records import selectors, services
from carecircle.records.access import Reader, access_entry, access_record, access_section, entry_in, section_named
from carecircle.records.documents import DocumentRefused, clean_document, document_limit, upload_too_big
from carecircle.records.forms import DocumentForm, EntryForm
from carecircle.records.models import RecordEntry
from carecircle.records.sections import SECTIONS, Section, in_english

LIVE_TYPES = "record.changed"


# What a saved new entry says, per section with a list of entries (single sections name themselves).
SAVED = {
    "conditions": gettext_lazy("Saved the condition."),
    "allergies": gettext_lazy("Saved the allergy."),
    "medications": gettext_lazy("Saved the medication."),
    "contacts": gettext_lazy("Saved the contact."),
    "notes": gettext_lazy("Saved the note."),
    "documents": gettext_lazy("Saved the document."),
}


def record_context(reader: Reader, **extra: Any) -> dict[str, Any]:
    assert reader.access is not None
    return circle_context(
        reader.access,
        reader=reader,
        live_types=LIVE_TYPES,
        **extra,
    )


@require_http_methods(["GET"])
@login_required
def record_index(request: HttpRequest, circle_id: int) -> HttpResponse:
    reader = access_record(user=request.user, circle_id=circle_id)
    if not any(reader.can_read(section) for section in SECTIONS):
        raise PermissionDenied(_("Your role in this circle doesn't include reading the record."))
    reader.log("the record's contents page")
    assert reader.access is not None
    if (unchanged := not_modified(request, reader.access)) is not None:
        return unchanged
    counts = selectors.section_counts(reader)
    response = render(request, "records/index.html", record_context(reader, counts=counts))
    return with_etag(request, reader.access, response)


def _page_number(request: HttpRequest, name: str) -> int:
    given = request.GET.get(name, "")
    return int(given) if given.isdigit() and len(given) < 7 else 1


def _pager(request: HttpRequest, name: str, page: selectors.Page, label: str) -> dict[str, Any]:
    """A list's page and the addresses of its neighbours, keeping the other lists where they are."""

    def address(number: int | None) -> str:
        if number is None:
            return ""
        query = request.GET.copy()
        query[name] = str(number)
        return f"?{query.urlencode()}"

    return {"page": page, "label": label, "previous": address(page.previous), "next": address(page.next)}


def _section_context(reader: Reader, section: Section, request: HttpRequest) -> dict[str, Any]:
    before = request.GET.get("before", "")
    before_id = int(before) if before.isdigit() and len(before) < 19 else None
    limit = selectors.NOTES_PAGE if section.key == "notes" else None
    entries = selectors.entries_for(reader=reader, section=section, before=before_id, limit=limit)
    context: dict[str, Any] = {"section": section, "entries": entries}
    if section.key == "medications":
        taken = selectors.page_of([entry for entry in entries if not entry.stopped], _page_number(request, "page"))
        stopped = selectors.page_of([entry for entry in entries if entry.stopped], _page_number(request, "stopped"))
        context["entries"] = taken.items
        context["pager"] = _pager(request, "page", taken, _("medicines taken now"))
        context["stopped"] = stopped.items
        context["stopped_pager"] = _pager(request, "stopped", stopped, _("stopped medicines"))
    elif not section.single and section.key != "notes":
        shown = selectors.page_of(entries, _page_number(request, "page"))
        context["entries"] = shown.items
        context["pager"] = _pager(request, "page", shown, section.title.lower())
    if section.key == "notes":
        context["more_before"] = entries[-1].pk if limit and len(entries) == limit else None
        context["extra_items"] = registries.extra_note_items(reader) if before_id is None else []
    if reader.can_write:
        context["deleted"] = selectors.entries_for(reader=reader, section=section, deleted=True, limit=20)
    return context


@require_http_methods(["GET"])
@login_required
def section_page(request: HttpRequest, circle_id: int, section: str) -> HttpResponse:
    reader, found = access_section(user=request.user, circle_id=circle_id, section_key=section)
    # A reload is a look too: the access log records it even when the browser's copy is current.
    with in_english():
        reader.log(str(found.title))
    assert reader.access is not None
    if (unchanged := not_modified(request, reader.access)) is not None:
        return unchanged
    if _kept(found):
        context = record_context(reader, section=found, entries_html=_kept_entries(request, reader, found))
    else:
        context = record_context(reader, **_section_context(reader, found, request))
    return with_etag(request, reader.access, render(request, "records/section.html", context))


def _kept(section: Section) -> bool:
    """Whether a section's entries are kept and shared: not the notes, which show visits from the tasks
    (not recorded as circle events), nor a single entry's section, whose page needs the entry itself."""
    return section.key != "notes" and not section.single


def _kept_entries(request: HttpRequest, reader: Reader, section: Section) -> str:
    """The section's entries, drawn once per circle event and position (circles/fragments.py) and shared.

    The key holds the circle's event sequence (every entry change records one), the reader's role
    and capabilities (which entries and links they see), time zone, language and today's date; the
    query string is a part, as the pagers' links keep it. Delete and restore forms are kept with the
    CSRF token's placeholder, the request's own filled in when served.
    """
    assert reader.access is not None

    def draw() -> str:
        context = record_context(reader, **_section_context(reader, section, request), csrf_token=CSRF_PLACEHOLDER)
        return render_to_string("records/entries.html#entries", context, request)

    parts = [section.key, request.GET.urlencode()]
    return cached_region_with_forms(request, reader.access, "records:entries", parts, draw)


@never_cache
@require_http_methods(["GET"])
@login_required
def section_fragment(request: HttpRequest, circle_id: int, section: str) -> HttpResponse:
    """The entries alone, refetched by live.js when someone changes the record."""
    reader, found = access_section(user=request.user, circle_id=circle_id, section_key=section)
    with in_english():
        reader.log(f"{found.title} (refreshed live)")
    if _kept(found):
        return HttpResponse(_kept_entries(request, reader, found))
    context = record_context(reader, **_section_context(reader, found, request))
    return render(request, "records/entries.html#entries", context)


def _entry_form(reader: Reader, section: Section, data: Any = None, files: Any = None, **kwargs: Any) -> EntryForm:
    form_class = DocumentForm if section.key == "documents" else EntryForm
    return form_class(data, files, section=section, can_sensitive=reader.can_sensitive, **kwargs)


@require_http_methods(["GET", "POST"])
@login_required
def entry_add(request: HttpRequest, circle_id: int, section: str) -> HttpResponse:
    reader, found = access_section(user=request.user, circle_id=circle_id, section_key=section, write=True)
    if found.single and request.method != "POST":
        existing = selectors.single_entry(reader=reader, section=found)
        if existing is not None:
            return redirect("records:entry_edit", circle_id=circle_id, section=found.key, entry_id=existing.pk)
    if request.method != "POST":
        form = _entry_form(reader, found)
        return render(request, "records/entry_form.html", record_context(reader, section=found, form=form))
    if found.key == "documents" and upload_too_big(request):
        # Refused from the announced length, before the body is read at all.
        form = _entry_form(reader, found)
        form.cleaned_data = {}
        form.add_error(
            "file",
            _("This file is too big. Upload one smaller than %(megabytes)s MB.")
            % {"megabytes": document_limit() // (1024 * 1024)},
        )
        context = record_context(reader, section=found, form=form)
        return render(request, "records/entry_form.html", context, status=413)
    form = _entry_form(reader, found, request.POST, request.FILES)
    status = INVALID
    if form.is_valid():
        data = form.cleaned_data
        try:
            if found.key == "documents":
                document = clean_document(data["file"], name=data["file"].name or found.noun)
                services.document_add(
                    actor=viewer(request),
                    circle=reader.circle,
                    values=form.values,
                    content=document.content,
                    content_type=document.content_type,
                    filename=document.filename,
                    audience=data["audience"],
                    client_id=data["client_id"],
                )
            else:
                services.entry_create(
                    actor=viewer(request),
                    circle=reader.circle,
                    section=found,
                    values=form.values,
                    audience=data["audience"],
                    client_id=data["client_id"],
                )
        except DocumentRefused as error:
            form.add_error("file", str(error))
        except services.EditConflict as clash:
            # Someone filled in About me or the emergency plan at the same moment: show both.
            return _conflict(request, reader, found, clash.current, form)
        except services.RecordError as error:
            form.add_error(None, str(error))
            status = error.status
        else:
            messages.success(
                request, _("Saved %(title)s.") % {"title": found.title} if found.single else SAVED[found.key]
            )
            return redirect("records:section", circle_id=circle_id, section=found.key)
    return render(request, "records/entry_form.html", record_context(reader, section=found, form=form), status=status)


def _initial(entry: RecordEntry) -> dict[str, Any]:
    return {**entry.data, "audience": entry.audience, "version": entry.version}


@require_http_methods(["GET", "POST"])
@login_required
def entry_edit(request: HttpRequest, circle_id: int, section: str, entry_id: int) -> HttpResponse:
    reader, found, entry = access_entry(
        user=request.user, circle_id=circle_id, section_key=section, entry_id=entry_id, write=True
    )
    if entry.deleted_at is not None:
        raise Http404(_("This entry was deleted."))
    context = record_context(reader, section=found, entry=selectors.show(reader, found, entry))
    if request.method != "POST":
        with in_english():
            reader.log(f"{services.entry_title(found, entry.data)} ({found.title}), to change it", entry=entry)
        form = EntryForm(initial=_initial(entry), section=found, can_sensitive=reader.can_sensitive)
        return render(request, "records/entry_form.html", {**context, "form": form})
    form = EntryForm(request.POST, section=found, can_sensitive=reader.can_sensitive)
    status = INVALID
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.entry_update(
                actor=viewer(request),
                entry=entry,
                values=form.values,
                audience=data["audience"],
                expected_version=data["version"] or 0,
            )
        except services.EditConflict as clash:
            return _conflict(request, reader, found, clash.current, form)
        except services.RecordError as error:
            form.add_error(None, str(error))
            status = error.status
        else:
            messages.success(
                request,
                _("Saved the changes to %(title)s.")
                % {"title": services.entry_title(found, form.values or entry.data)},
            )
            return redirect("records:section", circle_id=circle_id, section=found.key)
    return render(request, "records/entry_form.html", {**context, "form": form}, status=status)


def _conflict(
    request: HttpRequest, reader: Reader, section: Section, current: RecordEntry, mine: EntryForm
) -> HttpResponse:
    """Both versions side by side; saving again keeps the second editor's words, on top of the newer version."""
    # The newer version may be for an audience the second editor isn't in: then only their own words show.
    hidden = current.audience not in reader.audiences
    shown_theirs = [] if hidden else selectors.shown_values(section, current.data, can_sensitive=reader.can_sensitive)
    theirs = {value.name: value.value for value in shown_theirs}
    rows = [
        {"label": spec.label, "theirs": theirs.get(spec.name, ""), "mine": mine.values.get(spec.name, "")}
        for spec in section.fields
        if spec.name in mine.values
    ]
    data = dict(mine.data.items())
    data["version"] = str(current.version)
    form = EntryForm(data, section=section, can_sensitive=reader.can_sensitive)
    form.is_valid()
    context = record_context(
        reader,
        section=section,
        entry=selectors.show(reader, section, current),
        form=form,
        rows=rows,
        theirs_by=current.updated_by_name,
        theirs_at=current.updated_at,
        hidden=hidden,
    )
    return render(request, "records/conflict.html", context, status=CONFLICT)


@require_http_methods(["GET"])
@login_required
def entry_history(request: HttpRequest, circle_id: int, section: str, entry_id: int) -> HttpResponse:
    reader, found, entry = access_entry(user=request.user, circle_id=circle_id, section_key=section, entry_id=entry_id)
    with in_english():
        reader.log(f"the history of {services.entry_title(found, entry.data)} ({found.title})", entry=entry)
    lines = selectors.history_for(reader=reader, section=found, entry=entry)
    context = record_context(reader, section=found, entry=selectors.show(reader, found, entry), lines=lines)
    if reader.access is not None:
        context["thread"] = registries.comment_thread(
            request, access=reader.access, subject_kind="record_entry", subject_id=entry.pk, heading="Comments"
        )
    return render(request, "records/history.html", context)


@require_http_methods(["POST"])
@login_required
def entry_delete(request: HttpRequest, circle_id: int, section: str, entry_id: int) -> HttpResponse:
    _reader, found, entry = access_entry(
        user=request.user, circle_id=circle_id, section_key=section, entry_id=entry_id, delete=True
    )
    services.entry_delete(actor=viewer(request), entry=entry)
    title = services.entry_title(found, entry.data)
    messages.success(request, _("Deleted %(title)s. You can undo this below, under “Deleted”.") % {"title": title})
    return redirect(reverse("records:section", args=[circle_id, found.key]) + "#deleted")


@require_http_methods(["POST"])
@login_required
def entry_restore(request: HttpRequest, circle_id: int, section: str, entry_id: int) -> HttpResponse:
    _reader, found, entry = access_entry(
        user=request.user, circle_id=circle_id, section_key=section, entry_id=entry_id, write=True
    )
    try:
        services.entry_restore(actor=viewer(request), entry=entry)
    except services.RecordError as error:
        messages.error(request, str(error))
        return redirect("records:section", circle_id=circle_id, section=found.key)
    messages.success(request, _("Restored %(title)s.") % {"title": services.entry_title(found, entry.data)})
    return redirect("records:section", circle_id=circle_id, section=found.key)


def document_response(reader: Reader, entry_id: int) -> FileResponse:
    """A document as a download, never shown inline, so nothing in it can run in the site's pages."""
    entry = entry_in(reader, section_named("documents"), entry_id)
    document = getattr(entry, "document", None)
    if entry.deleted_at is not None or document is None:
        raise Http404(_("No such document."))
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("No such document.")) from error
    reader.log(f"the document {services.entry_title(section_named('documents'), entry.data)}", entry=entry)
    response = FileResponse(handle, as_attachment=True, filename=document.filename, content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET"])
@login_required
def document_download(request: HttpRequest, circle_id: int, document_id: int) -> FileResponse:
    reader, _found = access_section(user=request.user, circle_id=circle_id, section_key="documents")
    return document_response(reader, document_id)
