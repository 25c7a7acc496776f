"""Acting from an email: "I'll do it", "I can't" and "Say thank you" links.

Each link names one member, one task, one day and one action, signed with the site's secret so it
can't be made up or changed. It works for 14 days and once only (a random value in it is recorded
when used), and without signing in: the link is the proof of who is acting. Opening it only shows a
confirm page; the change happens when the member presses the button (a POST), so mail scanners that
follow links change nothing. Every use is checked again through the circle's access rules, so a link
stops working for someone who has left the circle. Decision record: docs/architecture/notifications.md.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from carecircle.accounts.models import User
from carecircle.circles import registries
from carecircle.circles.access import CircleAccess
from carecircle.tasks import services
from carecircle.tasks.access import access_task
from carecircle.tasks.answers import Answer, Outcome, occurrence_answer
from carecircle.tasks.messages import covered_words, gave_up_rest_sentence
from carecircle.tasks.models import ActionLinkUse, Task

SALT = "carecircle.tasks.email-action"
MAX_AGE = datetime.timedelta(days=14)

TAKE = "take"
CANT = "cant"
THANK = "thank"
ACTIONS = {TAKE: gettext_lazy("I'll do it"), CANT: gettext_lazy("I can't"), THANK: gettext_lazy("Say thank you")}
# Taking a place needs the right to volunteer; saying you can't or thanking needs only to see tasks.
NEEDS = {TAKE: "tasks.volunteer", CANT: "tasks.view", THANK: "tasks.view"}


class LinkError(Exception):
    """The link can't be used: expired, used, altered, or the member left the circle."""


@dataclass(frozen=True)
class ActionLink:
    user: User
    task_id: int
    circle_id: int
    occurrence_date: datetime.date
    action: str
    nonce: str
    thank_user_id: int | None


def action_token(
    *, user_id: int, task: Task, occurrence_date: datetime.date, action: str, thank_user_id: int | None = None
) -> str:
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}.")
    data = {
        "u": user_id,
        "t": task.pk,
        "c": task.circle_id,
        "d": occurrence_date.isoformat(),
        "a": action,
        "n": secrets.token_urlsafe(12),
    }
    if thank_user_id is not None:
        data["r"] = thank_user_id
    return signing.dumps(data, salt=SALT, compress=True)


def action_url(
    *, user_id: int, task: Task, occurrence_date: datetime.date, action: str, thank_user_id: int | None = None
) -> str:
    token = action_token(
        user_id=user_id, task=task, occurrence_date=occurrence_date, action=action, thank_user_id=thank_user_id
    )
    return f"{settings.SITE_URL}{reverse('tasks:email_action', kwargs={'token': token})}"


def action_lines(
    *, user_id: int, task: Task, occurrence_date: datetime.date, actions: list[str], thank_user_id: int | None = None
) -> str:
    """The lines an email carries for `actions`, each a link of its own."""
    return "\n".join(
        f"{ACTIONS[action]}: "
        + action_url(
            user_id=user_id, task=task, occurrence_date=occurrence_date, action=action, thank_user_id=thank_user_id
        )
        for action in actions
    )


def action_read(token: str) -> ActionLink:
    """The link's contents, if it is genuine, recent and unused; else LinkError with what to do."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as error:
        raise LinkError(
            gettext("This link is more than 14 days old. Open CareCircle to see what's needed now.")
        ) from error
    except (signing.BadSignature, ValueError) as error:
        raise LinkError(gettext("This link isn't complete. Try copying the whole link from the email.")) from error
    try:
        user = User.objects.get(pk=int(data["u"]), is_active=True)
        link = ActionLink(
            user=user,
            task_id=int(data["t"]),
            circle_id=int(data["c"]),
            occurrence_date=datetime.date.fromisoformat(data["d"]),
            action=str(data["a"]),
            nonce=str(data["n"]),
            thank_user_id=int(data["r"]) if "r" in data else None,
        )
    except (KeyError, TypeError, ValueError, User.DoesNotExist) as error:
        raise LinkError(gettext("This link isn't complete. Try copying the whole link from the email.")) from error
    if link.action not in ACTIONS:
        raise LinkError(gettext("This link isn't complete. Try copying the whole link from the email."))
    if ActionLinkUse.objects.filter(nonce=link.nonce).exists():
        raise LinkError(gettext("This link has already been used. Open CareCircle to see where things stand."))
    return link


def link_access(link: ActionLink) -> tuple[CircleAccess, Task]:
    """The member's access to the task now, through the circle's access rules."""
    try:
        return access_task(
            user=link.user, circle_id=link.circle_id, task_id=link.task_id, capability=NEEDS[link.action]
        )
    except (Http404, PermissionDenied) as error:
        raise LinkError(
            gettext("This link no longer works: you're not in this circle, or the task has gone.")
        ) from error


def action_perform(*, token: str, note: str = "") -> tuple[ActionLink, Task, str]:
    """Do what the link says, once; returns what to tell the member. Errors are DomainError or LinkError."""
    link = action_read(token)
    _, task = link_access(link)
    try:
        with transaction.atomic():
            ActionLinkUse.objects.create(nonce=link.nonce)
            message = _do(link, task, note)
    except IntegrityError as error:
        raise LinkError(
            gettext("This link has already been used. Open CareCircle to see where things stand.")
        ) from error
    return link, task, message


def _do(link: ActionLink, task: Task, note: str) -> str:
    day = date_format(link.occurrence_date, "l j E")
    if link.action in (TAKE, CANT):
        # The same service a text's YES or NO uses (tasks/answers.py).
        answer = Answer.TAKE if link.action == TAKE else Answer.CANT
        answered = occurrence_answer(actor=link.user, task=task, occurrence_date=link.occurrence_date, answer=answer)
        words = {"title": task.title, "day": day}
        if answered.outcome == Outcome.ALREADY_GOING:
            return gettext("You're already down for “%(title)s” on %(day)s. Nothing more to do.") % words
        if answered.outcome == Outcome.TAKEN:
            return gettext("Thank you. You're down for “%(title)s” on %(day)s. We'll remind you before.") % words
        if answered.outcome == Outcome.TAKEN_REST:
            return gettext("Thank you. You're down for the rest of “%(title)s”, until %(until)s.") % {
                "title": task.title,
                "until": answered.until,
            }
        if answered.outcome == Outcome.GAVE_UP_REST:
            assert answered.first_day is not None
            assert answered.rest_from is not None
            return gave_up_rest_sentence(
                title=task.title,
                rest_from=answered.rest_from,
                covered=covered_words(first=answered.first_day, rest_from=answered.rest_from),
            )
        if answered.outcome == Outcome.GAVE_UP:
            return gettext("Thanks for letting us know. You're no longer down for “%(title)s” on %(day)s.") % words
        return gettext("Thanks for letting us know. You won't be asked about “%(title)s” on %(day)s again.") % words
    if link.thank_user_id is None:
        raise LinkError(gettext("This link isn't complete. Try copying the whole link from the email."))
    recipient = User.objects.filter(
        pk=link.thank_user_id,
        task_assignments__task=task,
        task_assignments__occurrence_date=link.occurrence_date,
        task_assignments__withdrawn_at__isnull=True,
    ).first()
    if recipient is None:
        raise LinkError(gettext("The person you wanted to thank isn't down for this any more."))
    registries.thanks_send(
        actor=link.user,
        circle=task.circle,
        recipient=recipient,
        subject_kind="task_occurrence",
        subject_id=services.occurrence_change_id(task=task, occurrence_date=link.occurrence_date),
        subject_label=f"{task.title}, {link.occurrence_date:%-d %b}",
        note=note,
        client_id=None,
    )
    return gettext("Your thanks are on their way to %(name)s.") % {"name": recipient.display_name}
