"""Turn the English reason kept for a directory feed's last failed fetch into a code and its values.

Before 0023 the worker stored why a feed was refused as English text, so admins reading in Welsh or
Polish saw English. Each sentence the importer could write is matched here and replaced by its code
(orgs/directory_reasons.py puts it back into words in the reader's language). Text that matches
none (cut short at 500 characters, or written by hand) stays in `last_error` as the fallback, shown
as it is. Going back writes the English sentence again from the code. A migration keeps its own
copy of the sentences, as migrations must not import app code.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations

# code → (the English sentence with its values, a pattern that reads the values back).
SENTENCES: dict[str, tuple[str, re.Pattern[str]]] = {
    "not_web_address": (
        "Give the directory's address starting with https:// (or http://).",
        re.compile(r"Give the directory's address starting with https:// \(or http://\)\."),
    ),
    "too_big": (
        "The directory is bigger than {kilobytes} KB: raise the limit or split it.",
        re.compile(r"The directory is bigger than (?P<kilobytes>\d+) KB: raise the limit or split it\."),
    ),
    "server_answered": (
        "The directory's server answered {status}. Check the address.",
        re.compile(r"The directory's server answered (?P<status>\d+)\. Check the address\."),
    ),
    "not_fetched": (
        "The directory could not be fetched ({detail}). Try again later.",
        re.compile(r"The directory could not be fetched \((?P<detail>.*)\)\. Try again later\.", re.DOTALL),
    ),
    "not_utf8": (
        "The directory isn't UTF-8 text. Export it again as UTF-8 JSON.",
        re.compile(r"The directory isn't UTF-8 text\. Export it again as UTF-8 JSON\."),
    ),
    "not_json": (
        "The directory isn't valid JSON (line {line}). Check the file.",
        re.compile(r"The directory isn't valid JSON \(line (?P<line>\d+)\)\. Check the file\."),
    ),
    "no_service_list": (
        'The directory has no list of services ("content" or "contents").',
        re.compile(r'The directory has no list of services \("content" or "contents"\)\.'),
    ),
    "not_a_list": (
        "The directory isn't a list of services.",
        re.compile(r"The directory isn't a list of services\."),
    ),
}
NUMBERS = {"kilobytes", "status", "line"}


def code_of(text: str) -> tuple[str, dict[str, Any]] | None:
    """The code and values of an English reason the importer wrote, or None for any other text."""
    for code, (_, pattern) in SENTENCES.items():
        match = pattern.fullmatch(text)
        if match:
            found = match.groupdict()
            return code, {name: int(value) if name in NUMBERS else value for name, value in found.items()}
    return None


def english(code: str, values: dict[str, Any]) -> str | None:
    sentence = SENTENCES.get(code)
    if sentence is None:
        return None
    try:
        return sentence[0].format(**values)[:500]
    except (KeyError, IndexError):
        return None


def to_codes(apps: Any, schema_editor: Any) -> None:
    status = apps.get_model("orgs", "DirectoryFeedStatus")
    for row in status.objects.exclude(last_error="").iterator():
        found = code_of(row.last_error)
        if found is None:
            continue  # kept as it is: the fallback
        row.last_error_code, row.last_error_values = found
        row.last_error = ""
        row.save(update_fields=["last_error_code", "last_error_values", "last_error"])


def to_english(apps: Any, schema_editor: Any) -> None:
    status = apps.get_model("orgs", "DirectoryFeedStatus")
    for row in status.objects.exclude(last_error_code="").iterator():
        text = english(row.last_error_code, row.last_error_values or {})
        # A code written after 0023 that has no old sentence keeps its code in the text, never nothing.
        row.last_error = row.last_error or text or row.last_error_code
        row.last_error_code, row.last_error_values = "", {}
        row.save(update_fields=["last_error_code", "last_error_values", "last_error"])


class Migration(migrations.Migration):
    dependencies = [("orgs", "0023_directory_reason_codes")]

    operations = [migrations.RunPython(to_codes, to_english)]
