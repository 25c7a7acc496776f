"""Small helpers for English sentences: "a" or "an", and counts with the right plural.

Sentences read as a person would write them: "Add an allergy", "1 task", "3 tasks" — never
"a allergy" or a plural in brackets; tests/web/test_wording.py scans for those.
"""

from __future__ import annotations

import re

# Words spelled with a vowel that start with a consonant sound, and the reverse. Lower case.
_CONSONANT_SOUND = re.compile(r"^(one\b|once\b|uni(?!nt|mp|ns)|use|usu|ufo|eu|ewe|u[rst][aeiou]?)")
_VOWEL_SOUND = re.compile(r"^(hour|honest|honou?r|heir)")
# Letters that are said with a vowel sound when spelled out, as in "an NHS number", "an MRI scan".
_VOWEL_SOUND_LETTERS = frozenset("AEFHILMNORSX")


def article_for(word: str) -> str:
    """ "an" before a vowel sound ("an allergy", "an hour", "an NHS number"), otherwise "a"."""
    stripped = word.strip()
    if not stripped:
        return "a"
    first_word = stripped.split()[0]
    if len(first_word) > 1 and first_word.isupper() and first_word.isalpha():
        return "an" if first_word[0] in _VOWEL_SOUND_LETTERS else "a"
    lower = stripped.lower()
    if _VOWEL_SOUND.match(lower):
        return "an"
    if _CONSONANT_SOUND.match(lower):
        return "a"
    return "an" if lower[0] in "aeiou" else "a"


def with_article(word: str) -> str:
    """The word after its article: "an allergy", "a medication"."""
    return f"{article_for(word)} {word.strip()}"


def count_of(number: int, singular: str, plural: str | None = None) -> str:
    """ "1 task", "0 tasks", "3 times", "2 people" (when `plural` is given)."""
    noun = singular if number == 1 else (plural if plural is not None else f"{singular}s")
    return f"{number:,} {noun}"


def joined(names: list[str]) -> str:
    """ "Ann", "Ann and Bob", "Ann, Bob and Cy": a list as it is said aloud."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"
