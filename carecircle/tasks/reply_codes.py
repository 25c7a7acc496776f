"""Short numbers for occurrences, so a text can be answered with `YES 4821`, `NO 4821` or `DONE 4821`."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.functional import lazy
from django.utils.translation import gettext

from carecircle.accounts.models import User
from carecircle.circles.models import Membership
from carecircle.tasks.models import ReplyCode, Task

ATTEMPTS = 20


def reply_code_for(*, task: Task, occurrence_date: datetime.date) -> str:
    """The occurrence's code, made on first use: four digits, unique within the circle."""
    existing = _existing(task, occurrence_date)
    if existing:
        return existing
    for _ in range(ATTEMPTS):
        code = str(1000 + secrets.randbelow(9000))
        try:
            with transaction.atomic():
                ReplyCode.objects.create(
                    circle_id=task.circle_id, task=task, occurrence_date=occurrence_date, code=code
                )
        except IntegrityError:
            # Either the number is taken in this circle, or another request made this occurrence's code.
            existing = _existing(task, occurrence_date)
            if existing:
                return existing
            continue
        return code
    raise RuntimeError(f"No free reply code left in circle {task.circle_id}.")


def _existing(task: Task, occurrence_date: datetime.date) -> str | None:
    return ReplyCode.objects.filter(task=task, occurrence_date=occurrence_date).values_list("code", flat=True).first()


def reply_sms_suffix(*, task: Task, occurrence_date: datetime.date) -> str:
    code = reply_code_for(task=task, occurrence_date=occurrence_date)
    # Made once for all the texts of one notify(), then read in each recipient's language.
    # Translators: keep YES in English: it is the word the text-message reply is read for.
    return lazy(lambda: gettext("Reply YES %(code)s to help.") % {"code": code}, str)()


@dataclass(frozen=True)
class CodedOccurrence:
    circle_id: int
    task_id: int
    occurrence_date: datetime.date


def reply_code_find(*, user: User, code: str) -> CodedOccurrence | None:
    """The occurrence a code names in one of the member's circles (the newest if several); None if none.

    Only where to look: the caller still checks access to the task (tasks.access.access_task).
    """
    circles = Membership.objects.filter(user=user).values("circle_id")
    row = (
        ReplyCode.objects.filter(code=code, circle_id__in=circles)
        .order_by("-created_at", "-id")
        .values_list("circle_id", "task_id", "occurrence_date")
        .first()
    )
    return CodedOccurrence(*row) if row else None
