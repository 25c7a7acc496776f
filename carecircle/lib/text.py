"""One set of checks for text people type, so every field refuses or folds the same characters.

- NUL is refused everywhere: PostgreSQL can't store it.
- A single-line field (a name, a title, an address line) folds line breaks, tabs and other control
  characters into one space: a line break in the person's name once made every alert email's
  Subject header invalid, and the alerts stopped without anyone being told.
- Multi-line text (notes, messages) is kept as typed, trimmed.

Callers turn TextRefused into their own refusal (a form error, a DomainError with a field). The
message is in the active language: callers name what the text is in English ("name", "headline"),
and each known name is said in that language (WHAT); a name that is already translated (a record
field's label) is used as it is.
"""

from __future__ import annotations

import re

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext, pgettext_lazy

NUL = "\x00"
# Line breaks, tabs and every other control or line/paragraph separator character, in runs, with
# the spaces around them: each run becomes one space.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_FOLDED = re.compile(r" *[\x00-\x1f\x7f-\x9f\u2028\u2029][ \x00-\x1f\x7f-\x9f\u2028\u2029]*")


# What the refused text is, in English as callers name it; said in the reader's language in the message.
WHAT: dict[str, Promise] = {
    "text": pgettext_lazy("what a piece of text is, in a refusal", "text"),
    "name": pgettext_lazy("what a piece of text is, in a refusal", "name"),
    "relationship": pgettext_lazy("what a piece of text is, in a refusal", "relationship"),
    "title": pgettext_lazy("what a piece of text is, in a refusal", "title"),
    "headline": pgettext_lazy("what a piece of text is, in a refusal", "headline"),
    "message": pgettext_lazy("what a piece of text is, in a refusal", "message"),
    "update": pgettext_lazy("what a piece of text is, in a refusal", "update"),
    "photo description": pgettext_lazy("what a piece of text is, in a refusal", "photo description"),
    "note": pgettext_lazy("what a piece of text is, in a refusal", "note"),
    "notes": pgettext_lazy("what a piece of text is, in a refusal", "notes"),
    "label": pgettext_lazy("what a piece of text is, in a refusal", "label"),
    "reason": pgettext_lazy("what a piece of text is, in a refusal", "reason"),
    "address": pgettext_lazy("what a piece of text is, in a refusal", "address"),
    "name of who it's for": pgettext_lazy("what a piece of text is, in a refusal", "name of who it's for"),
}


def _said(what: str) -> str:
    return str(WHAT.get(what, what))


class TextRefused(ValueError):
    """Text that can't be stored as it is; the message says what to change."""


def refuse_nul(value: str, what: str = "text") -> str:
    """The text itself, unless it contains NUL (PostgreSQL can't store it)."""
    if NUL in value:
        raise TextRefused(
            # Translators: %(what)s is a noun in lower case, such as "name" or "headline". Quote it if
            # your language would otherwise have to change its form.
            gettext("Remove the null character from the %(what)s: text can't contain it.") % {"what": _said(what)}
        )
    return value


def _check_length(value: str, limit: int, what: str) -> str:
    if len(value) > limit:
        raise TextRefused(
            # Translators: %(what)s is a noun in lower case, such as "name" or "headline". Quote it if
            # your language would otherwise have to change its form.
            ngettext(
                "The %(what)s is too long. Use at most %(limit)s character.",
                "The %(what)s is too long. Use at most %(limit)s characters.",
                limit,
            )
            % {"what": _said(what), "limit": number_format(limit, force_grouping=True)}
        )
    return value


def single_line(value: str, *, limit: int, what: str = "text") -> str:
    """One line of text as stored: control characters folded to a space, trimmed, within the limit."""
    refuse_nul(value, what)
    return _check_length(_FOLDED.sub(" ", value).strip(), limit, what)


def multi_line(value: str, *, limit: int, what: str = "text") -> str:
    """Text with line breaks as stored: trimmed, without NUL, within the limit."""
    refuse_nul(value, what)
    return _check_length(value.strip(), limit, what)


def is_single_line(value: str) -> bool:
    """True when the text has no line breaks or other control characters."""
    return not _CONTROL.search(value)
