"""Sentences for the record's actions in the circle's activity log."""

from __future__ import annotations

from collections.abc import Callable

from carecircle.audit.models import AuditEntry
from carecircle.records.sections import SECTION_BY_KEY

HOURS_WORDS = {24: "24 hours", 168: "7 days"}


def _who(entry: AuditEntry) -> str:
    return entry.actor_name or "Someone"


def _what(entry: AuditEntry) -> str:
    section = SECTION_BY_KEY.get(str(entry.data.get("section", "")))
    title = str(entry.data.get("title", "")) or "an entry"
    if section is None or section.single:
        return title
    return f"{title} in {section.title.lower()}"


def _sections(keys: object) -> str:
    titles = (
        [SECTION_BY_KEY[key].title.lower() for key in keys if key in SECTION_BY_KEY] if isinstance(keys, list) else []
    )
    if len(titles) <= 1:
        return "".join(titles) or "the record"
    return ", ".join(titles[:-1]) + " and " + titles[-1]


def _verb(verb: str) -> Callable[[AuditEntry], str]:
    return lambda entry: f"{_who(entry)} {verb} {_what(entry)}"


def _share_created(entry: AuditEntry) -> str:
    hours = HOURS_WORDS.get(int(entry.data.get("hours", 0)), "a while")
    code = " with a code" if entry.data.get("code") else ""
    sections = _sections(entry.data.get("sections"))
    return f"{_who(entry)} shared {sections} with {entry.subject_name} for {hours}{code}"


SENTENCES: dict[str, Callable[[AuditEntry], str]] = {
    "record.entry_created": _verb("added"),
    "record.entry_updated": _verb("changed"),
    "record.entry_deleted": _verb("deleted"),
    "record.entry_restored": _verb("restored"),
    "record.share_created": _share_created,
    "record.share_revoked": lambda entry: f"{_who(entry)} stopped the share link for {entry.subject_name}",
    "record.exported": lambda entry: f"{_who(entry)} downloaded all of the circle's data",
}
