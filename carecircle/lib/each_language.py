"""Text put in every site language once, carried as text that reads in whichever language is active.

A notification's words are kept in each site language (a FanOut row's titles and bodies) so a
member is told in their own. Putting a lazy sentence in three languages is three translation
switches (≈ 0.1 ms); a plain string is the same in every language and needs none. `EachLanguage`
lets a caller do that work where it costs least (before a row lock rather than under it) and hand
the result on wherever a lazy text is taken.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise


class EachLanguage(Promise):
    """Words already put in every site language; str() gives the active language's (else the default's)."""

    def __init__(self, words: dict[str, str]) -> None:
        self.words = words

    def __str__(self) -> str:
        found = self.words.get(translation.get_language() or "")
        return found if found is not None else self.words.get(settings.LANGUAGE_CODE, "")

    def __repr__(self) -> str:
        return f"EachLanguage({self.words!r})"


def each_language(text: str | Promise) -> EachLanguage:
    """The text in every site language: a lazy text translated once per language, a plain one as it is."""
    if isinstance(text, EachLanguage):
        return text
    if not isinstance(text, Promise):
        return EachLanguage(dict.fromkeys((code for code, _name in settings.LANGUAGES), text))
    words = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            words[code] = str(text)
    return EachLanguage(words)
