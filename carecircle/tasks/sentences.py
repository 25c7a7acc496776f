"""Audit sentences for tasks: "Olivia added "Lift to hospital"", "Sam said they'll do it"."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from carecircle.audit.models import AuditEntry
from carecircle.lib.words import count_of


def _actor(entry: AuditEntry) -> str:
    return entry.actor_name or "Someone"


def _title(entry: AuditEntry) -> str:
    return f"\u201c{entry.data.get('title') or 'a task'}\u201d"


def _on(entry: AuditEntry) -> str:
    value = entry.data.get("date")
    if not value:
        return ""
    day = datetime.date.fromisoformat(str(value))
    return f" on {day:%a} {day.day} {day:%b}"


def _subject(entry: AuditEntry) -> str:
    return entry.subject_name or "someone"


def _tasks_need_help(count: int) -> str:
    return f"{count_of(count, 'task')} {'needs' if count == 1 else 'need'}"


def _reason(entry: AuditEntry) -> str:
    reason = entry.data.get("reason")
    return f" ({reason})" if reason else ""


SENTENCES: dict[str, Callable[[AuditEntry], str]] = {
    "tasks.created": lambda entry: f"{_actor(entry)} added {_title(entry)}",
    "tasks.updated": lambda entry: f"{_actor(entry)} changed {_title(entry)}",
    "tasks.updated_following": lambda entry: (
        f"{_actor(entry)} changed {_title(entry)} from {datetime.date.fromisoformat(entry.data['from']):%-d %b} on"
    ),
    "tasks.occurrence_moved": lambda entry: f"{_actor(entry)} moved {_title(entry)}{_on(entry)}",
    "tasks.cancelled": lambda entry: f"{_actor(entry)} cancelled {_title(entry)}{_reason(entry)}",
    "tasks.occurrence_cancelled": lambda entry: f"{_actor(entry)} cancelled {_title(entry)}{_on(entry)}",
    "tasks.volunteered": lambda entry: f"{_actor(entry)} said they'll do {_title(entry)}{_on(entry)}",
    "tasks.assigned": lambda entry: f"{_actor(entry)} asked {_subject(entry)} to do {_title(entry)}{_on(entry)}",
    "tasks.assigned_series": lambda entry: (
        f"{_actor(entry)} put {_subject(entry)} down for {_title(entry)} "
        f"{count_of(entry.data.get('count', 0), 'time')} from {datetime.date.fromisoformat(entry.data['from']):%-d %b}"
    ),
    "tasks.withdrew": lambda entry: (
        f"{_actor(entry)} said they can't do {_title(entry)}{_on(entry)} any more{_reason(entry)}"
        if entry.actor_name == entry.subject_name
        else f"{_actor(entry)} took {_subject(entry)} off {_title(entry)}{_on(entry)}{_reason(entry)}"
    ),
    "tasks.declined": lambda entry: f"{_actor(entry)} said they can't help with {_title(entry)}{_on(entry)}",
    "tasks.done": lambda entry: f"{_actor(entry)} marked {_title(entry)}{_on(entry)} as done",
    "tasks.feed_created": lambda entry: f"{_actor(entry)} made a private calendar address",
    "tasks.feed_renewed": lambda entry: f"{_actor(entry)} replaced their private calendar address",
    "tasks.feed_revoked": lambda entry: f"{_actor(entry)} stopped their private calendar address",
    "tasks.reminders_changed": lambda entry: f"{_actor(entry)} changed when they get reminders",
    "tasks.stand_ins_changed": lambda entry: f"{_actor(entry)} changed who steps in when someone can't cover",
    "tasks.cant_cover": lambda entry: (
        f"{_actor(entry)} said they can't cover for a while; {_tasks_need_help(entry.data.get('tasks', 0))} help again"
    ),
    "tasks.offer_added": lambda entry: f"{_actor(entry)} offered to help at a regular time",
    "tasks.offer_removed": lambda entry: f"{_actor(entry)} took back an offer to help at a regular time",
    "tasks.visit_logged": lambda entry: f"{_actor(entry)} logged a visit{_on(entry)}",
    "tasks.visit_concern": lambda entry: f"{_actor(entry)} logged a visit{_on(entry)} and raised a concern",
}
