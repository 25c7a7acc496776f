"""The words of the emails tasks send: help requests, concerns from a visit, reminders, asks.

Each is one whole translatable message with named placeholders, written in the active language:
call them inside notify()'s `render` (which runs in the recipient's language), or through
`when_read` for a title notify() turns into text once per recipient (docs/architecture/i18n.md).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext

from carecircle.lib.date_words import short_date
from carecircle.tasks.models import Task


def when_read(make: Callable[[], str]) -> str:
    """Text made when it is read, not now: notify() reads a title once per member, in their language."""
    return lazy(make, str)()


def task_url(task: Task, on: datetime.date) -> str:
    path = reverse("tasks:detail", kwargs={"circle_id": task.circle_id, "task_id": task.pk})
    return f"{settings.SITE_URL}{path}?on={on}"


def _when(start: datetime.datetime, time_zone: str) -> str:
    local = start.astimezone(ZoneInfo(time_zone))
    # Translators: a Django date format for a day and time in a message, like "Fri 5 Dec, 10:30".
    return short_date(local, pgettext("day and time in a message", "D j M, H:i"))


def day_words(on: datetime.date) -> str:
    """ "Friday 5 December" in the active language (Polish "piątek 5 grudnia")."""
    # Translators: a Django date format for a day in a message title, like "Friday 5 December".
    return date_format(on, pgettext("day in a message", "l j E"))


def covered_words(*, first: datetime.date, rest_from: datetime.date, short: bool = False) -> str:
    """The days of a stay someone covered before giving up the rest: "Friday", "Friday to Sunday"; "" if none."""
    if rest_from <= first:
        return ""
    last = rest_from - datetime.timedelta(days=1)
    if (last - first).days < 6:
        # Within a week the day's name is enough: they are the days just before the rest.
        # Translators: a Django date format for a day of the week, like "Friday" ("Fri" when short).
        style = pgettext("weekday in a text", "D") if short else pgettext("weekday in a message", "l")
    else:
        style = pgettext("day in a short reply", "D j M") if short else pgettext("day in a message", "l j E")
    if first == last:
        return short_date(first, style)
    return pgettext("a span of days", "%(first)s to %(last)s") % {
        "first": short_date(first, style),
        "last": short_date(last, style),
    }


def gave_up_rest_sentence(*, title: str, rest_from: datetime.date, covered: str) -> str:
    """What someone who gave up the rest of a stay reads, on the page or after an email's link."""
    values = {"title": title, "day": day_words(rest_from), "covered": covered}
    if covered:
        return gettext("You've given up the rest of “%(title)s”, from %(day)s. Thank you for %(covered)s.") % values
    return gettext("You've given up the rest of “%(title)s”, from %(day)s. Thank you for the time you gave.") % values


def taken_off_rest_title(*, taker_name: str, title: str, rest_from: datetime.date) -> str:
    """The subject (and the text message) telling someone an organiser took them off the rest of a stay."""
    return gettext("%(name)s has taken you off the rest of %(title)s, from %(day)s") % {
        "name": taker_name,
        "title": title,
        "day": day_words(rest_from),
    }


def taken_off_rest_message(
    *,
    task: Task,
    on: datetime.date,
    rest_from: datetime.date,
    covered: tuple[datetime.date, datetime.date] | None,
    taker_name: str,
    at: datetime.datetime,
    time_zone: str,
    reason: str,
) -> tuple[str, str]:
    """(subject, body) for someone an organiser took off a stay under way: from when it needs help again,
    which days stay theirs, and when it happened on the reader's clock (docs/architecture/tasks.md)."""
    values = {
        "name": taker_name,
        "title": task.title,
        "person": task.circle.person_name,
        "when": _when(at, time_zone),
        "day": day_words(rest_from),
    }
    if covered is not None:
        first, last = covered
        words = covered_words(first=first, rest_from=last + datetime.timedelta(days=1))
        lines = [
            gettext(
                "%(name)s took you off the rest of “%(title)s” for %(person)s on %(when)s (your time). "
                "It needs help again from %(day)s."
            )
            % values,
            gettext("The days you covered, %(covered)s, stay yours. Thank you.") % {"covered": words},
        ]
    else:
        lines = [
            gettext(
                "%(name)s took you off “%(title)s” for %(person)s on %(when)s (your time). "
                "It needs help again from %(day)s."
            )
            % values,
            gettext("Thank you for the time you gave."),
        ]
    subject = taken_off_rest_title(taker_name=taker_name, title=task.title, rest_from=rest_from)
    return subject, _with_note_and_link(lines, task=task, on=on, reason=reason)


def _with_note_and_link(lines: list[str], *, task: Task, on: datetime.date, reason: str) -> str:
    """The body of a taken-off message: its lines, the organiser's note if any, and the task's link."""
    if reason:
        lines.append(gettext("Their note: %(note)s") % {"note": reason})
    lines.append(gettext("Open it in CareCircle: %(link)s") % {"link": task_url(task, on)})
    return "\n\n".join(lines) + "\n"


def taken_off_title(*, taker_name: str, title: str, day: datetime.date) -> str:
    """The subject (and the text message) telling someone an organiser took them off a task that isn't under way."""
    return gettext("%(name)s has taken you off %(title)s on %(day)s") % {
        "name": taker_name,
        "title": title,
        "day": day_words(day),
    }


def taken_off_message(
    *,
    task: Task,
    on: datetime.date,
    day: datetime.date,
    start: datetime.datetime | None,
    taker_name: str,
    time_zone: str,
    reason: str,
) -> tuple[str, str]:
    """(subject, body) for someone an organiser took off a task that isn't under way: when it was to be, on
    the reader's clock (the day only when it is all day), that it needs help again, and the organiser's note."""
    values = {"name": taker_name, "title": task.title, "person": task.circle.person_name, "day": day_words(day)}
    if start is None:
        first = gettext(
            "%(name)s took you off “%(title)s” for %(person)s on %(day)s, so you don't need to go. It needs help again."
        )
    else:
        values["when"] = _when(start, time_zone)
        first = gettext(
            "%(name)s took you off “%(title)s” for %(person)s, %(when)s (your time), so you don't need to go. "
            "It needs help again."
        )
    subject = taken_off_title(taker_name=taker_name, title=task.title, day=day)
    return subject, _with_note_and_link([first % values], task=task, on=on, reason=reason)


def took_off_sentence(
    *, name: str, title: str, day: datetime.date, rest_from: datetime.date | None, covered: str
) -> str:
    """What the organiser reads after taking someone off: for a stay under way, which days stay theirs."""
    if rest_from is None:
        return gettext("You've taken %(name)s off “%(title)s” on %(day)s. It needs help again.") % {
            "name": name,
            "title": title,
            "day": day_words(day),
        }
    values = {"name": name, "title": title, "day": day_words(rest_from), "covered": covered}
    if covered:
        return (
            gettext(
                "You've taken %(name)s off the rest of “%(title)s”, from %(day)s. "
                "The days they covered, %(covered)s, stay theirs."
            )
            % values
        )
    return gettext("You've taken %(name)s off “%(title)s”. It needs help again from %(day)s.") % values


def rest_of_stay_message(
    *, task: Task, on: datetime.date, rest_from: datetime.date, until: datetime.date, giver_name: str, actions: str
) -> tuple[str, str]:
    """(subject, body) asking everyone who can help to take on the rest of a stay someone gave up."""
    values = {
        "title": task.title,
        "person": task.circle.person_name,
        "from": day_words(rest_from),
        "until": day_words(until),
        "name": giver_name,
    }
    subject = gettext("Help needed: the rest of %(title)s") % values
    first = (
        gettext(
            "“%(title)s” for %(person)s needs someone from %(from)s until %(until)s. "
            "%(name)s has been there until now and can't do the rest."
        )
        % values
    )
    opener = gettext("Or open it in CareCircle: %(link)s") % {"link": task_url(task, on)}
    return subject, f"{first}\n\n{actions}\n\n{opener}"


def list_words(names: list[str]) -> str:
    """ "Ann and Bob", "Ann, Bob and Cy" in the active language."""
    if len(names) == 1:
        return names[0]
    return pgettext("the last two of a list", "%(first)s and %(last)s") % {
        "first": ", ".join(names[:-1]),
        "last": names[-1],
    }


def someone_in_the_circle() -> str:
    """Who asked, when nobody in particular did."""
    return gettext("Someone in the circle")


def help_request_title(*, person_name: str, asker_name: str) -> str:
    return gettext("Can you help %(person)s? %(asker)s can't cover") % {"person": person_name, "asker": asker_name}


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
    names = {"person": person_name, "asker": asker_name}
    lines = [
        gettext(
            "%(asker)s can't cover the next few days and has asked you, as one of the people "
            "who step in for %(person)s, to help."
        )
        % names,
        "",
    ]
    if note:
        lines += [gettext("%(asker)s says: %(note)s") % {"asker": asker_name, "note": note}, ""]
    listed = list(items)
    if listed:
        lines.append(gettext("These need someone now:"))
        for task, on, start in listed:
            lines.append(f"- {task.title}, {_when(start, time_zone)}: {task_url(task, on)}")
            if actions is not None:
                lines += [f"  {line}" for line in actions(task, on).splitlines()]
    else:
        lines.append(gettext("Nothing is on the calendar for those days, but they may need you to be on hand."))
    if emergency_plan_url:
        lines += [
            "",
            gettext("The emergency plan for %(person)s: %(link)s")
            % {"person": person_name, "link": emergency_plan_url},
        ]
    if actions is not None:
        lines += ["", gettext("Each link works once, for 14 days. Thank you.")]
    else:
        lines += ["", gettext("Open a link and choose “I'll do it” to take one. Thank you.")]
    return help_request_title(person_name=person_name, asker_name=asker_name), "\n".join(lines)


def concern_message(
    *, person_name: str, author_name: str, task: Task, on: datetime.date, notes: str
) -> tuple[str, str]:
    values = {"author": author_name, "person": person_name, "day": day_words(on)}
    body = "\n\n".join(
        [
            gettext("%(author)s logged a visit to %(person)s on %(day)s and raised a concern.") % values,
            notes or gettext("No notes were written."),
            gettext("See the visit: %(link)s") % {"link": task_url(task, on)},
        ]
    )
    return concern_title(person_name=person_name), body


def concern_title(*, person_name: str) -> str:
    return gettext("A concern after the visit to %(person)s") % {"person": person_name}


def reminder_title(*, task: Task, start: datetime.datetime, time_zone: str) -> str:
    return gettext("Reminder: %(title)s, %(when)s") % {"title": task.title, "when": _when(start, time_zone)}


def reminder_message(*, task: Task, on: datetime.date, start: datetime.datetime, time_zone: str) -> tuple[str, str]:
    values = {"title": task.title, "person": task.circle.person_name, "when": _when(start, time_zone)}
    first = gettext("A reminder: you said you'll do “%(title)s” for %(person)s, %(when)s.") % values
    if task.address:
        first += "\n" + gettext("Where: %(address)s") % {"address": task.address}
    body = "\n\n".join([first, gettext("Details, or say you can't any more: %(link)s") % {"link": task_url(task, on)}])
    return reminder_title(task=task, start=start, time_zone=time_zone), body


def everyone_title(*, task: Task) -> str:
    return gettext("Can you help %(person)s? %(title)s") % {"person": task.circle.person_name, "title": task.title}


def everyone_message(
    *, task: Task, on: datetime.date, start: datetime.datetime, time_zone: str, asker_name: str, actions: str
) -> tuple[str, str]:
    """(subject, body) when someone asks everyone who can help with one occurrence that still needs someone."""
    values = {"title": task.title, "person": task.circle.person_name, "when": _when(start, time_zone)}
    # No asker: CareCircle asks on its own, because the day is near and nobody has taken it (help_soon.py).
    if asker_name:
        first = gettext(
            "“%(title)s” for %(person)s still needs someone, %(when)s. %(asker)s has asked everyone who can help."
        ) % {**values, "asker": asker_name}
    else:
        first = (
            gettext("“%(title)s” for %(person)s still needs someone, %(when)s. Everyone who can help is being asked.")
            % values
        )
    opener = gettext("Or open it in CareCircle: %(link)s") % {"link": task_url(task, on)}
    return everyone_title(task=task), f"{first}\n\n{actions}\n\n{opener}"


def nobody_left_message(
    *, task: Task, on: datetime.date, start: datetime.datetime, time_zone: str, asker_name: str, all_asked: bool
) -> tuple[str, str]:
    """(subject, body) telling the organisers nobody (more) is set to step in for one occurrence."""
    values = {"title": task.title, "when": _when(start, time_zone), "asker": asker_name}
    if all_asked:
        subject = gettext("Every stand-in was asked: %(title)s") % values
        first = (
            gettext("Every stand-in has been asked about “%(title)s”, %(when)s, and nobody has taken it yet.") % values
        )
    else:
        subject = gettext("Nobody else is set to step in: %(title)s") % values
        first = (
            gettext("%(asker)s can't cover “%(title)s”, %(when)s, and nobody else is set to step in for it.") % values
        )
    then = gettext("Open it to ask everyone who can help, or to ask someone yourself: %(link)s") % {
        "link": task_url(task, on)
    }
    return subject, f"{first}\n\n{then}"


def ask_title(*, task: Task) -> str:
    return gettext("Can you do this? %(title)s") % {"title": task.title}


def ask_message(
    *, task: Task, on: datetime.date, start: datetime.datetime, time_zone: str, actions: str = ""
) -> tuple[str, str]:
    """(subject, body) asking someone whose standing offer matches; `actions` are their "I'll do it"/"I can't" links."""
    values = {"title": task.title, "person": task.circle.person_name, "when": _when(start, time_zone)}
    first = (
        gettext(
            "“%(title)s” for %(person)s needs someone, %(when)s. "
            "You said you can usually help at this time, so you're asked first."
        )
        % values
    )
    link = task_url(task, on)
    if actions:
        answer = f"{actions}\n\n" + gettext("Or open it in CareCircle: %(link)s") % {"link": link}
    else:
        answer = gettext("Say “I'll do it” here: %(link)s") % {"link": link}
    return ask_title(task=task), f"{first}\n\n{answer}"
