"""Every write to tasks, occurrences and who's going (ARCHITECTURE rule 3).

Each service: keyword-only arguments, an explicit actor, one transaction, validation, one audit
row, and a live event published after commit. Callers check access first (tasks/access.py).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from carecircle.audit.services import audit_record
from carecircle.circles.models import Membership
from carecircle.circles.permissions import capabilities_for
from carecircle.lib.errors import Conflict, DomainError
from carecircle.lib.hooks import notify
from carecircle.lib.idempotency import create_once, replayed
from carecircle.lib.recurrence import check_series, split
from carecircle.lib.repeat_rule import Rule
from carecircle.lib.text import TextRefused, multi_line, single_line
from carecircle.lib.wall_clock import check_day, today_in, wall_clock_to_utc, zone_named
from carecircle.realtime.events import circle_event_record
from carecircle.tasks.access import may_be_down_for
from carecircle.tasks.cache import tasks_changed
from carecircle.tasks.messages import day_words, list_words, when_read
from carecircle.tasks.models import (
    CATEGORY_DETAILS,
    Assignment,
    Category,
    Decline,
    OccurrenceChange,
    Status,
    Task,
)
from carecircle.tasks.schedule import (
    is_running_stay,
    local_midnight_utc,
    occurrence_as_changed,
    occurrence_days,
    series_bounds,
    series_occurrence,
)
from carecircle.tasks.tasks import ensure_reminder_scans

if TYPE_CHECKING:
    from carecircle.accounts.models import User
    from carecircle.circles.models import Circle
    from carecircle.tasks.schedule import TaskOccurrence

MAX_PEOPLE = 20
MAX_DURATION_MINUTES = 14 * 24 * 60
TEXT_LIMITS = {"title": 120, "notes": 4000, "address": 300}
# Text that keeps its line breaks; every other text of a task is one line.
MULTI_LINE = frozenset({"notes", "note", "reason"})
Scope = Literal["one", "following", "all"]


class TaskError(DomainError):
    """A request that breaks a rule of tasks; the message says what to do instead."""


class TaskConflict(TaskError, Conflict):
    """A change the task's current state refuses: it was cancelled, is done, or is covered (409)."""


def stay_ended_conflict(*, task: Task, last: datetime.date) -> TaskConflict:
    """The refusal to give up, or take someone off, a stay that has ended (every path says the same)."""
    return TaskConflict(
        gettext("%(title)s ended on %(day)s, so nobody can give it up now. Nothing changed.")
        % {"title": task.title, "day": day_words(last)}
    )


@dataclass(frozen=True)
class TaskFields:
    """What describes a task; shared by creating and editing."""

    title: str
    start_date: datetime.date
    start_time: datetime.time | None
    duration_minutes: int
    time_zone: str
    category: str = Category.OTHER
    notes: str = ""
    details: dict[str, str] | None = None
    rule: Rule | None = None
    address: str = ""
    people_needed: int = 1
    private: bool = False


def _clean(fields: TaskFields) -> TaskFields:
    texts = {name: _check_text(getattr(fields, name), name, limit) for name, limit in TEXT_LIMITS.items()}
    if not texts["title"]:
        raise TaskError(gettext('Give the task a title, like "Lift to hospital".'))
    if fields.category not in Category.values:
        raise TaskError(gettext("Choose one of the categories in the list."))
    try:
        zone_named(fields.time_zone)
        check_day(fields.start_date, gettext("The date"))
    except ValueError as error:
        raise TaskError(str(error)) from error
    if not 1 <= fields.people_needed <= MAX_PEOPLE:
        raise TaskError(gettext("Ask for between 1 and %(most)s people.") % {"most": MAX_PEOPLE})
    if fields.start_time is None and (fields.duration_minutes % (24 * 60) or fields.duration_minutes <= 0):
        raise TaskError(gettext("An all-day task lasts a whole number of days."))
    if not 0 < fields.duration_minutes <= MAX_DURATION_MINUTES:
        raise TaskError(gettext("A task must end after it starts, and last at most 14 days."))
    allowed = CATEGORY_DETAILS.get(fields.category, {})
    details = {key: value.strip() for key, value in (fields.details or {}).items() if key in allowed and value.strip()}
    for key, value in details.items():
        details[key] = _check_text(value, allowed[key].lower(), 500)
    if fields.rule is not None:
        start = datetime.datetime.combine(fields.start_date, fields.start_time or datetime.time())
        try:
            check_series(rule=fields.rule, start_local=start)
        except ValueError as error:
            raise TaskError(str(error)) from error
    return replace(fields, title=texts["title"], notes=texts["notes"], address=texts["address"], details=details)


def _apply(task: Task, fields: TaskFields) -> list[str]:
    """Copy fields onto the task; the names of the fields that changed."""
    values: dict[str, Any] = {
        "title": fields.title,
        "category": fields.category,
        "notes": fields.notes,
        "details": fields.details or {},
        "start_date": fields.start_date,
        "start_time": fields.start_time,
        "duration_minutes": fields.duration_minutes,
        "time_zone": fields.time_zone,
        "rule": fields.rule.to_rrule_string() if fields.rule else "",
        "address": fields.address,
        "people_needed": fields.people_needed,
        "private": fields.private,
    }
    changed = [name for name, value in values.items() if getattr(task, name) != value]
    for name, value in values.items():
        setattr(task, name, value)
    task.first_start_utc, task.last_end_utc = series_bounds(task)
    task.next_start_utc = None  # Worked out again by the next scan (tasks/help_soon.py), which reads it meanwhile.
    return changed


def _event(task: Task) -> None:
    circle_event_record(circle=task.circle, type="task.changed", task=task.pk)
    tasks_changed(task.circle_id)


def _task_replayed(actor: User, client_id: uuid.UUID | None, circle: Circle) -> Task | None:
    if client_id is None:
        return None
    return replayed(
        Task.objects.filter(created_by=actor, client_id=client_id).first(),
        matches=lambda task: task.circle_id == circle.pk,
        used_for=lambda task: gettext("a task in another circle (id %(id)s)") % {"id": task.pk},
    )


@transaction.atomic
def task_create(*, actor: User, circle: Circle, fields: TaskFields, client_id: uuid.UUID | None = None) -> Task:
    """Add a task; a retry with the same client_id returns the first one."""
    existing = _task_replayed(actor, client_id, circle)
    if existing is not None:
        return existing
    fields = _clean(fields)
    if fields.start_date < today_in(fields.time_zone):
        raise TaskError(
            # Translators: %(day)s is a date such as "4 December 2026"; it starts the sentence in English.
            gettext("%(day)s has passed. Choose today or a later date for new help that's needed.")
            % {"day": date_format(fields.start_date, "j E Y")}
        )
    task = Task(circle=circle, created_by=actor, client_id=client_id)
    _apply(task, fields)

    def save() -> Task:
        task.save()
        return task

    saved, new = create_once(save, find=lambda: _task_replayed(actor, client_id, circle))
    if not new:
        return saved
    audit_record(actor=actor, action="tasks.created", circle=circle, data={"task": task.pk, "title": task.title})
    _event(task)
    from carecircle.tasks.reply_codes import reply_sms_suffix
    from carecircle.tasks.rota_services import ask_standing_offers

    ask_standing_offers(task=task)
    if not task.private:
        # Everyone who can help hears of it (those whose standing offer matches were asked above).
        title = when_read(lambda: gettext("Help needed: %(title)s") % {"title": task.title})
        body = when_read(lambda: gettext("From %(day)s. Can you help?") % {"day": day_words(task.start_date)})
        notify(
            category="help_needed",
            circle=circle,
            key=f"task-new-{task.pk}",
            title=title,
            body=body,
            url=_task_url(task),
            actor=actor,
            capability="tasks.volunteer",
            sms_suffix=lambda: reply_sms_suffix(task=task, occurrence_date=task.start_date),
            render=lambda user: (title, _help_email(user, task, task.start_date, body)),
        )
    return task


def _help_email(user: User, task: Task, on: datetime.date, body: str) -> str:
    from carecircle.tasks.email_actions import CANT, TAKE, action_lines

    links = action_lines(user_id=user.pk, task=task, occurrence_date=on, actions=[TAKE, CANT])
    opener = gettext("Open it in CareCircle: %(link)s") % {"link": f"{settings.SITE_URL}{_task_url(task)}"}
    return f"{gettext('Help needed: %(title)s') % {'title': task.title}}\n\n{body}\n\n{links}\n\n{opener}\n"


def _task_url(task: Task) -> str:
    return reverse("tasks:detail", kwargs={"circle_id": task.circle_id, "task_id": task.pk})


def _lock(task: Task) -> Task:
    """The task row, locked until commit: every change to who's going is serialised on it.

    NO KEY UPDATE: rows that only point at the task (asks, declines) can still be written meanwhile.
    """
    return Task.objects.select_for_update(no_key=True).select_related("circle").get(pk=task.pk)


def _require_occurrence(task: Task, occurrence_date: datetime.date) -> None:
    if task.cancelled_at is not None:
        raise TaskConflict(gettext("This task was cancelled, so nothing about it can change."))
    if series_occurrence(task, occurrence_date) is None:
        raise TaskError(
            gettext("This task doesn't happen on %(day)s. Choose a date it happens on.")
            % {"day": date_format(occurrence_date, "j E Y")}
        )


def _change(task: Task, occurrence_date: datetime.date) -> OccurrenceChange:
    change, _ = OccurrenceChange.objects.get_or_create(task=task, original_date=occurrence_date)
    return change


@transaction.atomic
def task_update(
    *, actor: User, task: Task, fields: TaskFields, scope: Scope = "all", occurrence_date: datetime.date | None = None
) -> Task:
    """Change the whole series, this occurrence only (its time), or this and the following ones.

    Returns the task that now holds the occurrence (a new one after "this and following").
    """
    task = _lock(task)
    if task.cancelled_at is not None:
        raise TaskConflict(gettext("This task was cancelled. Add a new task instead."))
    fields = _clean(fields)
    if scope == "all" or not task.rule:
        changed = _apply(task, fields)
        if not changed:
            return task
        task.updated_at = timezone.now()
        task.save()
        audit_record(
            actor=actor,
            action="tasks.updated",
            circle=task.circle,
            data={"task": task.pk, "title": task.title, "changed": changed},
        )
        _event(task)
        return task
    if occurrence_date is None:
        raise TaskError(gettext("Say which occurrence to change."))
    _require_occurrence(task, occurrence_date)
    if scope == "one":
        return _move_one(actor=actor, task=task, fields=fields, occurrence_date=occurrence_date)
    return _split_following(actor=actor, task=task, fields=fields, occurrence_date=occurrence_date)


def _move_one(*, actor: User, task: Task, fields: TaskFields, occurrence_date: datetime.date) -> Task:
    change = _change(task, occurrence_date)
    change.moved_date = fields.start_date
    change.moved_time = fields.start_time if not task.all_day else None
    change.moved_duration_minutes = fields.duration_minutes
    change.save(update_fields=["moved_date", "moved_time", "moved_duration_minutes"])
    # A moved occurrence may fall outside the series' bounds; widen them so window queries find it.
    moved_start = datetime.datetime.combine(fields.start_date, change.moved_time or datetime.time())
    moved_utc = wall_clock_to_utc(moved_start, task.time_zone)
    moved_end = moved_utc + datetime.timedelta(minutes=fields.duration_minutes, days=1)
    task.first_start_utc = min(task.first_start_utc, moved_utc)
    if task.last_end_utc is not None:
        task.last_end_utc = max(task.last_end_utc, moved_end)
    task.next_start_utc = None  # The moved occurrence may now be the next one.
    task.save(update_fields=["first_start_utc", "last_end_utc", "next_start_utc"])
    audit_record(
        actor=actor,
        action="tasks.occurrence_moved",
        circle=task.circle,
        data={"task": task.pk, "title": task.title, "date": occurrence_date.isoformat(), "to": moved_start.isoformat()},
    )
    _event(task)
    return task


def _split_following(*, actor: User, task: Task, fields: TaskFields, occurrence_date: datetime.date) -> Task:
    rule = Rule.parse(task.rule)
    try:
        parts = split(rule, task.start_local, occurrence_date)
    except ValueError:
        # Editing from the first occurrence is editing the whole series.
        return task_update(actor=actor, task=task, fields=fields, scope="all")
    task.rule = parts.before.to_rrule_string()
    task.first_start_utc, task.last_end_utc = series_bounds(task)
    task.next_start_utc = None
    task.updated_at = timezone.now()
    following = Task(circle=task.circle, created_by=actor)
    new_rule = fields.rule if fields.rule is not None else parts.after
    new_start_date = fields.start_date if fields.start_date >= occurrence_date else occurrence_date
    _apply(following, replace(fields, rule=new_rule, start_date=new_start_date))
    following.save()
    task.continued_as = following
    task.save()
    OccurrenceChange.objects.filter(task=task, original_date__gte=occurrence_date).update(task=following)
    Assignment.objects.filter(task=task, occurrence_date__gte=occurrence_date).update(task=following)
    audit_record(
        actor=actor,
        action="tasks.updated_following",
        circle=task.circle,
        data={"task": following.pk, "title": following.title, "from": occurrence_date.isoformat()},
    )
    _event(following)
    return following


@transaction.atomic
def task_cancel(*, actor: User, task: Task, reason: str = "") -> Task:
    """Cancel a task and every occurrence of it; who was going is kept as history."""
    task = _lock(task)
    if task.cancelled_at is not None:
        return task
    task.cancelled_at = timezone.now()
    task.save(update_fields=["cancelled_at"])
    audit_record(
        actor=actor,
        action="tasks.cancelled",
        circle=task.circle,
        data={"task": task.pk, "title": task.title, "reason": reason[:300]},
    )
    _event(task)
    return task


@transaction.atomic
def occurrence_cancel(*, actor: User, task: Task, occurrence_date: datetime.date, reason: str = "") -> Task:
    """Skip one occurrence of a repeating task (a one-off task is cancelled as a whole)."""
    if not task.rule:
        return task_cancel(actor=actor, task=task, reason=reason)
    task = _lock(task)
    _require_occurrence(task, occurrence_date)
    _check_text(reason, "reason", 300)
    change = _change(task, occurrence_date)
    if change.cancelled:
        return task
    change.cancelled = True
    change.cancel_reason = reason.strip()
    change.save(update_fields=["cancelled", "cancel_reason"])
    audit_record(
        actor=actor,
        action="tasks.occurrence_cancelled",
        circle=task.circle,
        data={"task": task.pk, "title": task.title, "date": occurrence_date.isoformat()},
    )
    _event(task)
    return task


def _check_text(value: str, name: str, limit: int) -> str:
    """The text as stored (lib/text.py): notes keep their lines; titles, addresses and details are one line."""
    clean = multi_line if name in MULTI_LINE else single_line
    try:
        return clean(value, limit=limit, what=name)
    except TextRefused as error:
        raise TaskError(str(error)) from error


def check_subject(*, task: Task, user: User) -> None:
    """Refuse to put someone down for a task they may not take part in (not only who may act)."""
    role = Membership.objects.filter(circle_id=task.circle_id, user=user).values_list("role", flat=True).first()
    if not may_be_down_for(task=task, role=role):
        raise TaskError(
            gettext("%(name)s can't be put down for this task. Choose someone who helps with tasks.")
            % {"name": user.display_name}
        )


def _going(task: Task, occurrence_date: datetime.date) -> list[Assignment]:
    return list(Assignment.objects.filter(task=task, occurrence_date=occurrence_date, withdrawn_at__isnull=True))


@transaction.atomic
def task_volunteer(*, actor: User, task: Task, occurrence_date: datetime.date, user: User | None = None) -> Assignment:
    """Take a place for one occurrence ("I'll do it"), or, with `user`, an organiser assigns someone.

    The task row is locked first, so two people asking for the last place at the same moment are
    served one after the other and the second is told it's covered; the unique slot constraint
    backs this up in the database.
    """
    return _going_add(actor=actor, task=task, occurrence_date=occurrence_date, user=user, after_its_day=False)


def last_day(task: Task, occurrence_date: datetime.date, change: OccurrenceChange | None) -> datetime.date:
    """The last day an occurrence covers on the task's clock: its (moved) day, or a stay's final day."""
    occurrence = occurrence_as_changed(task, occurrence_date, change)
    if occurrence is None:
        return change.moved_date if change is not None and change.moved_date is not None else occurrence_date
    return occurrence_days(occurrence, task.time_zone)[1]


def day_ended(task: Task, occurrence_date: datetime.date, change: OccurrenceChange | None) -> bool:
    """Whether an occurrence's last day (a stay's final day; its moved day, if moved) has ended on the task's clock."""
    day = last_day(task, occurrence_date, change)
    return local_midnight_utc(day + datetime.timedelta(days=1), task.time_zone) <= timezone.now()


def _going_add(
    *, actor: User, task: Task, occurrence_date: datetime.date, user: User | None, after_its_day: bool
) -> Assignment:
    """Put someone down for one occurrence; `after_its_day` only for "who went" when marking it done."""
    person = user or actor
    task = _lock(task)
    if user is not None and user.pk != actor.pk:
        check_subject(task=task, user=user)
    _require_occurrence(task, occurrence_date)
    change = OccurrenceChange.objects.filter(task=task, original_date=occurrence_date).first()
    if change is not None and change.cancelled:
        raise TaskConflict(gettext("This one was cancelled, so nobody needs to go."))
    if change is not None and change.done_at is not None:
        raise TaskConflict(gettext("This one is already done."))
    if not after_its_day and day_ended(task, occurrence_date, change):
        day = last_day(task, occurrence_date, change)
        raise TaskError(
            gettext("%(day)s has passed, so nobody can be put down for it now. Choose a day that hasn't ended.")
            % {"day": date_format(day, "l j E")}
        )
    going = _going(task, occurrence_date)
    for assignment in going:
        if assignment.user_id == person.pk:
            return assignment
    if len(going) >= task.people_needed:
        raise TaskConflict(
            gettext("Someone else has just taken the last place, so this is covered. Thank you for offering.")
        )
    taken = {assignment.slot for assignment in going}
    slot = next(number for number in range(1, task.people_needed + 1) if number not in taken)
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                task=task, occurrence_date=occurrence_date, user=person, slot=slot, assigned_by=actor
            )
    except IntegrityError as error:
        raise TaskConflict(
            gettext("Someone else has just taken that place. Reload the page to see who's going.")
        ) from error
    ensure_reminder_scans()
    data = {"task": task.pk, "title": task.title, "date": occurrence_date.isoformat()}
    if user is not None and user.pk != actor.pk:
        audit_record(actor=actor, action="tasks.assigned", circle=task.circle, subject=user, data=data)
    else:
        audit_record(actor=actor, action="tasks.volunteered", circle=task.circle, data=data)
    occurrence = occurrence_as_changed(task, occurrence_date, change)
    rest_of_stay = occurrence is not None and is_running_stay(occurrence, task.time_zone, timezone.now())
    ends_on = last_day(task, occurrence_date, change)

    def took_title() -> str:
        words = {"name": person.display_name, "title": task.title}
        if rest_of_stay:
            # Taken while the stay is running: they cover what's left of it (docs/architecture/tasks.md).
            return gettext("%(name)s has taken on the rest of %(title)s, until %(day)s") % {
                **words,
                "day": day_words(ends_on),
            }
        return gettext("%(name)s will do %(title)s on %(day)s") % {**words, "day": day_words(occurrence_date)}

    notify(
        category="help_changed",
        circle=task.circle,
        key=f"task-took-{assignment.pk}",
        title=when_read(took_title),
        url=_task_url(task),
        actor=actor,
        skip_user_ids={person.pk},
        capability="tasks.manage",
    )
    _event(task)
    return assignment


@transaction.atomic
def task_withdraw(
    *, actor: User, task: Task, occurrence_date: datetime.date, user: User | None = None, reason: str = ""
) -> bool:
    """ "I can't any more": give up a place; the row stays with the reason. False if they weren't going."""
    person = user or actor
    _check_text(reason, "reason", 300)
    task = _lock(task)
    assignment = Assignment.objects.filter(
        task=task, occurrence_date=occurrence_date, user=person, withdrawn_at__isnull=True
    ).first()
    if assignment is None:
        return False
    from carecircle.tasks.selectors import occurrence_detail

    detail = occurrence_detail(task, occurrence_date)
    now = timezone.now()
    if detail is not None and detail.ended_stay(now):
        # Its days are over and were covered (or not): withdrawing now would rewrite who was there.
        raise stay_ended_conflict(task=task, last=detail.last_day())
    # Giving up a stay under way gives up the rest of it: the days before today stay theirs (the
    # withdrawal's time says which), the rest needs help again (docs/architecture/tasks.md).
    running = detail is not None and detail.status not in (Status.DONE, Status.CANCELLED) and detail.running_stay(now)
    rest_from = detail.rest_from(now) if detail is not None and running else occurrence_date
    assignment.withdrawn_at = now
    assignment.withdraw_reason = reason.strip()
    assignment.save(update_fields=["withdrawn_at", "withdraw_reason"])
    audit_record(
        actor=actor,
        action="tasks.withdrew",
        circle=task.circle,
        subject=person,
        data={"task": task.pk, "title": task.title, "date": occurrence_date.isoformat(), "reason": reason.strip()},
    )
    from carecircle.tasks.pacing import ask_rest_of_stay
    from carecircle.tasks.rota_services import ask_standing_offers

    if running and detail is not None:
        # What's left of a stay under way: everyone who can help is asked to take on the rest.
        ask_rest_of_stay(task=task, on=occurrence_date, detail=detail, giver=person, actor=actor)
    else:
        # The place is free again: those who usually help at that time are asked.
        ask_standing_offers(task=task, on=occurrence_date, skip_user_ids={person.pk})

    def gave_up_title() -> str:
        words = {"name": person.display_name, "title": task.title}
        if running:
            return gettext("%(name)s has given up the rest of %(title)s, from %(day)s") % {
                **words,
                "day": day_words(rest_from),
            }
        return gettext("%(name)s can't do %(title)s on %(day)s any more") % {**words, "day": day_words(occurrence_date)}

    notify(
        category="help_changed",
        circle=task.circle,
        key=f"task-gave-up-{assignment.pk}",
        title=when_read(gave_up_title),
        body=reason.strip()[:300],
        url=_task_url(task),
        actor=actor,
        skip_user_ids={person.pk},
        capability="tasks.manage",
    )
    if running and detail is not None and person.pk != actor.pk:
        _tell_taken_off(task=task, detail=detail, assignment=assignment, actor=actor, rest_from=rest_from)
    elif person.pk != actor.pk:
        _tell_taken_off_day(task=task, detail=detail, assignment=assignment, actor=actor)
    _event(task)
    return True


def _tell_taken_off(
    *, task: Task, detail: TaskOccurrence, assignment: Assignment, actor: User, rest_from: datetime.date
) -> None:
    """Someone an organiser took off a stay under way hears which days stay theirs and from when it needs help,
    as if they had given it up themselves, in their language and on their clock (docs/architecture/tasks.md)."""
    from carecircle.tasks.messages import taken_off_rest_message, taken_off_rest_title

    covered = detail.covered_days(assignment)
    at = assignment.withdrawn_at or timezone.now()
    reason = assignment.withdraw_reason
    notify(
        category="reminder",
        circle=task.circle,
        key=f"task-taken-off-{assignment.pk}",
        title=when_read(
            lambda: taken_off_rest_title(taker_name=actor.display_name, title=task.title, rest_from=rest_from)
        ),
        url=_task_url(task),
        actor=actor,
        user_ids=[assignment.user_id],
        render=lambda user: taken_off_rest_message(
            task=task,
            on=assignment.occurrence_date,
            rest_from=rest_from,
            covered=covered,
            taker_name=actor.display_name,
            at=at,
            time_zone=user.time_zone,
            reason=reason,
        ),
    )


def _tell_taken_off_day(*, task: Task, detail: TaskOccurrence | None, assignment: Assignment, actor: User) -> None:
    """Someone an organiser took off a task that isn't under way hears it, with when it was to be on their
    clock and the organiser's note; once per place given up (docs/architecture/tasks.md)."""
    from carecircle.tasks.messages import taken_off_message, taken_off_title

    day = detail.first_day() if detail is not None else assignment.occurrence_date
    start = None if detail is None or detail.occurrence.all_day else detail.start_utc()
    reason = assignment.withdraw_reason
    notify(
        category="reminder",
        circle=task.circle,
        key=f"task-taken-off-{assignment.pk}",
        title=when_read(lambda: taken_off_title(taker_name=actor.display_name, title=task.title, day=day)),
        url=_task_url(task),
        actor=actor,
        user_ids=[assignment.user_id],
        render=lambda user: taken_off_message(
            task=task,
            on=assignment.occurrence_date,
            day=day,
            start=start,
            taker_name=actor.display_name,
            time_zone=user.time_zone,
            reason=reason,
        ),
    )


@transaction.atomic
def task_decline(*, actor: User, task: Task, occurrence_date: datetime.date) -> bool:
    """ "I can't" to a request for help: noted once, so the member isn't asked about this day again.

    Someone already going gives up their place instead (task_withdraw). True if newly noted.
    """
    task = _lock(task)
    _require_occurrence(task, occurrence_date)
    if task_withdraw(actor=actor, task=task, occurrence_date=occurrence_date):
        return True
    _, created = Decline.objects.get_or_create(task=task, occurrence_date=occurrence_date, user=actor)
    if created:
        audit_record(
            actor=actor,
            action="tasks.declined",
            circle=task.circle,
            data={"task": task.pk, "title": task.title, "date": occurrence_date.isoformat()},
        )
        from carecircle.tasks.pacing import stand_ins_ask_next

        # A stand-in who can't: the next one in rank order is asked now rather than after the wait.
        stand_ins_ask_next(task=task, on=occurrence_date)
    return created


def occurrence_change_id(*, task: Task, occurrence_date: datetime.date) -> int:
    """The id of a done occurrence (what thanks are for); TaskConflict if it isn't done."""
    change = OccurrenceChange.objects.filter(task=task, original_date=occurrence_date, done_at__isnull=False).first()
    if change is None:
        raise TaskConflict(gettext("Thanks can be sent once it's done."))
    return change.pk


def done_from(task: Task, occurrence_date: datetime.date, change: OccurrenceChange | None) -> datetime.datetime:
    """When an occurrence can first be marked done: the start of its day (after a move) on its clock."""
    day = change.moved_date if change is not None and change.moved_date is not None else occurrence_date
    return local_midnight_utc(day, task.time_zone)


@transaction.atomic
def occurrence_done(
    *,
    actor: User,
    task: Task,
    occurrence_date: datetime.date,
    how_it_went: str = "",
    who_went: User | None = None,
) -> OccurrenceChange:
    """Mark one occurrence done, with an optional "how did it go" note.

    Only from the occurrence's day on, and only with someone who went: those going, or `who_went`,
    who is then put down for it (docs/architecture/tasks.md, "Done").
    """
    _check_text(how_it_went, "note", 4000)
    task = _lock(task)
    _require_occurrence(task, occurrence_date)
    change = _change(task, occurrence_date)
    if change.cancelled:
        raise TaskConflict(gettext("This one was cancelled, so it can't be marked done."))
    if change.done_at is not None and change.how_it_went == how_it_went.strip():
        return change
    if change.done_at is None:
        start_of_day = done_from(task, occurrence_date, change)
        if timezone.now() < start_of_day:
            day = change.moved_date or occurrence_date
            raise TaskError(
                gettext("This is on %(day)s. It can be marked done from that day on.")
                % {"day": date_format(day, "l j E")}
            )
        going = _going(task, occurrence_date)
        if who_went is not None and all(assignment.user_id != who_went.pk for assignment in going):
            _require_can_go(task, who_went)
            _going_add(actor=actor, task=task, occurrence_date=occurrence_date, user=who_went, after_its_day=True)
        elif not going:
            raise TaskError(gettext("Nobody was down for this. Say who went, then mark it done."), field="who_went")
    newly_done = change.done_at is None
    change.done_at = change.done_at or timezone.now()
    change.done_by = change.done_by or actor
    change.how_it_went = how_it_went.strip()
    change.save(update_fields=["done_at", "done_by", "how_it_went"])
    audit_record(
        actor=actor,
        action="tasks.done",
        circle=task.circle,
        data={"task": task.pk, "title": task.title, "date": occurrence_date.isoformat()},
    )
    if newly_done:
        _tell_done(actor=actor, task=task, occurrence_date=occurrence_date)
    _event(task)
    return change


def _tell_done(*, actor: User, task: Task, occurrence_date: datetime.date) -> None:
    """Those who organise help hear it was done, with a "Say thank you" link for whoever went."""
    went = [assignment.user for assignment in _going(task, occurrence_date)]
    if not went:
        return

    def done_title() -> str:
        names = [person.display_name for person in went[:3]]
        together = names[0] if len(names) == 1 else list_words(names)
        values = {"names": together, "title": task.title, "day": day_words(occurrence_date)}
        return gettext("%(names)s did %(title)s on %(day)s") % values

    title = when_read(done_title)

    def render(user: User) -> tuple[str, str]:
        from carecircle.tasks.email_actions import THANK, action_url

        lines = [done_title(), ""]
        for person in went:
            if person.pk == user.pk:
                continue
            link = action_url(
                user_id=user.pk, task=task, occurrence_date=occurrence_date, action=THANK, thank_user_id=person.pk
            )
            lines.append(gettext("Say thank you to %(name)s: %(link)s") % {"name": person.display_name, "link": link})
        opener = gettext("Open it in CareCircle: %(link)s") % {"link": f"{settings.SITE_URL}{_task_url(task)}"}
        lines += ["", opener]
        return done_title(), "\n".join(lines) + "\n"

    notify(
        category="help_changed",
        circle=task.circle,
        key=f"task-done-{task.pk}-{occurrence_date:%Y%m%d}",
        title=title,
        url=_task_url(task),
        actor=actor,
        skip_user_ids={person.pk for person in went},
        capability="tasks.manage",
        render=render,
    )


def _require_can_go(task: Task, person: User) -> None:
    # Someone who can help with tasks; for a private task, someone who may see it (who manages tasks).
    needed = "tasks.manage" if task.private else "tasks.volunteer"
    membership = Membership.objects.filter(circle=task.circle, user=person).first()
    allowed = membership is not None and needed in capabilities_for(
        role=membership.role, consent=task.circle.consent, person_is_member=False
    )
    if not allowed:
        raise TaskError(gettext("Choose someone in the circle who can help with this."), field="who_went")
