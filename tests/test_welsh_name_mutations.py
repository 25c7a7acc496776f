"""Welsh sentences never put a name where Welsh would mutate it (docs/architecture/i18n.md).

Welsh mutates the first letter of a word after many prepositions and particles: "i Gareth" is
written "i Areth", "gan Dafydd" "gan Ddafydd", "gyda Catrin" "gyda Chatrin". CareCircle pastes a
name as it was typed and cannot mutate it (and a mutated name may no longer be recognised), so a
Welsh sentence that puts a name straight after such a word shows a form a careful reader notices as
wrong. The catalogs word these sentences so that no mutating word comes right before the name:

- a genitive, which needs no mutation ("Llun %(name)s", "gwahoddiad %(recipient)s", "Gwiriad %(name)s");
- "ar gyfer", "ynghylch", "ar wahoddiad", which take a name unmutated;
- the name as the subject after the verb ("Gall %(inviter)s anfon", "a chafodd %(recipient)s y diolch");
- a noun before an organisation's name ("at y sefydliad %(organisation)s", like Polish "organizacji");
- a label after a colon or in brackets ("Dilëwyd %(at)s (%(name)s)", "derbynnydd: %(recipient)s").

A quoted title (“%(title)s”) is not mutated either, so the test leaves it alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from carecircle.web.catalogs import translations_in
from tests.test_polish_name_cases import NAME_PLACEHOLDERS, PLACEHOLDER

# Words that mutate the word after them. Soft: am, ar, at, dan, dros, drwy, gan, heb, hyd, i, o, tan,
# trwy, wrth, dy, neu, annwyl; aspirate: a, â, gyda, tua, na; nasal: fy, yn (in).
MUTATING_WORDS = frozenset(
    {
        "am",
        "ar",
        "at",
        "dan",
        "dros",
        "drwy",
        "gan",
        "heb",
        "hyd",
        "i",
        "o",
        "tan",
        "trwy",
        "wrth",
        "dy",
        "neu",
        "annwyl",
        "a",
        "â",
        "gyda",
        "tua",
        "na",
        "fy",
        "yn",
    }
)
# An email address or a code is not a name, though it sits in a name-like placeholder once.
NOT_NAMES = frozenset({"sender"})
# Marks that change nothing between the word and the name: spaces and HTML tags (not quotes, which
# make the name a title).
BETWEEN = re.compile(r"(?:\s|<[^>]*>)+$")
LAST_WORD = re.compile(r"(\w+)$")


def mutating_word_before(text: str) -> str:
    """The word right before a placeholder if it mutates what follows, else ""."""
    text = BETWEEN.sub("", text)
    match = LAST_WORD.search(text)
    word = match.group(1).lower() if match else ""
    return word if word in MUTATING_WORDS else ""


def mutated_names(text: str) -> Iterator[str]:
    for match in PLACEHOLDER.finditer(text):
        placeholder = match.group(1) or match.group(2)
        if placeholder in NAME_PLACEHOLDERS and placeholder not in NOT_NAMES:
            word = mutating_word_before(text[: match.start()])
            if word:
                yield f"{word} {match.group(0)}"


def welsh_texts() -> Iterator[tuple[str, str]]:
    for found in translations_in("cy"):
        yield found.app, found.text


def test_no_welsh_sentence_puts_a_name_after_a_word_that_mutates_it() -> None:
    wrong = [
        f"[{app}] {list(mutated_names(text))}: {text!r}" for app, text in welsh_texts() if any(mutated_names(text))
    ]
    assert wrong == [], "Word these so no mutating word comes right before the name:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("Gofynnwch i %(inviter)s anfon un newydd atoch.", True),
        ("Gwnaed gan %(name)s, %(at)s.", True),
        ("Atgyfeirio rhywun at %(name)s", True),
        ("Negeseuon gyda %(name)s", True),
        ("Ymunwch â %(organisation)s", True),
        ("Llun o {name}", True),
        ('Fe wnaethon ni eu hatgyfeirio yma<span class="visually-hidden"> at %(name)s</span>', True),
        ("Llun %(name)s", False),
        ("Nodyn ar gyfer %(name)s (dewisol)", False),
        ("Gwnaed %(at)s (%(name)s).", False),
        ("Atgyfeirio rhywun at y sefydliad %(name)s", False),
        ("Sylwadau ar “%(title)s”", False),  # a quoted title is not mutated
        ("Daeth o %(sender)s", False),  # an address
        ("Mae %(count)s o bobl", False),  # not a name
    ],
)
def test_the_rule_flags_a_name_after_a_mutating_word(text: str, flagged: bool) -> None:
    assert any(mutated_names(text)) is flagged
