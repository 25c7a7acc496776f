"""Sentences for the record's actions in the circle's activity log."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carecircle.audit.models import AuditEntry
from carecircle.records.sections import SECTION_BY_KEY

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

HOURS_WORDS = {24: gettext_lazy("24 hours"), 168: gettext_lazy("7 days")}


def _who(entry: AuditEntry) -> str:
    return entry.actor_name or _("Someone")


def _what(entry: AuditEntry) -> str:
    section = SECTION_BY_KEY.get(str(entry.data.get("section", "")))
    title = str(entry.data.get("title", "")) or _("an entry")
    if section is None or section.single:
        return title
    # Translators: an entry of the record and its section, as in "Metformin in medications".
    return _("%(title)s in %(section)s") % {"title": title, "section": str(section.title).lower()}


def _sections(keys: object) -> str:
    titles = (
        [str(SECTION_BY_KEY[key].title).lower() for key in keys if key in SECTION_BY_KEY]
        if isinstance(keys, list)
        else []
    )
    if len(titles) <= 1:
        return "".join(titles) or _("the record")
    # Translators: the last two of a list of record sections, as in "allergies and medications".
    return _("%(first)s and %(last)s") % {"first": ", ".join(titles[:-1]), "last": titles[-1]}


def _verb(sentence: StrPromise) -> Callable[[AuditEntry], str]:
    return lambda entry: str(sentence) % {"name": _who(entry), "what": _what(entry)}


def _share_created(entry: AuditEntry) -> str:
    words = {
        "name": _who(entry),
        "sections": _sections(entry.data.get("sections")),
        "recipient": entry.subject_name,
        "hours": HOURS_WORDS.get(int(entry.data.get("hours", 0)), _("a while")),
    }
    if entry.data.get("code"):
        return _("%(name)s shared %(sections)s with %(recipient)s for %(hours)s with a code") % words
    return _("%(name)s shared %(sections)s with %(recipient)s for %(hours)s") % words


SENTENCES: dict[str, Callable[[AuditEntry], str]] = {
    "record.entry_created": _verb(gettext_lazy("%(name)s added %(what)s")),
    "record.entry_updated": _verb(gettext_lazy("%(name)s changed %(what)s")),
    "record.entry_deleted": _verb(gettext_lazy("%(name)s deleted %(what)s")),
    "record.entry_restored": _verb(gettext_lazy("%(name)s restored %(what)s")),
    "record.share_created": _share_created,
    "record.share_revoked": lambda entry: (
        _("%(name)s stopped the share link for %(recipient)s") % {"name": _who(entry), "recipient": entry.subject_name}
    ),
    "record.exported": lambda entry: _("%(name)s downloaded all of the circle's data") % {"name": _who(entry)},
}
