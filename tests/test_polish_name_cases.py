"""Polish sentences leave people's names and titles in the nominative (docs/architecture/i18n.md).

Polish declines nouns, names included: "Zabierz Tomka", "dla Mamy", "z Tatą". CareCircle pastes a
name or a title into a sentence as it was typed, so it is always in the nominative, and a Polish
sentence that puts it where another case belongs reads wrong ("Zabierz Tomek"). Names are not
declined by code (no library does it reliably for every name people type); the translation is
worded so the placeholder stands where the nominative is right:

- after a colon, a dash, an opening bracket or "·" ("Pomoc dla: %(name)s", "Pobyt · %(title)s");
- as the subject of the sentence ("%(name)s zapisuje wizytę");
- after a noun that takes the case for it ("osoby %(name)s", "zadania „%(title)s”",
  "organizacji %(name)s"), where the name then stands beside it as a label, as Polish software
  and forms usually write it.

The test below fails when a placeholder for a name or a title comes straight after a preposition
(`PREPOSITIONS`: every one of them governs a case other than the nominative when a noun follows)
or straight after one of the verbs and nouns in `GOVERNING_WORDS`, which are the words found
governing a name this way in the catalogs when they were reviewed. An opening quotation mark
between the word and the placeholder changes nothing: "do „Zakupy”" is as wrong as "do Zakupy".

Run `python -m tests.test_polish_name_cases` to list every Polish sentence with such a
placeholder, with the word before it, for review by hand.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import polib
import pytest

from carecircle.web.catalogs import catalogs

# Placeholders that hold a person's name, a task or record title, or an organisation's name.
NAME_PLACEHOLDERS = frozenset(
    {
        # people
        "name",
        "names",
        "person",
        "person_name",
        "circle_person_name",
        "member_name",
        "user_display_name",
        "inviter",
        "asker",
        "actor",
        "recipient",
        "sender",
        "author",
        "owner",
        "volunteer",
        "who",
        "subject",
        # titles of tasks, record entries and updates
        "title",
        # organisations and the services they run
        "organisation",
        "service",
    }
)

# Prepositions: each governs the genitive, dative, accusative, instrumental or locative.
PREPOSITIONS = frozenset(
    {
        "bez",
        "dla",
        "do",
        "dzięki",
        "koło",
        "ku",
        "mimo",
        "między",
        "na",
        "nad",
        "o",
        "obok",
        "od",
        "około",
        "oprócz",
        "po",
        "pod",
        "podczas",
        "poza",
        "przed",
        "przeciw",
        "przez",
        "przy",
        "spod",
        "u",
        "w",
        "we",
        "według",
        "wobec",
        "wokół",
        "wśród",
        "z",
        "za",
        "ze",
        "zza",
    }
)

# Verbs that take a name or title as their object, and nouns that take it in the genitive,
# as found before a placeholder in the catalogs when they were reviewed (December 2026).
GOVERNING_WORDS = frozenset(
    {
        # verbs
        "dodaje",
        "dziękuje",
        "odwołaj",
        "odwołać",
        "odwołuje",
        "oznacza",
        "podziękuj",
        "pomaga",
        "pomagają",
        "pomóc",
        "poproś",
        "prosi",
        "przenosi",
        "usuwa",
        "usuń",
        "wypisuje",
        "wypisz",
        "zaprasza",
        "zaproś",
        "zapisuje",
        "zmienia",
        "zmień",
        "zna",
        "zrobi",
        "zrobić",
        "zabierz",
        "zawieź",
        "odwiedź",
        "odwiedza",
        "zastępuje",
        "wykonać",
        # nouns taking the genitive
        "resztę",
        "reszty",
        "reszta",
        "logo",
        "kody",
        "pracownicy",
        "praca",
        "pracą",
        "pracę",
        "zdjęcie",
        "zdjęcia",
        "strona",
        "karta",
        "kartę",
    }
)

# Sentences the rule flags that read correctly, each with the reason. Keyed by (app, msgctxt, msgid).
ALLOWED: dict[tuple[str, str, str], str] = {}

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")
# Marks between a word and the placeholder that change nothing about the case.
TRANSPARENT = re.compile(r"(?:\s|[„“\"'«»]|<[^>]*>)+$")
# Punctuation after which a name stands alone, in the nominative.
SETS_APART = ":(\u2013\u2014·,.!?;/"  # colon, bracket, en and em dashes, middle dot, …
LAST_WORD = re.compile(r"(\w+)$")


@dataclass(frozen=True)
class NameSlot:
    app: str
    context: str
    msgid: str
    msgstr: str
    placeholder: str
    word_before: str  # "" when the placeholder starts the text or follows punctuation

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.app, self.context, self.msgid)


def word_before(text: str) -> str:
    """The word right before a placeholder, lower-cased, or "" if punctuation or nothing is there."""
    text = TRANSPARENT.sub("", text)
    if not text or text[-1] in SETS_APART:
        return ""
    match = LAST_WORD.search(text)
    return match.group(1).lower() if match else ""


def name_slots(text: str) -> Iterator[tuple[str, str]]:
    """(placeholder, word before it) for every name or title placeholder in a Polish text."""
    for match in PLACEHOLDER.finditer(text):
        placeholder = match.group(1) or match.group(2)
        if placeholder in NAME_PLACEHOLDERS:
            yield placeholder, word_before(text[: match.start()])


def polish_name_slots() -> Iterator[NameSlot]:
    for catalog in catalogs():
        if catalog.language != "pl":
            continue
        for entry in polib.pofile(str(catalog.po)):
            if entry.obsolete:
                continue
            texts = (
                [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)] if entry.msgid_plural else [entry.msgstr]
            )
            for text in dict.fromkeys(texts):
                for placeholder, word in name_slots(text):
                    yield NameSlot(catalog.app, entry.msgctxt or "", entry.msgid, text, placeholder, word)


def is_declined_position(word: str) -> bool:
    return word in PREPOSITIONS or word in GOVERNING_WORDS


def test_no_polish_sentence_puts_a_name_where_polish_would_decline_it() -> None:
    wrong = [
        f"[{slot.app}] %({slot.placeholder})s after “{slot.word_before}”: {slot.msgstr!r}"
        for slot in polish_name_slots()
        if is_declined_position(slot.word_before) and slot.key not in ALLOWED
    ]
    assert wrong == [], "Word these so the name stands in the nominative:\n" + "\n".join(wrong)


def test_every_allowed_sentence_is_still_in_a_catalog_and_still_flagged() -> None:
    flagged = {slot.key for slot in polish_name_slots() if is_declined_position(slot.word_before)}
    assert set(ALLOWED) - flagged == set()


def test_the_review_covers_the_catalogs() -> None:
    """The placeholders the check knows are the ones the catalogs use for names and titles."""
    seen = {slot.placeholder for slot in polish_name_slots()}
    assert {"name", "person", "circle_person_name", "title", "organisation"} <= seen


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("Zabierz %(name)s", True),
        ("Pomoc dla %(name)s", True),
        ("Wiadomości z %(name)s", True),
        ("Zapisano Cię do „%(title)s”.", True),
        ("Dołącz do {name}", True),  # the offline script's placeholders
        ('Skierowaliśmy ją tutaj<span class="visually-hidden"> do %(name)s</span>', True),
        ("Pracownicy %(organisation)s", True),
        ("Pomoc dla: %(name)s", False),
        ("Krąg osoby %(person)s", False),
        ("Zapisano Cię do zadania „%(title)s”.", False),
        ("%(name)s zapisuje wizytę", False),
        ("Odwiedziny · %(name)s", False),
        ("Wiadomości (%(name)s)", False),
        ("Dla %(count)s osób", False),  # not a name
    ],
)
def test_the_rule_flags_a_name_after_a_preposition_or_a_governing_word(text: str, flagged: bool) -> None:
    assert any(is_declined_position(word) for _, word in name_slots(text)) is flagged


def _review_listing() -> str:
    lines = []
    for slot in polish_name_slots():
        mark = "!!" if is_declined_position(slot.word_before) and slot.key not in ALLOWED else "  "
        lines.append(f"{mark} [{slot.app}] %({slot.placeholder})s after {slot.word_before or '—'!r}: {slot.msgstr!r}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(_review_listing() + "\n")
