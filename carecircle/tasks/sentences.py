"""Audit sentences for tasks: "Olivia added "Lift to hospital"", "Sam said they'll do it"."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from carecircle.audit.models import AuditEntry
from carecircle.lib.date_words import short_date


def _words(entry: AuditEntry) -> dict[str, Any]:
    """The pieces every sentence may use: who, which task, which day, whom, and why."""
    value = entry.data.get("date")
    reason = entry.data.get("reason")
    return {
        "name": entry.actor_name or _("Someone"),
        "title": entry.data.get("title") or _("a task"),
        "day": short_date(datetime.date.fromisoformat(str(value)), "D j M") if value else "",
        "subject": entry.subject_name or _("someone"),
        "reason": f" ({reason})" if reason else "",
    }


def _said(with_day: Any, without_day: Any) -> Callable[[AuditEntry], str]:
    """A sentence with " on Tue 4 Mar" when the entry names a day, and without it when it doesn't."""

    def describe(entry: AuditEntry) -> str:
        words = _words(entry)
        return str(with_day if words["day"] else without_day) % words

    return describe


def _simple(sentence: Any) -> Callable[[AuditEntry], str]:
    return lambda entry: str(sentence) % _words(entry)


def _updated_following(entry: AuditEntry) -> str:
    day = short_date(datetime.date.fromisoformat(entry.data["from"]), "j M")
    return _("%(name)s changed “%(title)s” from %(from)s on") % {**_words(entry), "from": day}


def _assigned_series(entry: AuditEntry) -> str:
    count = int(entry.data.get("count", 0))
    day = short_date(datetime.date.fromisoformat(entry.data["from"]), "j M")
    return ngettext(
        "%(name)s put %(subject)s down for “%(title)s” %(count)s time from %(from)s",
        "%(name)s put %(subject)s down for “%(title)s” %(count)s times from %(from)s",
        count,
    ) % {**_words(entry), "count": f"{count:,}", "from": day}


def _withdrew(entry: AuditEntry) -> str:
    words = _words(entry)
    if entry.actor_name == entry.subject_name:
        if words["day"]:
            return _("%(name)s said they can't do “%(title)s” on %(day)s any more%(reason)s") % words
        return _("%(name)s said they can't do “%(title)s” any more%(reason)s") % words
    if words["day"]:
        return _("%(name)s took %(subject)s off “%(title)s” on %(day)s%(reason)s") % words
    return _("%(name)s took %(subject)s off “%(title)s”%(reason)s") % words


def _cant_cover(entry: AuditEntry) -> str:
    count = int(entry.data.get("tasks", 0))
    return ngettext(
        "%(name)s said they can't cover for a while; %(count)s task needs help again",
        "%(name)s said they can't cover for a while; %(count)s tasks need help again",
        count,
    ) % {**_words(entry), "count": f"{count:,}"}


SENTENCES: dict[str, Callable[[AuditEntry], str]] = {
    "tasks.created": _simple(gettext_lazy("%(name)s added “%(title)s”")),
    "tasks.updated": _simple(gettext_lazy("%(name)s changed “%(title)s”")),
    "tasks.updated_following": _updated_following,
    "tasks.occurrence_moved": _said(
        gettext_lazy("%(name)s moved “%(title)s” on %(day)s"), gettext_lazy("%(name)s moved “%(title)s”")
    ),
    "tasks.cancelled": _simple(gettext_lazy("%(name)s cancelled “%(title)s”%(reason)s")),
    "tasks.occurrence_cancelled": _said(
        gettext_lazy("%(name)s cancelled “%(title)s” on %(day)s"), gettext_lazy("%(name)s cancelled “%(title)s”")
    ),
    "tasks.volunteered": _said(
        gettext_lazy("%(name)s said they'll do “%(title)s” on %(day)s"),
        gettext_lazy("%(name)s said they'll do “%(title)s”"),
    ),
    "tasks.assigned": _said(
        gettext_lazy("%(name)s asked %(subject)s to do “%(title)s” on %(day)s"),
        gettext_lazy("%(name)s asked %(subject)s to do “%(title)s”"),
    ),
    "tasks.assigned_series": _assigned_series,
    "tasks.withdrew": _withdrew,
    "tasks.declined": _said(
        gettext_lazy("%(name)s said they can't help with “%(title)s” on %(day)s"),
        gettext_lazy("%(name)s said they can't help with “%(title)s”"),
    ),
    "tasks.done": _said(
        gettext_lazy("%(name)s marked “%(title)s” on %(day)s as done"),
        gettext_lazy("%(name)s marked “%(title)s” as done"),
    ),
    "tasks.feed_created": _simple(gettext_lazy("%(name)s made a private calendar address")),
    "tasks.feed_renewed": _simple(gettext_lazy("%(name)s replaced their private calendar address")),
    "tasks.feed_revoked": _simple(gettext_lazy("%(name)s stopped their private calendar address")),
    "tasks.reminders_changed": _simple(gettext_lazy("%(name)s changed when they get reminders")),
    "tasks.stand_ins_changed": _simple(gettext_lazy("%(name)s changed who steps in when someone can't cover")),
    "tasks.cant_cover": _cant_cover,
    "tasks.offer_added": _simple(gettext_lazy("%(name)s offered to help at a regular time")),
    "tasks.offer_removed": _simple(gettext_lazy("%(name)s took back an offer to help at a regular time")),
    "tasks.visit_logged": _said(
        gettext_lazy("%(name)s logged a visit on %(day)s"), gettext_lazy("%(name)s logged a visit")
    ),
    "tasks.visit_concern": _said(
        gettext_lazy("%(name)s logged a visit on %(day)s and raised a concern"),
        gettext_lazy("%(name)s logged a visit and raised a concern"),
    ),
}
