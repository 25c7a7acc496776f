"""How the activity log describes what happened in conversations (only what is audited; see services.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carecircle.audit.models import AuditEntry

VISITORS_WORDS = {
    "welcome": gettext_lazy("%(name)s said visitors are welcome"),
    "ask_first": gettext_lazy("%(name)s said visitors should ask first"),
    "not_now": gettext_lazy("%(name)s said visitors aren't welcome at the moment"),
}


def _actor(entry: AuditEntry) -> str:
    return entry.actor_name or _("Someone")


def _update_posted(entry: AuditEntry) -> str:
    title = entry.data.get("title") or _("an update")
    return _("%(name)s posted the update “%(title)s”") % {"name": _actor(entry), "title": title}


def _message_removed(entry: AuditEntry) -> str:
    words = {"name": _actor(entry), "author": entry.subject_name or _("someone")}
    if entry.data.get("kind") == "update":
        if entry.data.get("by_author"):
            return _("%(name)s removed an update they wrote") % words
        return _("%(name)s removed an update by %(author)s") % words
    if entry.data.get("by_author"):
        return _("%(name)s removed a message they wrote") % words
    return _("%(name)s removed a message by %(author)s") % words


def _message_restored(entry: AuditEntry) -> str:
    return _("%(name)s undid the removal of a message") % {"name": _actor(entry)}


def _visitors_changed(entry: AuditEntry) -> str:
    sentence = VISITORS_WORDS.get(entry.data.get("status", ""))
    if sentence is None:
        return _("%(name)s said whether visitors are welcome") % {"name": _actor(entry)}
    return str(sentence) % {"name": _actor(entry)}


def _thanks_sent(entry: AuditEntry) -> str:
    label = entry.data.get("for")
    words = {"name": _actor(entry), "recipient": entry.subject_name or _("someone"), "label": label}
    if label:
        return _("%(name)s thanked %(recipient)s for “%(label)s”") % words
    return _("%(name)s thanked %(recipient)s") % words


SENTENCES: dict[str, Callable[[AuditEntry], str]] = {
    "update.posted": _update_posted,
    "message.removed": _message_removed,
    "message.restored": _message_restored,
    "visitors.changed": _visitors_changed,
    "thanks.sent": _thanks_sent,
}
