"""The conversation pages: the family conversation, the news feed, direct messages and comment threads.

Every page reaches data through conversations/selectors.py (built on circles/access.py) and
changes it only through conversations/services.py. Everything works as plain forms and page
loads; chat.js only makes it live.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django.views.i18n import JavaScriptCatalog

from carecircle.circles import registries
from carecircle.circles.access import access_circle
from carecircle.circles.conditional import not_modified, with_etag
from carecircle.circles.models import Membership
from carecircle.circles.pages import INVALID, circle_context, viewer
from carecircle.conversations import selectors, services
from carecircle.conversations.forms import DirectForm, EditForm, ReactionForm, UpdateForm
from carecircle.conversations.models import ConversationKind, MessageKind, MessagePhoto
from carecircle.conversations.pages import (
    conversation_page,
    drawn_for_reader,
    listed_messages,
    message_list_context,
    message_post_response,
    page_url,
    reaction_form_for,
    thread_with_state,
    wants_fragment,
)
from carecircle.conversations.parts import body_parts
from carecircle.conversations.selectors import ConversationAccess, conversation_access_for
from carecircle.conversations.templatetags.conversations_tags import summary_context
from carecircle.conversations.threads import thread_label

AFTER_LIMIT = 100


def _circle_conversation(
    request: HttpRequest, circle_id: int, *, kind: str, capability: str
) -> tuple[ConversationAccess, selectors.PageState]:
    """The family or news conversation with the viewer's page state, made the first time anyone opens it."""
    access = access_circle(user=request.user, circle_id=circle_id, capability=capability)
    with_visitors = kind == ConversationKind.NEWS
    found = selectors.circle_conversation_state(access=access, kind=kind, with_visitors=with_visitors)
    if found is None:
        maker = services.news_conversation if with_visitors else services.family_conversation
        maker(circle=access.circle)
        found = selectors.circle_conversation_state(access=access, kind=kind, with_visitors=with_visitors)
        if found is None:  # Just made (or by someone else at the same moment), so never here.
            raise RuntimeError("The circle's conversation was made but can't be read back.")
    conversation, state = found
    return conversation_access_for(access, conversation), state


def _family(request: HttpRequest, circle_id: int) -> tuple[ConversationAccess, selectors.PageState]:
    return _circle_conversation(request, circle_id, kind=ConversationKind.CIRCLE, capability="conversations.read")


def _news(request: HttpRequest, circle_id: int) -> tuple[ConversationAccess, selectors.PageState]:
    return _circle_conversation(request, circle_id, kind=ConversationKind.NEWS, capability="updates.read")


def _page(
    request: HttpRequest,
    where: ConversationAccess,
    *,
    template: str,
    extra: Callable[[], dict[str, Any]] = dict,
    state: selectors.PageState | None = None,
) -> HttpResponse:
    """A conversation page, or a 304 when the browser holds it already (circles/conditional.py).

    New, edited, removed and restored messages and reactions all record circle events, so the
    circle's sequence covers them; the "Undo" links that end with time are added to the key.
    Nothing here shows read markers, so reading (which a render does) needn't change it.
    """
    parts = [state.undo_version if state is not None else selectors.undo_window_version(where)]
    if (unchanged := not_modified(request, where.circle_access, extra=parts)) is not None:
        return unchanged
    response = conversation_page(request, where, template=template, state=state, **extra())
    return with_etag(request, where.circle_access, response, extra=parts)


def _deny_write(where: ConversationAccess) -> None:
    if not where.can_write:
        raise PermissionDenied(_("Your role in this circle doesn't include writing here."))


@require_http_methods(["GET", "POST"])
@login_required
def family(request: HttpRequest, circle_id: int) -> HttpResponse:
    where, state = _family(request, circle_id)
    template = "conversations/family.html"
    if request.method == "POST":
        _deny_write(where)
        return message_post_response(request, where, template=template)
    return _page(request, where, template=template, state=state)


def _news_extra(
    where: ConversationAccess, state: selectors.PageState, update_form: UpdateForm | None = None
) -> dict[str, Any]:
    return {
        "update_form": update_form or (UpdateForm() if where.can_post_update else None),
        "visitors": state.visitors,
        "thanks": selectors.thanks_visible_to(access=where.circle_access, limit=5),
    }


@require_http_methods(["GET", "POST"])
@login_required
def news(request: HttpRequest, circle_id: int) -> HttpResponse:
    """Updates (with a headline) and messages of support, in one feed."""
    where, state = _news(request, circle_id)
    template = "conversations/news.html"
    if request.method == "POST" and request.POST.get("form") == "update":
        if not where.can_post_update:
            raise PermissionDenied(_("Your role in this circle doesn't include posting updates."))
        return _update_post(request, where, state, template)
    if request.method == "POST":
        _deny_write(where)
        return message_post_response(request, where, template=template, **_news_extra(where, state))
    return _page(request, where, template=template, extra=lambda: _news_extra(where, state), state=state)


def _update_post(
    request: HttpRequest, where: ConversationAccess, state: selectors.PageState, template: str
) -> HttpResponse:
    form = UpdateForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            posted = services.message_post(
                actor=viewer(request),
                where=where,
                title=data["title"],
                body=data["body"],
                photos=data["photos"],
                photo_description=data["photo_description"],
                client_id=data["client_id"],
            )
        except services.ConversationError as error:
            form.add_error(None, str(error))
            return conversation_page(
                request, where, template=template, status=error.status, **_news_extra(where, state, form)
            )
        else:
            messages.success(request, _("Your update is posted."))
            return redirect(f"{page_url(where)}#m-{posted.message.pk}")
    return conversation_page(request, where, template=template, status=INVALID, **_news_extra(where, state, form))


@require_http_methods(["GET", "POST"])
@login_required
def conversation(request: HttpRequest, circle_id: int, conversation_id: int) -> HttpResponse:
    """Any conversation by its id (direct messages in particular); the family and news pages have their own."""
    where, state = selectors.access_conversation_state(
        user=request.user, circle_id=circle_id, conversation_id=conversation_id
    )
    kind = where.conversation.kind
    if kind != ConversationKind.DIRECT and not (request.method == "POST" and wants_fragment(request)):
        return redirect(page_url(where))
    template = "conversations/direct.html"
    if request.method == "POST":
        _deny_write(where)
        return message_post_response(request, where, template=template, other=_other_person(where))
    return _page(request, where, template=template, extra=lambda: {"other": _other_person(where)}, state=state)


def _other_person(where: ConversationAccess) -> Membership | None:
    conversation = where.conversation
    other_id = (
        conversation.second_user_id if conversation.first_user_id == where.user_id else conversation.first_user_id
    )
    if other_id is None:
        return None
    return Membership.objects.select_related("user").filter(circle=where.circle, user_id=other_id).first()


@never_cache
@require_http_methods(["GET"])
@login_required
def messages_after(request: HttpRequest, circle_id: int, conversation_id: int) -> HttpResponse:
    """Messages newer than ?after=N as list items, for chat.js; marks them read."""
    where = selectors.access_conversation(user=request.user, circle_id=circle_id, conversation_id=conversation_id)
    raw = request.GET.get("after", "")
    if not raw.isdigit() or len(raw) > 18:
        return HttpResponse("after must be a message id, like ?after=42.", status=INVALID, content_type="text/plain")
    rows, more = selectors.messages_page(conversation=where.conversation, after=int(raw), limit=AFTER_LIMIT)
    if rows:
        services.read_marker_set(actor=viewer(request), where=where, last_read_id=rows[-1].pk)
    response = render(request, "conversations/messages.html#items", message_list_context(request, where, rows))
    response["X-Has-More"] = "1" if more else "0"
    return response


@never_cache
@require_http_methods(["GET"])
@login_required
def message(request: HttpRequest, circle_id: int, conversation_id: int, message_id: int) -> HttpResponse:
    """One message: its page, with the reaction buttons a list links to; for chat.js, its list item.

    chat.js refetches the item after an edit, a removal or a reaction.
    """
    where, found = selectors.access_message(
        user=request.user, circle_id=circle_id, conversation_id=conversation_id, message_id=message_id
    )
    if wants_fragment(request):
        return render(request, "conversations/messages.html#items", message_list_context(request, where, [found]))
    # A long message shows in parts that each fit the first round trip (parts.py).
    count = 1 if found.is_deleted else len(body_parts(found.body_html))
    raw = request.GET.get("part", "1")
    part = int(raw) if raw.isdigit() and len(raw) < 6 else 0
    if not 1 <= part <= count:
        raise Http404(_("This message has no such part."))
    listed, given = listed_messages(where, [found], part=part)
    here = request.path
    context = circle_context(
        where.circle_access,
        items=drawn_for_reader(request, where, listed, given, full=True),
        page_url=page_url(where),
        around_url=f"{page_url(where)}?before={found.pk + 1}#m-{found.pk}",
        part=part,
        parts=count,
        previous_part=(here if part == 2 else f"{here}?part={part - 1}") if part > 1 else "",
        next_part=f"{here}?part={part + 1}" if part < count else "",
    )
    return render(request, "conversations/message.html", context)


_STRINGS = JavaScriptCatalog.as_view(domain="djangojs", packages=["carecircle.conversations"])
# Each language's catalog and its ETag, made once per process: the catalogs only change with a deploy,
# which starts new processes.
_STRINGS_MADE: dict[str, tuple[bytes, str, str]] = {}
STRINGS_MAX_AGE = 60 * 60


def _strings_for(request: HttpRequest, language: str) -> tuple[bytes, str, str]:
    if language not in _STRINGS_MADE:
        with translation.override(language):
            made = _STRINGS(request)
        body = made.content  # type: ignore[attr-defined]
        tag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        _STRINGS_MADE[language] = (body, made["Content-Type"], tag)
    return _STRINGS_MADE[language]


@require_http_methods(["GET"])
def strings(request: HttpRequest) -> HttpResponseBase:
    """chat.js's words in the language it asks for (`?l=cy`), as Django's JavaScript catalog.

    chat.js loads it itself, so conversation pages carry no byte for it (docs/architecture/conversations.md).
    Its address can't carry a hash (that would cost the page bytes), so it is kept an hour and then
    revalidated by its ETag: a deploy that changes the words reaches every reader within the hour,
    and an unchanged catalog costs a 304.
    """
    language = request.GET.get("l", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    body, content_type, tag = _strings_for(request, language)
    # Weak comparison: gzip turns the tag into W/"…" on its way out.
    asked = {part.strip().removeprefix("W/") for part in request.headers.get("If-None-Match", "").split(",")}
    if tag in asked:
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = tag
    response["Cache-Control"] = f"public, max-age={STRINGS_MAX_AGE}"
    return response


@require_http_methods(["GET"])
@login_required
def message_reactions(request: HttpRequest, circle_id: int, conversation_id: int, message_id: int) -> HttpResponse:
    """One message's reaction form and its styles, small, for chat.js to open in a list ("React" in place).

    The same access as the message's page; a reader who may not react gets 403, a removed message 404.
    """
    where, found = selectors.access_message(
        user=request.user, circle_id=circle_id, conversation_id=conversation_id, message_id=message_id
    )
    if not where.can_react:
        raise PermissionDenied(_("Your role in this circle doesn't include reacting here."))
    if found.is_deleted:
        raise Http404(_("This message was removed, so it can't take reactions."))
    form = reaction_form_for(request, where, found)
    response = render(request, "conversations/reactions.html", {"form": form})
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def message_edit(request: HttpRequest, circle_id: int, conversation_id: int, message_id: int) -> HttpResponse:
    where, found = selectors.access_message(
        user=request.user, circle_id=circle_id, conversation_id=conversation_id, message_id=message_id
    )
    if found.author_id != where.user_id:
        raise PermissionDenied(_("Only the person who wrote a message can change it."))
    is_update = found.kind == MessageKind.UPDATE
    status = 200
    if request.method == "POST":
        form = EditForm(request.POST)
        if form.is_valid():
            try:
                services.message_edit(
                    actor=viewer(request),
                    where=where,
                    message=found,
                    body=form.cleaned_data["body"],
                    title=form.cleaned_data["title"],
                )
            except services.ConversationError as error:
                form.add_error(None, str(error))
                status = error.status
            else:
                messages.success(request, _("Your change is saved."))
                return redirect(f"{page_url(where)}#m-{found.pk}")
        else:
            status = INVALID
    else:
        form = EditForm(initial={"body": found.body, "title": found.title})
    if not is_update:
        del form.fields["title"]
    context = circle_context(where.circle_access, form=form, found=found, page_url=page_url(where))
    return render(request, "conversations/edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def message_remove(request: HttpRequest, circle_id: int, conversation_id: int, message_id: int) -> HttpResponse:
    where, found = selectors.access_message(
        user=request.user, circle_id=circle_id, conversation_id=conversation_id, message_id=message_id
    )
    if found.author_id != where.user_id and not where.can_moderate:
        raise PermissionDenied(_("Only the person who wrote a message, or an organiser, can remove it."))
    if request.method == "POST":
        services.message_remove(actor=viewer(request), where=where, message=found)
        if wants_fragment(request):
            return HttpResponse(status=204)
        messages.success(request, _("The message is removed."))
        return redirect(f"{page_url(where)}#m-{found.pk}")
    context = circle_context(where.circle_access, found=found, page_url=page_url(where))
    return render(request, "conversations/remove.html", context)


@require_http_methods(["POST"])
@login_required
def message_restore(request: HttpRequest, circle_id: int, conversation_id: int, message_id: int) -> HttpResponse:
    """Undo a removal (its remover, for a few minutes)."""
    where, found = selectors.access_message(
        user=request.user, circle_id=circle_id, conversation_id=conversation_id, message_id=message_id
    )
    try:
        services.message_restore(actor=viewer(request), where=where, message=found)
    except services.ConversationError as error:
        if wants_fragment(request):
            return HttpResponse(str(error), status=error.status, content_type="text/plain")
        messages.error(request, str(error))
    else:
        if wants_fragment(request):
            return HttpResponse(status=204)
        messages.success(request, _("The message is back."))
    return redirect(f"{page_url(where)}#m-{found.pk}")


@require_http_methods(["POST"])
@login_required
def react(request: HttpRequest, circle_id: int, conversation_id: int, message_id: int) -> HttpResponse:
    where, found = selectors.access_message(
        user=request.user, circle_id=circle_id, conversation_id=conversation_id, message_id=message_id
    )
    if not where.can_react:
        raise PermissionDenied(_("Your role in this circle doesn't include reacting here."))
    form = ReactionForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose one of the reactions shown."), status=INVALID, content_type="text/plain")
    try:
        services.reaction_set(actor=viewer(request), where=where, message=found, kind=form.kind, on=form.on)
    except services.ConversationError as error:
        if wants_fragment(request):
            # chat.js shows it beside the message; it was lost in the session's messages before.
            return HttpResponse(str(error), status=error.status, content_type="text/plain; charset=utf-8")
        messages.error(request, str(error))
    if wants_fragment(request):
        return HttpResponse(status=204)
    return redirect(f"{page_url(where)}#m-{found.pk}")


@require_http_methods(["GET", "POST"])
@login_required
def direct_list(request: HttpRequest, circle_id: int) -> HttpResponse:
    """Your direct conversations in this circle, and starting one with another member."""
    access = access_circle(user=request.user, circle_id=circle_id, capability="conversations.read")
    names = selectors.member_names(circle=access.circle)
    choices = [(user_id, name) for user_id, name in names.items() if user_id != access.user_id]
    status = 200
    if request.method == "POST":
        access.require("conversations.post")
        form = DirectForm(request.POST, choices=choices)
        if form.is_valid():
            conversation = services.direct_conversation(
                circle=access.circle, user_id=access.user_id, other_user_id=form.cleaned_data["member"]
            )
            return redirect("conversations:conversation", circle_id=circle_id, conversation_id=conversation.pk)
        status = INVALID
    conversations = selectors.direct_conversations_for(circle=access.circle, user_id=access.user_id)
    rows = []
    for item in conversations:
        other = item.second_user if item.first_user_id == access.user_id else item.first_user
        rows.append({"conversation": item, "other": other})
    if request.method != "POST":
        # Whoever you already talk with is a link above; the list offers only the others, so a big
        # circle's page names each member once (docs/architecture/conversations.md).
        talking_with = {row["other"].pk for row in rows if row["other"] is not None}
        form = DirectForm(choices=[(user_id, name) for user_id, name in choices if user_id not in talking_with])
    context = circle_context(access, form=form if access.can("conversations.post") else None, rows=rows)
    return render(request, "conversations/direct_list.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def thread(request: HttpRequest, circle_id: int, subject_kind: str, subject_id: int) -> HttpResponse:
    """The comments on one thing of another app (or the replies to an update)."""
    access = access_circle(user=request.user, circle_id=circle_id)
    if subject_kind not in registries.THREAD_RULES:
        raise Http404(_("No such thread."))
    rule = registries.THREAD_RULES[subject_kind]
    if request.method == "POST":
        rule(access, subject_id, True)
    conversation, state = thread_with_state(access=access, subject_kind=subject_kind, subject_id=subject_id, rule=rule)
    # The rule again, for reading and writing: nothing of the thread is shown before it has passed.
    where = conversation_access_for(access, conversation)
    template = "conversations/thread.html"
    if request.method == "POST":
        label = thread_label(subject_kind, subject_id)
        return message_post_response(request, where, template=template, label=label)
    # The label (an update's title, a task's) changes only with a circle event, so a 304 can skip it.
    return _page(
        request, where, template=template, extra=lambda: {"label": thread_label(subject_kind, subject_id)}, state=state
    )


@never_cache
@require_http_methods(["GET"])
@login_required
def home_fragment(request: HttpRequest, circle_id: int) -> HttpResponse:
    """The circle home's conversations section alone, refetched by live.js when something new arrives."""
    access = access_circle(user=request.user, circle_id=circle_id)
    return render(request, "conversations/home_summary.html", summary_context(access))


@require_http_methods(["GET"])
@login_required
def photo(request: HttpRequest, circle_id: int, photo_id: int, size: str = "full") -> FileResponse:
    """A photo from a message, only for people who may read that conversation."""
    access = access_circle(user=request.user, circle_id=circle_id)
    found = (
        MessagePhoto.objects.select_related("message__conversation")
        .filter(pk=photo_id, message__circle_id=circle_id)
        .first()
    )
    if found is None or found.message.is_deleted:
        raise Http404(_("No such photo."))
    conversation_access_for(access, found.message.conversation)
    stored = found.thumbnail if size == "thumbnail" else found.image
    try:
        handle = stored.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("No such photo.")) from error
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response
