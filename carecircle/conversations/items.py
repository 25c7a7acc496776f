"""Each message's list item for one reader, drawn from a few strings made once per list.

A page of 50 messages drew the per-reader part of every item (reaction buttons, "Reply", "Edit",
"Remove", "Undo") through ≈ 25 template nodes each, every id through the template's number
formatting. Here the words and the "React" menu (translated once per process in each language) and
the CSRF field (once per list) are made once, and each item is joined from them with what this
reader may do, which the caller has just worked out from their permissions and the message as read
now. Nothing that depends on the reader or the message is kept (the words depend on the language
alone), so it can be neither stale nor someone else's; only the reader-independent part
(`fragments.py`) comes from the cache.

It stays the only rendering path for a message item: the page, chat.js's fetches and the refetch
after a live event all use it. In a list an item is one line of links, not forms (no CSRF field
and no "React" menu per message), so a page of them fits the first round trip
(docs/architecture/conversations.md, "A page within the first round trip").
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

# (kind, symbol, how many, whether this reader gave it)
Reactions = Sequence[tuple[str, str, int, bool]]


@dataclass(frozen=True)
class ListWords:
    """What every item of one list shares: translated words, the "React" menu and the form's CSRF field."""

    undo: str
    the_removal: str
    take_back: str
    react_same: str
    reply: str
    edit: str
    remove: str
    replies: str
    react: str
    to_message: str
    react_menu: str
    conversation_url: str
    page_url: str
    csrf_field: Callable[[], str]


def list_words(
    *, conversation_url: str, page_url: str, reaction_choices: Sequence[tuple[str, str]], csrf_field: Callable[[], str]
) -> ListWords:
    """The shared strings of a list, in the active language, escaped as the template escaped them.

    Translations are the project's own catalog text and, as `{% translate %}` drew them, not escaped;
    the reaction labels and the address are.
    """
    return dataclasses.replace(
        _translated(get_language() or "", tuple(reaction_choices)),
        conversation_url=escape(conversation_url),
        page_url=escape(page_url),
        csrf_field=csrf_field,
    )


@functools.lru_cache(maxsize=16)
def _translated(language: str, reaction_choices: tuple[tuple[str, str], ...]) -> ListWords:
    """The list's words and "React" menu in `language`, the active one (the arguments key the memo).

    The same for every list in a language, so translated once per process, not once per list.
    """
    buttons = "".join(
        f'<button type="submit" name="reaction" value="{escape(kind)}:1" class="reaction">{escape(label)}</button>'
        for kind, label in reaction_choices
    )
    react_menu = (
        f'<details class="react-more"><summary>{gettext("React")}<span class="visually-hidden"> '
        f"{gettext('to this message')}</span></summary>{buttons}</details>"
    )
    return ListWords(
        undo=gettext("Undo"),
        the_removal=gettext("the removal"),
        take_back=gettext(", you reacted. Take back"),
        react_same=gettext(", react the same"),
        reply=gettext("Reply"),
        edit=gettext("Edit"),
        remove=gettext("Remove"),
        replies=gettext("Replies"),
        react=gettext("React"),
        to_message=gettext("to this message"),
        react_menu=react_menu,
        # The list's own, filled in by `list_words`.
        conversation_url="",
        page_url="",
        csrf_field=str,
    )


@dataclass(frozen=True)
class ReaderView:
    """What one reader may do with one message, worked out for this request."""

    message_id: int
    is_removed: bool
    author_name: str
    reactions: Reactions
    can_react: bool
    can_reply: bool
    can_edit: bool
    can_remove: bool
    can_undo: bool
    thread_url: str


def reaction_form(words: ListWords, view: ReaderView) -> SafeString:
    """The message's reaction form: its counts as buttons (take back, react the same) and the "React" menu.

    The message's own page shows it in the item; chat.js opens it in a list (`message_reactions`).
    """
    pk = int(view.message_id)
    parts = [
        f'<form method="post" action="{words.conversation_url}messages/{pk}/react/" class="reactions" data-react>'
        f"{words.csrf_field()}"
    ]
    for kind, symbol, count, given in view.reactions:
        parts.append(
            f'<button type="submit" name="reaction" value="{escape(kind)}:{0 if given else 1}" '
            f'class="reaction{" reaction-mine" if given else ""}" '
            f'aria-pressed="{"true" if given else "false"}">'
            f'{escape(symbol)} {int(count)}<span class="visually-hidden">'
            f"{words.take_back if given else words.react_same}</span></button>"
        )
    parts.append(f"{words.react_menu}</form>")
    # Every value above is escaped (or a number, or a translation), so the form is safe HTML.
    return mark_safe("".join(parts))  # noqa: S308


def item_html(words: ListWords, view: ReaderView, shared: SafeString, *, full: bool = False) -> SafeString:
    """The message's `<li>`: its shared part (already safe HTML) and this reader's part.

    In a list (`full=False`) the reader's part is one line of links: the reactions as counts, "React"
    (to the message's own page, which has the reaction buttons), "Reply", "Edit", "Remove" and
    "Replies", so a page of messages stays within the first round trip. The message's own page draws
    it `full`: a form of reaction buttons, the counts pressable, and the "React" menu.
    """
    pk = int(view.message_id)
    base = f"{words.conversation_url}messages/{pk}/"
    parts = [
        f'<li class="msg{" msg-removed" if view.is_removed else ""}" id="m-{pk}" data-message="{pk}">',
        shared,
    ]
    if view.is_removed:
        if view.can_undo:
            parts.append(
                f'<form method="post" action="{base}restore/" class="inline-form">{words.csrf_field()}'
                f'<button type="submit" class="link-button">{words.undo}<span class="visually-hidden"> '
                f"{words.the_removal}</span></button></form>"
            )
        parts.append("</li>\n")
        return mark_safe("".join(parts))  # noqa: S308
    if full and view.can_react:
        parts.append(reaction_form(words, view))
        reactions = ""
    else:
        reactions = "".join(
            f'<span class="reaction{" reaction-mine" if given else ""}">{escape(symbol)} {int(count)}</span> '
            for _, symbol, count, given in view.reactions
        )
    links = []
    if view.can_react and not full:
        links.append(f'<a href="{base}">{words.react}<span class="visually-hidden"> {words.to_message}</span></a>')
    if view.can_reply:
        # blocktranslate's way: the sentence as translated, the name escaped.
        to_name = gettext("to %(name)s") % {"name": escape(view.author_name)}
        reply_at = words.page_url if full else ""
        links.append(
            f'<a href="{reply_at}?reply_to={pk}#message-form">{words.reply}'
            f'<span class="visually-hidden"> {to_name}</span></a>'
        )
    if view.can_edit:
        links.append(f'<a href="{base}edit/">{words.edit}</a>')
    if view.can_remove:
        links.append(f'<a href="{base}remove/">{words.remove}</a>')
    if view.thread_url:
        links.append(f'<a href="{escape(view.thread_url)}">{words.replies}</a>')
    if reactions or links:
        parts.append(f'<p class="msg-actions">{reactions}{" ".join(links)}</p>')
    parts.append("</li>\n")
    # Every value above is escaped (or a number, or already safe HTML), so the item is safe HTML.
    return mark_safe("".join(parts))  # noqa: S308
