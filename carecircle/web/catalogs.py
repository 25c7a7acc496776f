"""The translation catalogs: where they are, compiling them without gettext, and checking them.

Every app keeps its own catalogs in carecircle/<app>/locale/<language>/LC_MESSAGES/django.po, and
the compiled .mo files are committed, because a fresh machine has no gettext. Compiling here uses
polib (a development dependency), so `carecircle compilecatalogs` works on any machine, and the
test in tests/test_i18n.py compares each committed .mo with its .po. docs/translating.md
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polib

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Every language but the one the source is written in.
TRANSLATED_LANGUAGES = ("cy", "pl")
DOMAINS = ("django", "djangojs")


@dataclass(frozen=True)
class Catalog:
    app: str
    language: str
    po: Path

    @property
    def mo(self) -> Path:
        return self.po.with_suffix(".mo")


def catalogs(package_dir: Path = PACKAGE_DIR) -> Iterator[Catalog]:
    """Every .po file under carecircle/<app>/locale/, in a steady order."""
    for po in sorted(package_dir.glob("*/locale/*/LC_MESSAGES/*.po")):
        app = po.relative_to(package_dir).parts[0]
        yield Catalog(app=app, language=po.parent.parent.name, po=po)


def compile_catalog(catalog: Catalog) -> None:
    """Write the .mo beside the .po: only translated entries, never fuzzy or obsolete ones."""
    polib.pofile(str(catalog.po)).save_as_mofile(str(catalog.mo))


Translations = dict[tuple[str, str], tuple[str, ...]]


def _key(entry: polib.POEntry | polib.MOEntry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def _value(entry: polib.POEntry | polib.MOEntry) -> tuple[str, ...]:
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural))
    return (entry.msgstr,)


def po_translations(po: Path) -> Translations:
    """What a compiled catalog should hold: the translated, current, not-fuzzy entries."""
    return {_key(entry): _value(entry) for entry in polib.pofile(str(po)).translated_entries()}


def mo_translations(mo: Path) -> Translations:
    """What a compiled catalog holds (the header, msgid "", left out)."""
    return {_key(entry): _value(entry) for entry in polib.mofile(str(mo)) if entry.msgid}


def is_stale(catalog: Catalog) -> bool:
    """True when the .mo is missing or says something other than its .po."""
    if not catalog.mo.exists():
        return True
    return mo_translations(catalog.mo) != po_translations(catalog.po)


@dataclass(frozen=True)
class Translation:
    app: str
    context: str
    msgid: str
    text: str


def translations_in(language: str, package_dir: Path = PACKAGE_DIR) -> Iterator[Translation]:
    """Every current translation into `language`, each distinct plural form once, with where it is from."""
    for catalog in catalogs(package_dir):
        if catalog.language != language:
            continue
        for entry in polib.pofile(str(catalog.po)):
            if entry.obsolete:
                continue
            for text in dict.fromkeys(_value(entry)):
                yield Translation(catalog.app, entry.msgctxt or "", entry.msgid, text)


@dataclass(frozen=True)
class Gap:
    msgid: str
    why: str


# %(name)s, %s, %d and {name}: what the code fills in.
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdif]|%[sdif]|\{[a-z_][a-z0-9_]*\}")


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def gaps(po: Path) -> list[Gap]:
    """Entries a translator still has to do or check: empty (any plural form), fuzzy, or with a
    placeholder the English doesn't have (the page would fail or show the wrong thing)."""
    found = []
    for entry in polib.pofile(str(po)):
        if entry.obsolete:
            continue
        english = _placeholders(entry.msgid) | _placeholders(entry.msgid_plural or "")
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        unknown = set().union(*(_placeholders(text) for text in translations)) - english
        if unknown:
            found.append(Gap(entry.msgid, f"uses {', '.join(sorted(unknown))}, which the English doesn't"))
        if entry.fuzzy:
            found.append(Gap(entry.msgid, "fuzzy: check it, then remove the fuzzy flag"))
        elif entry.msgid_plural and not all(entry.msgstr_plural.values()):
            found.append(Gap(entry.msgid, "a plural form is empty"))
        elif not entry.msgid_plural and not entry.msgstr:
            found.append(Gap(entry.msgid, "not translated"))
    return found
