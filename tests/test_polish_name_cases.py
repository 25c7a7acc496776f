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

import pytest

from carecircle.web.catalogs import translations_in

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
    for found in translations_in("pl"):
        for placeholder, word in name_slots(found.text):
            yield NameSlot(found.app, found.context, found.msgid, found.text, placeholder, word)


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


# Greetings. Polish addresses a person in the vocative ("Dzień dobry, Anno", "Cześć, Tomku"), which
# code can't form from a typed name, and the nominative there reads wrong ("Dzień dobry, Anna"). So
# a greeting stands without the name ("Dzień dobry,") and the name goes where the nominative is
# right: a label ("Wiadomość dla: %(name)s", "Twoje konto CareCircle (%(name)s)").
GREETINGS = (
    "dzień dobry",
    "dobry wieczór",
    "cześć",
    "witaj",
    "witajcie",
    "witam",
    "witamy",
    "hej",
    "drogi",
    "droga",
    "drodzy",
    "szanowny",
    "szanowna",
    "szanowni",
)
_GREETING = "|".join(GREETINGS)
_SLOT = r"(?:%\((\w+)\)[sd]|\{(\w+)\})"
# A greeting, then the rest of its clause (no full stop, colon or new line), then a placeholder;
# or a placeholder, then a comma or dash, then a greeting ("%(name)s, dzień dobry").
GREETING_BEFORE_NAME = re.compile(rf"\b(?:{_GREETING})\b[^.!?:;\n]*?{_SLOT}", re.IGNORECASE)
NAME_BEFORE_GREETING = re.compile(rf"{_SLOT}\s*[,\u2013\u2014-]\s*(?:{_GREETING})\b", re.IGNORECASE)

# Gender. CareCircle doesn't know a person's gender (and an organisation's name may be any noun),
# so no sentence makes a word agree with one. Found in the catalogs in December 2026 and reworded:
# - both forms offered at once: "zrobiłeś(-aś)", "zapisany/-a", "on(a)", "sam(a)";
# - a past tense or participle addressed to the reader: "zgłosiłeś", "Mówiłaś", "jesteś zalogowany";
# - a name placeholder as the subject of a past tense or participle: "%(organisation)s przyjęła",
#   "%(name)s jest zapisany" (`starts_a_clause` says when a name is the subject).
BOTH_FORMS = re.compile(r"\w\((?:-?a|-?aś|-?am|-?y|-?e)\)|\w/-?(?:a|aś|am)\b|\bon\(a\)", re.IGNORECASE)
READER_PAST = re.compile(r"\b\w+(?:łeś|łaś|łbyś|łabyś)\b", re.IGNORECASE)
READER_PREDICATE = re.compile(
    r"\b(?:jesteś|byłeś|byłaś|będziesz|pozostaniesz|zostaniesz|bądź)\s+(?:(?:już|nie|teraz|nadal|jeszcze)\s+)*"
    r"(\w+(?:[nt]y|[nt]a|wy|wa|ien))\b",
    re.IGNORECASE,
)
# Words between a name and its verb that don't change the verb's form.
_PARTICLES = r"(?:(?:nie|się|już|jeszcze|też|także|jest|będzie)\s+)*"
NAME_THEN_WORD = re.compile(rf"{_SLOT}[”\"]?\s+{_PARTICLES}(\w+)", re.IGNORECASE)
# A past tense agrees with its subject's gender (-ł, -ła, -ło); so do these participles.
GENDERED_PAST = re.compile(r"\w+ł[ao]?$", re.IGNORECASE)
GENDERED_PARTICIPLES = frozenset(
    {
        "zapisany",
        "zapisana",
        "zalogowany",
        "zalogowana",
        "zaproszony",
        "zaproszona",
        "gotowy",
        "gotowa",
        "pewny",
        "pewna",
        "pewien",
        "sam",
        "sama",
        "powinien",
        "powinna",
    }
)
# Present tenses that happen to end like a past tense.
PRESENT_TENSE_IN_LA = frozenset({"działa", "wysyła", "przysyła", "posyła", "odsyła"})
# A name is the subject when it opens the text or a sentence, or follows a conjunction. After a
# noun ("Osoba %(name)s wypisała", "Krąg osoby %(person)s został") or a colon ("Link dla:
# %(recipient)s jest gotowy") the verb agrees with that noun; a quoted name labels a thing named
# before it ("Klucz dostępu „%(name)s” został usunięty").
CONJUNCTIONS = frozenset(
    {"i", "a", "ale", "lecz", "albo", "lub", "bo", "że", "jeśli", "jeżeli", "gdy", "kiedy", "więc", "czy", "aż"}
)


def starts_a_clause(before: str) -> bool:
    stripped = before.rstrip()
    if not stripped or stripped[-1] in ".!?\n":
        return True
    return stripped[-1].isalnum() and word_before(stripped) in CONJUNCTIONS


# Sentences kept as they are, with the reason. Keyed by (app, msgctxt, msgid).
GENDER_ALLOWED: dict[tuple[str, str, str], str] = {
    (
        "orgs",
        "",
        "Overall, how happy did you feel yesterday?",
    ): "a standard wellbeing question (ONS4), asked in its usual Polish wording with Pan/Pani",
    (
        "orgs",
        "",
        "On a scale where 0 is not at all anxious and 10 is completely anxious, how anxious did you feel yesterday?",
    ): "a standard wellbeing question (ONS4), asked in its usual Polish wording with Pan/Pani",
}


@dataclass(frozen=True)
class PolishText:
    app: str
    context: str
    msgid: str
    msgstr: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.app, self.context, self.msgid)


def polish_texts() -> Iterator[PolishText]:
    for found in translations_in("pl"):
        yield PolishText(found.app, found.context, found.msgid, found.text)


def _named(match: re.Match[str]) -> bool:
    return (match.group(1) or match.group(2)) in NAME_PLACEHOLDERS


def greets_a_name(text: str) -> bool:
    found = [*GREETING_BEFORE_NAME.finditer(text), *NAME_BEFORE_GREETING.finditer(text)]
    return any(_named(match) for match in found)


def guessed_genders(text: str) -> list[str]:
    """The words in a Polish text that assume someone's gender."""
    plain = re.sub(r"<[^>]*>", " ", text)
    words = [m.group(0) for m in BOTH_FORMS.finditer(plain)]
    words += [m.group(0) for m in READER_PAST.finditer(plain)]
    words += [m.group(0) for m in READER_PREDICATE.finditer(plain)]
    for match in NAME_THEN_WORD.finditer(plain):
        if not _named(match):
            continue
        if not starts_a_clause(plain[: match.start()]):
            continue
        word = match.group(3).lower()
        if (GENDERED_PAST.match(word) and word not in PRESENT_TENSE_IN_LA) or word in GENDERED_PARTICIPLES:
            words.append(match.group(0))
    return words


def test_no_polish_greeting_puts_a_name_where_the_vocative_belongs() -> None:
    wrong = [f"[{text.app}] {text.msgstr!r}" for text in polish_texts() if greets_a_name(text.msgstr)]
    assert wrong == [], "Greet without the name, and put the name where the nominative is right:\n" + "\n".join(wrong)


def test_no_polish_sentence_assumes_a_gender() -> None:
    wrong = [
        f"[{text.app}] {guessed_genders(text.msgstr)}: {text.msgstr!r}"
        for text in polish_texts()
        if guessed_genders(text.msgstr) and text.key not in GENDER_ALLOWED
    ]
    assert wrong == [], "Word these without a gender (impersonal, present tense, a noun, a label):\n" + "\n".join(wrong)


def test_every_sentence_allowed_a_gender_is_still_in_a_catalog_and_still_flagged() -> None:
    flagged = {text.key for text in polish_texts() if guessed_genders(text.msgstr)}
    assert set(GENDER_ALLOWED) - flagged == set()


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("Dzień dobry, %(name)s,", True),
        ("Cześć %(name)s!", True),
        ("Witamy w CareCircle, %(name)s.", True),
        ("%(name)s, dzień dobry!", True),
        ("Drogi {name},", True),
        ("Dzień dobry,", False),
        ("Wiadomość dla: %(name)s\n\nDzień dobry,", False),
        ("Dzień dobry! Oto nowości na Twoim koncie (%(name)s).", False),
        ("Witamy w kręgu: %(person)s.", False),
        ("Dzień dobry, %(count)s nowe wiadomości", False),  # not a name
    ],
)
def test_the_rule_flags_a_greeting_before_a_name(text: str, flagged: bool) -> None:
    assert greets_a_name(text) is flagged


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("%(organisation)s przyjęła to skierowanie.", True),
        ("%(name)s pomagał(a) do tej pory.", True),
        ("%(name)s nie był do tego zapisany.", True),
        ("%(name)s jest zapisany do zadania.", True),
        ("„%(title)s” dla: %(person)s. %(asker)s poprosiła wszystkich.", True),
        ("Dziękujemy za wszystko, co zrobiłeś(-aś).", True),
        ("Nie byłeś/-aś do tego zapisany/-a.", True),
        ("Mówiłaś, że możesz pomóc.", True),
        ("Nie jesteś już zalogowany nigdzie indziej.", True),
        ("Organizacja %(organisation)s przyjęła to skierowanie.", False),
        ("Osoba %(name)s nie była do tego zapisana.", False),
        ("Klucz dostępu „%(name)s” został usunięty.", False),
        ("%(name)s zapisuje wizytę.", False),
        ("%(name)s: pomoc (%(covered)s), potem rezygnacja z reszty", False),
        ("%(name)s jest na liście do zadania „%(title)s”.", False),
        ("Ktoś poprosił o nowe hasło.", False),  # "ktoś" takes the masculine in Polish
        ("%(count)s osoba dołączyła.", False),  # not a name
        ("Jeśli %(name)s dała Ci kod, wpisz go.", True),
        ("Krąg osoby %(person)s został zamknięty.", False),
        ("Link dla: %(recipient)s jest gotowy", False),
        ("%(name)s działa.", False),
        ('<a href="/a">Pobierz</a>', False),
    ],
)
def test_the_rule_flags_a_guessed_gender(text: str, flagged: bool) -> None:
    assert bool(guessed_genders(text)) is flagged


def _review_listing() -> str:
    lines = []
    for slot in polish_name_slots():
        mark = "!!" if is_declined_position(slot.word_before) and slot.key not in ALLOWED else "  "
        lines.append(f"{mark} [{slot.app}] %({slot.placeholder})s after {slot.word_before or '—'!r}: {slot.msgstr!r}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(_review_listing() + "\n")
