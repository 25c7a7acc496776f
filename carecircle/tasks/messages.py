"""The words of the emails tasks send: help requests, concerns from a visit, reminders, asks."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.conf import settings
from django.urls import reverse

from carecircle.tasks.models import Task


def task_url(task: Task, on: datetime.date) -> str:
    path = reverse("tasks:detail", kwargs={"circle_id": task.circle_id, "task_id": task.pk})
    return f"{settings.SITE_URL}{path}?on={on}"


def _when(start: datetime.datetime, time_zone: str) -> str:
    from zoneinfo import ZoneInfo

    local = start.astimezone(ZoneInfo(time_zone))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def help_request_message(
    *,
    person_name: str,
    asker_name: str,
    items: Iterable[tuple[Task, datetime.date, datetime.datetime]],
    time_zone: str,
    note: str = "",
    emergency_plan_url: str | None = None,
    actions: Callable[[Task, datetime.date], str] | None = None,
) -> tuple[str, str]:
    """(subject, body) of the help request sent to stand-ins when someone can't cover.

    `items` are (task, occurrence date, UTC start). `emergency_plan_url` is added when the record
    has an emergency plan; the records app supplies it. `actions` gives the "I'll do it" and "I can't"
    lines of one occurrence for this reader (tasks/pacing.py).
    """
    lines = [
        f"{asker_name} can't cover the next few days and has asked you, as one of the people "
        f"who step in for {person_name}, to help.",
        "",
    ]
    if note:
        lines += [f"{asker_name} says: {note}", ""]
    listed = list(items)
    if listed:
        lines.append("These need someone now:")
        for task, on, start in listed:
            lines.append(f"- {task.title}, {_when(start, time_zone)}: {task_url(task, on)}")
            if actions is not None:
                lines += [f"  {line}" for line in actions(task, on).splitlines()]
    else:
        lines.append("Nothing is on the calendar for those days, but they may need you to be on hand.")
    if emergency_plan_url:
        lines += ["", f"The emergency plan for {person_name}: {emergency_plan_url}"]
    if actions is not None:
        lines += ["", "Each link works once, for 14 days. Thank you."]
    else:
        lines += ["", 'Open a link and choose "I\'ll do it" to take one. Thank you.']
    return f"Can you help {person_name}? {asker_name} can't cover", "\n".join(lines)


def concern_message(
    *, person_name: str, author_name: str, task: Task, on: datetime.date, notes: str
) -> tuple[str, str]:
    body = (
        f"{author_name} logged a visit to {person_name} on {on:%a} {on.day} {on:%b} and raised a concern.\n\n"
        f"{notes or 'No notes were written.'}\n\nSee the visit: {task_url(task, on)}"
    )
    return f"A concern after the visit to {person_name}", body


def reminder_message(*, task: Task, on: datetime.date, start: datetime.datetime, time_zone: str) -> tuple[str, str]:
    where = f"\nWhere: {task.address}" if task.address else ""
    body = (
        f"A reminder: you said you'll do \u201c{task.title}\u201d for {task.circle.person_name}, "
        f"{_when(start, time_zone)}.{where}\n\nDetails, or say you can't any more: {task_url(task, on)}"
    )
    return f"Reminder: {task.title}, {_when(start, time_zone)}", body


def everyone_message(
    *, task: Task, on: datetime.date, start: datetime.datetime, time_zone: str, asker_name: str, actions: str
) -> tuple[str, str]:
    """(subject, body) when someone asks everyone who can help with one occurrence that still needs someone."""
    # No asker: CareCircle asks on its own, because the day is near and nobody has taken it (help_soon.py).
    who = f"{asker_name} has asked everyone who can help." if asker_name else "Everyone who can help is being asked."
    body = (
        f"\u201c{task.title}\u201d for {task.circle.person_name} still needs someone, {_when(start, time_zone)}. "
        f"{who}\n\n{actions}\n\nOr open it in CareCircle: {task_url(task, on)}"
    )
    return f"Can you help {task.circle.person_name}? {task.title}", body


def nobody_left_message(
    *, task: Task, on: datetime.date, start: datetime.datetime, time_zone: str, asker_name: str, all_asked: bool
) -> tuple[str, str]:
    """(subject, body) telling the organisers nobody (more) is set to step in for one occurrence."""
    if all_asked:
        subject = f"Every stand-in was asked: {task.title}"
        first = (
            f"Every stand-in has been asked about \u201c{task.title}\u201d, {_when(start, time_zone)}, "
            "and nobody has taken it yet."
        )
    else:
        subject = f"Nobody else is set to step in: {task.title}"
        first = (
            f"{asker_name} can't cover \u201c{task.title}\u201d, {_when(start, time_zone)}, "
            "and nobody else is set to step in for it."
        )
    body = f"{first}\n\nOpen it to ask everyone who can help, or to ask someone yourself: {task_url(task, on)}"
    return subject, body


def ask_message(
    *, task: Task, on: datetime.date, start: datetime.datetime, time_zone: str, actions: str = ""
) -> tuple[str, str]:
    """(subject, body) asking someone whose standing offer matches; `actions` are their "I'll do it"/"I can't" links."""
    answer = f"{actions}\n\nOr open it in CareCircle: " if actions else 'Say "I\'ll do it" here: '
    body = (
        f"\u201c{task.title}\u201d for {task.circle.person_name} needs someone, {_when(start, time_zone)}. "
        f"You said you can usually help at this time, so you're asked first.\n\n"
        f"{answer}{task_url(task, on)}"
    )
    return f"Can you do this? {task.title}", body
