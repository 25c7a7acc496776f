"""How the activity log describes what happened in conversations (only what is audited; see services.py)."""

from __future__ import annotations

from collections.abc import Callable

from carecircle.audit.models import AuditEntry

VISITORS_WORDS = {
    "welcome": "visitors are welcome",
    "ask_first": "visitors should ask first",
    "not_now": "visitors aren't welcome at the moment",
}


def _actor(entry: AuditEntry) -> str:
    return entry.actor_name or "Someone"


def _update_posted(entry: AuditEntry) -> str:
    title = entry.data.get("title") or "an update"
    return f"{_actor(entry)} posted the update “{title}”"


def _message_removed(entry: AuditEntry) -> str:
    what = "an update" if entry.data.get("kind") == "update" else "a message"
    if entry.data.get("by_author"):
        return f"{_actor(entry)} removed {what} they wrote"
    return f"{_actor(entry)} removed {what} by {entry.subject_name or 'someone'}"


def _message_restored(entry: AuditEntry) -> str:
    return f"{_actor(entry)} undid the removal of a message"


def _visitors_changed(entry: AuditEntry) -> str:
    words = VISITORS_WORDS.get(entry.data.get("status", ""), "whether visitors are welcome")
    return f"{_actor(entry)} said {words}"


def _thanks_sent(entry: AuditEntry) -> str:
    label = entry.data.get("for")
    reason = f" for “{label}”" if label else ""
    return f"{_actor(entry)} thanked {entry.subject_name or 'someone'}{reason}"


SENTENCES: dict[str, Callable[[AuditEntry], str]] = {
    "update.posted": _update_posted,
    "message.removed": _message_removed,
    "message.restored": _message_restored,
    "visitors.changed": _visitors_changed,
    "thanks.sent": _thanks_sent,
}
