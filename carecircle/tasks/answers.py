"""Answers to a request for help from outside the app: "I'll do it", "I can't" and "done".

An email's signed link (tasks/email_actions.py) and a text (`YES 4821`, `NO 4821`, `DONE 4821`,
web/sms_inbound.py) both end here, so both record the same thing: "I can't" from someone going
gives up their place, and from anyone else records a `Decline`, which asks the next stand-in at once
(tasks/pacing.py). Each channel words the outcome its own way; refusals are TaskConflict with a
short message that fits in a text.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.utils import timezone
from django.utils.translation import gettext, pgettext

from carecircle.accounts.models import User
from carecircle.lib.date_words import short_date
from carecircle.tasks import services
from carecircle.tasks.models import Assignment, Decline, Status, Task
from carecircle.tasks.selectors import occurrence_detail


class Answer(StrEnum):
    TAKE = "take"
    CANT = "cant"
    DONE = "done"


class Outcome(StrEnum):
    TAKEN = "taken"
    TAKEN_REST = "taken_rest"
    GAVE_UP_REST = "gave_up_rest"
    ALREADY_GOING = "already_going"
    GAVE_UP = "gave_up"
    DECLINED = "declined"
    ALREADY_DECLINED = "already_declined"
    DONE = "done"


@dataclass(frozen=True)
class Answered:
    outcome: Outcome
    when: str
    # TAKEN_REST only: the stay's last day, "Sun 15 Mar", in the same language as `when`.
    until: str = ""
    # GAVE_UP_REST only: the stay's first day, and the first day of the rest they gave up (the days
    # in between stay theirs). Each channel words them in its own way.
    first_day: datetime.date | None = None
    rest_from: datetime.date | None = None


def occurrence_when(task: Task, occurrence_date: datetime.date) -> str:
    """ "Lift on Tue 14 Jul", in the active language (the reader's page, or the texter's language)."""
    return gettext("%(title)s on %(day)s") % {"title": task.title, "day": _short_day(occurrence_date)}


def short_day(on: datetime.date) -> str:
    """ "Sat 5 Dec" in the active language, for a short reply."""
    return _short_day(on)


def _short_day(on: datetime.date) -> str:
    # Translators: a Django date format for a day in a short reply, like "Tue 14 Jul".
    return short_date(on, pgettext("day in a short reply", "D j M"))


def occurrence_answer(*, actor: User, task: Task, occurrence_date: datetime.date, answer: Answer) -> Answered:
    """Act on one member's answer about one occurrence; TaskConflict/TaskError say why not, briefly.

    The caller has checked the member's access to the task (the capability the answer needs).
    """
    when = occurrence_when(task, occurrence_date)
    detail = occurrence_detail(task, occurrence_date)
    if detail is None:
        raise services.TaskError(
            gettext("%(title)s doesn't happen on %(day)s, so nothing changed.")
            % {"title": task.title, "day": _short_day(occurrence_date)}
        )
    if detail.status == Status.CANCELLED:
        raise services.TaskConflict(gettext("%(when)s was cancelled, so nothing changed.") % {"when": when})
    going = actor.pk in detail.going_ids()
    if answer == Answer.DONE:
        services.occurrence_done(actor=actor, task=task, occurrence_date=occurrence_date)
        return Answered(Outcome.DONE, when)
    if detail.status == Status.DONE:
        raise services.TaskConflict(gettext("%(when)s is already done, so nothing changed.") % {"when": when})
    now = timezone.now()
    # A stay under way can still be taken on, or given up, for the rest of it; anything else that has
    # started can't be answered from outside the app (docs/architecture/tasks.md).
    running = detail.running_stay(now)
    rest_of_stay = answer == Answer.TAKE and running
    if answer == Answer.CANT and detail.ended_stay(now):
        raise services.stay_ended_conflict(task=task, last=detail.last_day())
    if detail.start_utc() <= now and not running:
        raise services.TaskConflict(
            gettext("%(when)s has already started or passed, so nothing changed.") % {"when": when}
        )
    if answer == Answer.TAKE:
        if going:
            return Answered(Outcome.ALREADY_GOING, when)
        services.task_volunteer(actor=actor, task=task, occurrence_date=occurrence_date)
        if rest_of_stay:
            return Answered(Outcome.TAKEN_REST, when, until=_short_day(detail.last_day()))
        return Answered(Outcome.TAKEN, when)
    if running:
        if going:
            services.task_withdraw(actor=actor, task=task, occurrence_date=occurrence_date)
        # Asked twice (the same text again, two at once): the one withdrawal answers both alike.
        gave_up = gave_up_part_way(user=actor, task=task, occurrence_date=occurrence_date, start=detail.start_utc())
        if gave_up is not None and gave_up.withdrawn_at is not None:
            # Someone who took it on while it ran is thanked only for the days since (docs/architecture/tasks.md).
            return Answered(
                Outcome.GAVE_UP_REST,
                when,
                first_day=detail.covered_from(gave_up),
                rest_from=detail.rest_from(gave_up.withdrawn_at),
            )
    if going:
        services.task_withdraw(actor=actor, task=task, occurrence_date=occurrence_date)
        return Answered(Outcome.GAVE_UP, when)
    if Decline.objects.filter(task=task, occurrence_date=occurrence_date, user=actor).exists():
        return Answered(Outcome.ALREADY_DECLINED, when)
    services.task_decline(actor=actor, task=task, occurrence_date=occurrence_date)
    return Answered(Outcome.DECLINED, when)


def is_going(*, user: User, task: Task, occurrence_date: datetime.date) -> bool:
    return Assignment.objects.filter(
        task=task, occurrence_date=occurrence_date, user=user, withdrawn_at__isnull=True
    ).exists()


def gave_up_part_way(
    *, user: User, task: Task, occurrence_date: datetime.date, start: datetime.datetime
) -> Assignment | None:
    """The place `user` last gave up on an occurrence after it began (the rest of a stay), if they did."""
    return (
        Assignment.objects.filter(task=task, occurrence_date=occurrence_date, user=user, withdrawn_at__gt=start)
        .order_by("-withdrawn_at")
        .first()
    )
