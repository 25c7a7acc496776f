"""One set of checks for text people type, so every field refuses or folds the same characters.

- NUL is refused everywhere: PostgreSQL can't store it.
- A single-line field (a name, a title, an address line) folds line breaks, tabs and other control
  characters into one space: a line break in the person's name once made every alert email's
  Subject header invalid, and the alerts stopped without anyone being told.
- Multi-line text (notes, messages) is kept as typed, trimmed.

Callers turn TextRefused into their own refusal (a form error, a DomainError with a field).
"""

from __future__ import annotations

import re

NUL = "\x00"
# Line breaks, tabs and every other control or line/paragraph separator character, in runs, with
# the spaces around them: each run becomes one space.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_FOLDED = re.compile(r" *[\x00-\x1f\x7f-\x9f\u2028\u2029][ \x00-\x1f\x7f-\x9f\u2028\u2029]*")


class TextRefused(ValueError):
    """Text that can't be stored as it is; the message says what to change."""


def refuse_nul(value: str, what: str = "text") -> str:
    """The text itself, unless it contains NUL (PostgreSQL can't store it)."""
    if NUL in value:
        raise TextRefused(f"Remove the null character from the {what}: text can't contain it.")
    return value


def _check_length(value: str, limit: int, what: str) -> str:
    if len(value) > limit:
        raise TextRefused(f"The {what} is too long. Use at most {limit:,} characters.")
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
