"""What the conversation pages share: building a page of messages and answering a post."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from carecircle.circles import registries
from carecircle.circles.access import CircleAccess
from carecircle.circles.pages import INVALID, circle_context, viewer
from carecircle.conversations import fragments, items, selectors, services
from carecircle.conversations.forms import MessageForm, SupportForm
from carecircle.conversations.models import (
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    ReactionKind,
)
from carecircle.conversations.selectors import ConversationAccess

# The live events that change what a conversation page shows.
MESSAGE_EVENT_TYPES = "message.posted,message.edited,message.removed,reaction.changed"
REACTION_LABELS = dict(ReactionKind.choices)
REACTION_SYMBOLS = {kind: label.split(" ", 1)[0] for kind, label in ReactionKind.choices}


@dataclass(frozen=True)
class ShownMessage:
    """A message as one reader sees it: its list item, ready for the template."""

    message_id: int
    # The whole `<li>`: the shared part (from the cache when it was rendered before, fragments.py)
    # and this reader's part, drawn now (items.py).
    html: SafeString


# An id no database reaches, reversed once per list and replaced by each real id (see `_address_of`).
_SAMPLE_ID = 987_654_321_987_654_321


def _address_of(name: str, **kwargs: Any) -> Callable[[int], str]:
    """`reverse(name)` for many ids at the cost of one: the last URL argument is the id.

    A page of 50 messages with photos would otherwise reverse hundreds of URLs per request.
    """
    *head, last = kwargs
    sample = reverse(name, kwargs={**{key: kwargs[key] for key in head}, last: _SAMPLE_ID})
    before, _, after = sample.rpartition(str(_SAMPLE_ID))
    return lambda pk: f"{before}{int(pk)}{after}"


def wants_fragment(request: HttpRequest) -> bool:
    """live.js and chat.js ask for fragments with this header; everything else gets full pages."""
    return request.headers.get("X-Requested-With") == "fetch"


def _once_for(where: ConversationAccess, name: str, work_out: Callable[[], str]) -> str:
    """An address of this conversation, reversed once for `where` (which lives for one request)."""
    found: str | None = where.__dict__.get(name)
    if found is None:
        found = work_out()
        object.__setattr__(where, name, found)  # Not a field: equality and the fields are unchanged.
    return found


def conversation_url(where: ConversationAccess) -> str:
    return _once_for(
        where,
        "_conversation_url",
        lambda: reverse(
            "conversations:conversation",
            kwargs={"circle_id": where.circle.pk, "conversation_id": where.conversation.pk},
        ),
    )


def page_url(where: ConversationAccess) -> str:
    """Where the conversation is read and posted to: the family and news pages have their own addresses."""
    return _once_for(where, "_page_url", lambda: _page_url(where))


def _page_url(where: ConversationAccess) -> str:
    kind = where.conversation.kind
    if kind == ConversationKind.CIRCLE:
        return reverse("conversations:family", kwargs={"circle_id": where.circle.pk})
    if kind == ConversationKind.NEWS:
        return reverse("conversations:news", kwargs={"circle_id": where.circle.pk})
    if kind == ConversationKind.THREAD:
        return reverse(
            "conversations:thread",
            kwargs={
                "circle_id": where.circle.pk,
                "subject_kind": where.conversation.subject_kind,
                "subject_id": where.conversation.subject_id,
            },
        )
    return conversation_url(where)


def shown(request: HttpRequest, where: ConversationAccess, messages: list[Message]) -> list[ShownMessage]:
    """Messages with reactions and permissions, in one query for the reactions of the whole page."""
    listed, given = listed_messages(where, messages)
    return drawn_for_reader(request, where, listed, given)


def listed_messages(
    where: ConversationAccess, messages: list[Message], *, part: int | None = None
) -> tuple[list[fragments.Listed], set[tuple[int, str]]]:
    """Each message as every reader sees it, and (message id, kind) of the viewer's own reactions.

    `part`: drawn for the message's own page, with that part of its words (fragments.shared_parts).
    """
    counts = selectors.reaction_counts(message_ids=[m.pk for m in messages], user_id=where.user_id)
    circle_id = where.circle.pk
    photo_url = _address_of("conversations:photo", circle_id=circle_id, photo_id=None)
    thumbnail_url = _address_of("conversations:photo_thumbnail", circle_id=circle_id, photo_id=None)
    thread_url = _address_of("conversations:thread", circle_id=circle_id, subject_kind="update", subject_id=None)
    entries = [
        (
            message,
            # A removed message shows no photos, so they aren't read for it.
            []
            if message.is_deleted
            else [(photo, photo_url(photo.pk), thumbnail_url(photo.pk)) for photo in message.photos.all()],
        )
        for message in messages
    ]
    listed = [
        fragments.Listed(
            message_id=message.pk,
            conversation_id=message.conversation_id,
            is_removed=message.is_deleted,
            author_id=message.author_id,
            author_name=message.author.display_name if message.author is not None else "",
            deleted_by_id=message.deleted_by_id,
            deleted_at=message.deleted_at,
            thread_url=thread_url(message.pk) if message.kind == MessageKind.UPDATE else "",
            reactions=tuple((kind, count) for kind, count, _given in counts.get(message.pk, [])),
            shared=shared,
        )
        for (message, _photos), shared in zip(entries, fragments.shared_parts(entries, part=part), strict=True)
    ]
    given = {(message_id, kind) for message_id, kinds in counts.items() for kind, _count, mine in kinds if mine}
    return listed, given


def reaction_form_for(request: HttpRequest, where: ConversationAccess, message: Message) -> SafeString:
    """The reaction form of one message for this reader (the counts with theirs marked, and the choices)."""
    counts = selectors.reaction_counts(message_ids=[message.pk], user_id=where.user_id).get(message.pk, [])
    view = items.ReaderView(
        message_id=message.pk,
        is_removed=False,
        author_name="",
        reactions=[(kind, REACTION_SYMBOLS[kind], count, mine) for kind, count, mine in counts],
        can_react=True,
        can_reply=False,
        can_edit=False,
        can_remove=False,
        can_undo=False,
        thread_url="",
    )
    return items.reaction_form(_words(request, where), view)


@functools.lru_cache(maxsize=16)
def _reaction_choices(language: str) -> tuple[tuple[str, str], ...]:
    """The reactions' labels in `language`, the active one (the argument keys the memo)."""
    return tuple((kind, str(REACTION_LABELS[kind])) for kind in ReactionKind.values)


def _words(request: HttpRequest, where: ConversationAccess) -> items.ListWords:
    return items.list_words(
        conversation_url=conversation_url(where),
        page_url=page_url(where),
        reaction_choices=_reaction_choices(get_language() or ""),
        csrf_field=functools.cache(lambda: str(csrf_input(request))),
    )


def drawn_for_reader(
    request: HttpRequest,
    where: ConversationAccess,
    listed: Sequence[fragments.Listed],
    given: set[tuple[int, str]],
    *,
    full: bool = False,
) -> list[ShownMessage]:
    """Each message's item with this reader's part: their reactions, what they may do, "Undo" by the clock now.

    `full` draws the reaction buttons and menu (the message's own page); lists draw links (items.py).
    """
    words = _words(request, where)
    result = []
    for message in listed:
        mine = message.author_id == where.user_id
        view = items.ReaderView(
            message_id=message.message_id,
            is_removed=message.is_removed,
            author_name=message.author_name,
            reactions=[
                (kind, REACTION_SYMBOLS[kind], count, (message.message_id, kind) in given)
                for kind, count in message.reactions
            ],
            can_react=where.can_react,
            can_reply=where.can_write,
            can_edit=mine and not message.is_removed and (where.can_write or where.can_post_update),
            can_remove=(mine or where.can_moderate) and not message.is_removed,
            can_undo=selectors.removal_undoable(
                user_id=where.user_id, deleted_by_id=message.deleted_by_id, deleted_at=message.deleted_at
            ),
            thread_url=message.thread_url,
        )
        html = items.item_html(words, view, message.shared, full=full)
        result.append(ShownMessage(message_id=message.message_id, html=html))
    return result


def message_list_context(request: HttpRequest, where: ConversationAccess, messages: list[Message]) -> dict[str, Any]:
    return {
        "items": shown(request, where, messages),
        "conversation_url": conversation_url(where),
        "where": where,
    }


def kept_list_context(
    request: HttpRequest, where: ConversationAccess, before: int | None, budget: int = 0
) -> dict[str, Any]:
    """The page of messages (newest, or before `before`) from the kept list, with this reader's parts.

    A kept list costs one cache read, and one query for the reader's own reactions when any message
    on it has reactions; otherwise it is read and drawn (two queries) and kept for the next reader.
    """
    given_when_drawn: list[set[tuple[int, str]]] = []

    def draw() -> fragments.KeptList:
        messages, more = selectors.messages_page(conversation=where.conversation, before=before)
        listed, given = listed_messages(where, messages)
        given_when_drawn.append(given)
        return fragments.KeptList(messages=tuple(listed), more=more)

    kept = fragments.kept_list(where.circle_access, conversation_id=where.conversation.pk, before=before, draw=draw)
    # Only the newest that can fit are drawn (each item is at least its shared part and a short line).
    budget = budget or list_bytes(where)
    sizes = [len(m.shared.encode()) + ITEM_LINKS_MIN for m in kept.messages]
    candidates = _newest_within(kept.messages, sizes, budget)
    if given_when_drawn:
        given = given_when_drawn[0]
    elif any(message.reactions for message in candidates):
        given = selectors.reactions_given(message_ids=[m.message_id for m in candidates], user_id=where.user_id)
    else:
        given = set()
    drawn = drawn_for_reader(request, where, candidates, given)
    drawn = list(_newest_within(drawn, [len(item.html.encode()) for item in drawn], budget))
    more = kept.more or len(drawn) < len(kept.messages)
    return {
        "items": drawn,
        "conversation_url": conversation_url(where),
        "where": where,
        "kept": fragments.KeptList(messages=tuple(candidates[len(candidates) - len(drawn) :]), more=more),
    }


# What a page's messages may take of its first HTML, in bytes: the rest of the 14,336 that fit the
# first round trip goes to the inline styles, the header, the form and the footer, and a margin for
# longer names and longer words in Welsh and Polish (docs/architecture/conversations.md).
LIST_BYTES = 2_400
# The news page also holds the form for an update and the visitors' line.
NEWS_LIST_BYTES = 1_600
# Replying (?reply_to=) adds the quoted message above the form: its page leaves that much less for the
# list. Without it, a PostgreSQL run (longer ids) drew the Polish family page with a reply 10 bytes over.
REPLYING_BYTES = 300


def list_bytes(where: ConversationAccess) -> int:
    """What this conversation's page leaves for its messages."""
    return NEWS_LIST_BYTES if where.conversation.kind == ConversationKind.NEWS else LIST_BYTES


# The least a list item adds to its shared part (its tags and a "Reply" link).
ITEM_LINKS_MIN = 100


def _newest_within[T](entries: Sequence[T], sizes: Sequence[int], budget: int = LIST_BYTES) -> Sequence[T]:
    """The newest entries (the end of `entries`, oldest first) whose sizes add up to `budget`; always the newest.

    The kept page (up to 50 messages) is read and cached as before; only what is drawn is cut, and
    the rest is one "Show older messages" away.
    """
    used, start = 0, len(entries)
    for index in range(len(entries) - 1, -1, -1):
        used += sizes[index]
        if used > budget and start < len(entries):
            break
        start = index
    return entries[start:]


def conversation_context(
    request: HttpRequest,
    where: ConversationAccess,
    *,
    form: Any = None,
    next_url: str = "",
    state: selectors.PageState | None = None,
) -> dict[str, Any]:
    """What a conversation needs on a page: the newest messages (or older ones with ?before=) and the form.

    `state`, when the view read it with the conversation, says where the read marker stands.
    """
    before = _positive(request.GET.get("before"))
    replying = REPLYING_BYTES if request.GET.get("reply_to") else 0
    listed = kept_list_context(request, where, before, budget=list_bytes(where) - replying)
    kept: fragments.KeptList = listed.pop("kept")
    messages, more = kept.messages, kept.more
    if before is None and messages:
        # Seeing the newest page marks everything on it as read.
        newest = messages[-1]
        if state is None:
            services.read_marker_set(actor=viewer(request), where=where, last_read_id=newest.message_id)
        else:
            shown_message = Message(pk=newest.message_id, conversation_id=newest.conversation_id)
            services.read_marker_seen(
                actor=viewer(request), where=where, message=shown_message, read_up_to=state.read_up_to
            )
    reply_to = _reply_target(where, request.GET.get("reply_to"))
    if form is None and where.can_write:
        form_class = SupportForm if where.conversation.kind == ConversationKind.NEWS else MessageForm
        initial = {"reply_to": reply_to.pk} if reply_to is not None else {}
        form = form_class(initial=initial)
    return {
        **listed,
        "circle": where.circle,
        "form": form,
        "reply_to": reply_to,
        "older": messages[0].message_id if more and messages else None,
        "before": before,
        "page_url": page_url(where),
        "next_url": next_url,
        "live_types": MESSAGE_EVENT_TYPES,
    }


def conversation_page(
    request: HttpRequest,
    where: ConversationAccess,
    *,
    template: str,
    form: Any = None,
    status: int = 200,
    state: selectors.PageState | None = None,
    **extra: Any,
) -> HttpResponse:
    context = circle_context(
        where.circle_access, **conversation_context(request, where, form=form, state=state), **extra
    )
    return render(request, template, context, status=status)


def thread_context(
    request: HttpRequest, *, access: CircleAccess, subject_kind: str, subject_id: int, heading: str = ""
) -> dict[str, Any]:
    """The comment thread on one thing of another app, for its page: {% comment_thread thread %}.

    The app registered who may read and write (registries.register_thread_subject); this raises
    Http404 or PermissionDenied as that rule says. Posting goes to the thread's own address and
    comes back to this page.
    """
    rule = registries.THREAD_RULES.get(subject_kind)
    if rule is None:
        raise Http404(_("No such thread."))
    conversation, state = thread_with_state(access=access, subject_kind=subject_kind, subject_id=subject_id, rule=rule)
    # The rule, for reading and writing: nothing of the thread is read or shown before it has passed.
    where = selectors.conversation_access_for(access, conversation)
    context = conversation_context(request, where, next_url=request.get_full_path(), state=state)
    return {**context, "thread_heading": heading}


def thread_with_state(
    *, access: CircleAccess, subject_kind: str, subject_id: int, rule: registries.ThreadRule
) -> tuple[Conversation, selectors.PageState]:
    """The thread on one thing with the viewer's page state, made the first time anyone opens it.

    Only its row is read here: the caller passes it through `conversation_access_for` (which runs
    the subject's rule) before showing anything. The rule also runs before a thread is made, so an
    unknown subject, or one the member may not read, never gets an empty thread.
    """
    found = selectors.thread_state(access=access, subject_kind=subject_kind, subject_id=subject_id)
    if found is None:
        rule(access, subject_id, False)
        services.thread_conversation(circle=access.circle, subject_kind=subject_kind, subject_id=subject_id)
        found = selectors.thread_state(access=access, subject_kind=subject_kind, subject_id=subject_id)
        if found is None:  # Just made (or by someone else at the same moment), so never here.
            raise RuntimeError("The thread was made but can't be read back.")
    return found


def safe_next(request: HttpRequest) -> str:
    """The page to return to after posting from another app's page, if it is on this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target.split("#", 1)[0]
    return ""


def _without_reply(url: str) -> str:
    """The page to go back to, without `?reply_to=`: once sent, the "Replying to" banner goes."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != "reply_to"]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _positive(raw: str | None) -> int | None:
    if raw and raw.isdigit() and len(raw) <= 18:
        return int(raw)
    return None


def _reply_target(where: ConversationAccess, raw: str | None) -> Message | None:
    target = _positive(raw)
    if target is None:
        return None
    return (
        Message.objects.select_related("author")
        .filter(pk=target, conversation=where.conversation, deleted_at__isnull=True)
        .first()
    )


def message_post_response(
    request: HttpRequest, where: ConversationAccess, *, template: str, **extra: Any
) -> HttpResponse:
    """Handle the message form: post, then go back to the page (or, for the script, answer with the message)."""
    form_class = SupportForm if where.conversation.kind == ConversationKind.NEWS else MessageForm
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            posted = services.message_post(
                actor=viewer(request),
                where=where,
                body=data["body"],
                reply_to=_reply_target(where, str(data.get("reply_to") or "")),
                photos=data.get("photos") or [],
                photo_description=data.get("photo_description") or "",
                client_id=data["client_id"],
            )
        except services.ConversationError as error:
            form.add_error(None, str(error))
        else:
            if wants_fragment(request):
                context = message_list_context(request, where, [posted.message])
                return render(
                    request, "conversations/messages.html#items", context, status=201 if posted.created else 200
                )
            return redirect(f"{_without_reply(safe_next(request) or page_url(where))}#m-{posted.message.pk}")
    if wants_fragment(request):
        errors = [str(error) for errors in form.errors.values() for error in errors]
        return HttpResponse(" ".join(errors), status=INVALID, content_type="text/plain; charset=utf-8")
    return conversation_page(request, where, template=template, form=form, status=INVALID, **extra)
