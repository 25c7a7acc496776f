"""The record pages: the overview, each section, adding, editing (with clash handling), history, delete and undo.

Pages read through records/access.py (which uses circles/access.py) and write only through
records/services.py. Looks by professionals are written to the access log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template, render_to_string
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


def _start(request: HttpRequest) -> int:
    """Where a list's part starts: `?from=`, or the start for anything that isn't a count."""
    given = request.GET.get("from", "")
    # A list is bounded: anything longer than a few digits is not a place in it.
    return int(given) if given.isdigit() and len(given) <= 6 else 0


def _pager(request: HttpRequest, reader: Reader, section: Section, part: selectors.Part, label: str) -> dict[str, Any]:
    """A part of a list and the addresses of the next part and of the first, keeping what else is asked.

    The addresses are the section page's (the live refetch draws the same links), ending at the list.
    """
    page = reverse("records:section", args=[reader.circle.pk, section.key])

    def address(start: int) -> str:
        query = request.GET.copy()
        query.pop("from", None)
        if start:
            query["from"] = str(start)
        return f"{page}?{query.urlencode()}#entries" if query else f"{page}#entries"

    return {
        "part": part,
        "label": label,
        "more": address(part.following) if part.following is not None else "",
        "first": address(0) if part.start else "",
    }


# The deleted entry shown under a section's list, as a line, the one deleted last; the
# others are a link away (`?deleted=1`).
DELETED_SHOWN = 1
# The bytes of cards a list's part may hold: with the page around them (the header, the inline
# stylesheet, the footer, the summary and the deleted line: 11.4 KB for the medications page) they
# keep a section page within the 14,336-byte first round trip, however many entries and however
# long (tests/records/test_budgets.py).
CARDS_BUDGET = 2_900


def _card_weigher(reader: Reader, section: Section, level: int) -> Callable[[selectors.ShownEntry], int]:
    """Weighs an entry by drawing its card (kept on it, so the page prints it as drawn)."""
    card = get_template("records/entry.html")
    section_url = reverse("records:section", args=[reader.circle.pk, section.key])
    context = {"reader": reader, "circle": reader.circle, "section_url": section_url, "level": level}

    def weigh(item: selectors.ShownEntry) -> int:
        item.card = card.render({**context, "item": item})
        return len(item.card.encode())

    return weigh


def _section_context(reader: Reader, section: Section, request: HttpRequest) -> dict[str, Any]:
    """A section's entries as its page shows them: a part of a long list at a time (selectors.LIST_PART).

    `?from=` starts the part; on the medications page `?stopped=1` lists the stopped medicines rather
    than those taken now, and on any list `?deleted=1` the deleted entries. Every entry of the section
    is read (one query), so the summary counts them all; only the part shown is drawn.
    """
    before = request.GET.get("before", "")
    before_id = int(before) if before.isdigit() and len(before) < 19 else None
    limit = selectors.NOTES_PART if section.key == "notes" else None
    start = _start(request)
    showing_deleted = reader.can_write and not section.single and request.GET.get("deleted") == "1"
    context: dict[str, Any] = {"section": section, "showing_deleted": showing_deleted, "entries": []}
    if showing_deleted:
        # Read only as far as the part and one more, to know whether there is a next part.
        deleted = selectors.entries_for(
            reader=reader, section=section, deleted=True, by_deletion=True, limit=start + selectors.LIST_PART + 1
        )
        part = selectors.part_of(deleted, start, _card_weigher(reader, section, 3), CARDS_BUDGET)
        part = selectors.Part(items=part.items, start=part.start, total=None, more=len(deleted) > part.last)
        context["deleted"] = part.items
        context["deleted_pager"] = _pager(request, reader, section, part, _("deleted entries"))
        return context
    entries = selectors.entries_for(reader=reader, section=section, before=before_id, limit=limit)
    context["entries"] = entries
    if section.key == "medications":
        taken = [entry for entry in entries if not entry.stopped]
        stopped = [entry for entry in entries if entry.stopped]
        context["medicines"] = {"total": len(entries), "taken": len(taken), "stopped": len(stopped)}
        if len(entries) <= selectors.LIST_PART:
            # A short list shows both on one page, as it always did.
            context["entries"], context["stopped"] = taken, stopped
        else:
            showing_stopped = request.GET.get("stopped") == "1"
            listed = stopped if showing_stopped else taken
            part = selectors.part_of(listed, start, _card_weigher(reader, section, 3), CARDS_BUDGET)
            context["showing_stopped"] = showing_stopped
            context["entries"] = part.items
            label = _("stopped medicines") if showing_stopped else _("medicines taken now")
            context["pager"] = _pager(request, reader, section, part, label)
    elif not section.single and section.key != "notes":
        part = selectors.part_of(entries, start, _card_weigher(reader, section, 2), CARDS_BUDGET)
        context["entries"] = part.items
        context["pager"] = _pager(request, reader, section, part, str(section.title).lower())
    if section.key == "notes":
        # The newest NOTES_PART notes from `before`, as many as CARDS_BUDGET holds; "Older notes"
        # goes on from the last one shown.
        part = selectors.part_of(entries, 0, _card_weigher(reader, section, 2), CARDS_BUDGET)
        context["entries"] = part.items
        more = part.more or (limit is not None and len(entries) == limit)
        context["more_before"] = part.items[-1].pk if more and part.items else None
        context["extra_items"] = registries.extra_note_items(reader) if before_id is None else []
    if reader.can_write:
        deleted = selectors.entries_for(
            reader=reader, section=section, deleted=True, by_deletion=True, limit=DELETED_SHOWN + 1
        )
        context["deleted"] = deleted[:DELETED_SHOWN]
        context["more_deleted"] = len(deleted) > DELETED_SHOWN
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
