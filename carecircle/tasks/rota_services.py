"""Writes for visits, stand-ins, "I can't cover", standing offers and series rotas (ARCHITECTURE rule 3).

Same shape as tasks/services.py: keyword-only, explicit actor, one transaction, one audit row,
a live event after commit; messages are queued as delivery rows with idempotency keys.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from carecircle.audit.services import audit_record
from carecircle.circles.access import access_circle
from carecircle.circles.models import Membership
from carecircle.circles.permissions import capabilities_for
from carecircle.lib.hooks import notify
from carecircle.lib.idempotency import create_once, replayed
from carecircle.lib.wall_clock import check_day
from carecircle.realtime.events import circle_event_record
from carecircle.tasks.cache import tasks_changed
from carecircle.tasks.messages import ask_message, concern_message, concern_title, when_read
from carecircle.tasks.models import (
    AskedAs,
    Assignment,
    NobodyLeft,
    PartOfDay,
    StandIn,
    StandInAsk,
    StandingOffer,
    Task,
    Unavailability,
    VisitLog,
    VisitOutcome,
)
from carecircle.tasks.pacing import (
    Wanted,
    ask_key,
    asks_record,
    organisers_tell_nobody_left,
    reopened_at,
    stand_ins_ask,
)
from carecircle.tasks.reply_codes import reply_sms_suffix
from carecircle.tasks.schedule import (
    TaskOccurrence,
    local_midnight_utc,
    occurrence_start,
    series_occurrence,
    task_occurrences,
)
from carecircle.tasks.selectors import occurrences_for
from carecircle.tasks.services import TaskConflict, TaskError, _check_text, _event, _lock, check_subject
from carecircle.tasks.tasks import ensure_reminder_scans

if TYPE_CHECKING:
    from carecircle.accounts.models import User
    from carecircle.circles.models import Circle

MAX_UNAVAILABLE = datetime.timedelta(days=90)
MAX_STAND_INS = 10


def _visit_log_replayed(
    actor: User, client_id: uuid.UUID | None, task: Task, occurrence_date: datetime.date
) -> VisitLog | None:
    if client_id is None:
        return None
    return replayed(
        VisitLog.objects.filter(author=actor, client_id=client_id).first(),
        matches=lambda log: log.task_id == task.pk and log.occurrence_date == occurrence_date,
        used_for=lambda log: gettext("the log of another visit (id %(id)s)") % {"id": log.pk},
    )


@transaction.atomic
def visit_log_create(
    *,
    actor: User,
    task: Task,
    occurrence_date: datetime.date,
    arrived_at: datetime.datetime,
    left_at: datetime.datetime | None,
    notes: str,
    outcome: str,
    client_id: uuid.UUID | None = None,
) -> VisitLog:
    """Log a visit; "a concern" emails the organisers and the person (when they're a member) at once."""
    existing = _visit_log_replayed(actor, client_id, task, occurrence_date)
    if existing is not None:
        return existing
    _check_text(notes, "notes", 4000)
    if outcome not in VisitOutcome.values:
        raise TaskError(gettext('Choose "All OK" or "A concern".'))
    if series_occurrence(task, occurrence_date) is None:
        raise TaskError(
            gettext("This task doesn't happen on %(day)s. Choose a date it happens on.")
            % {"day": date_format(occurrence_date, "j E Y")}
        )
    try:
        for moment, what in ((arrived_at, gettext("The arrival time")), (left_at, gettext("The time you left"))):
            if moment is not None:
                check_day(moment.date(), what)
    except ValueError as error:
        raise TaskError(str(error)) from error
    if arrived_at > timezone.now() + datetime.timedelta(minutes=5):
        raise TaskError(gettext("The arrival time is in the future. Log a visit once you've arrived."))
    if left_at is not None and left_at < arrived_at:
        raise TaskError(gettext("The time you left is before the time you arrived. Check both times."))
    log, new = create_once(
        lambda: VisitLog.objects.create(
            task=task,
            circle=task.circle,
            occurrence_date=occurrence_date,
            author=actor,
            arrived_at=arrived_at,
            left_at=left_at,
            notes=notes.strip(),
            outcome=outcome,
            client_id=client_id,
        ),
        find=lambda: _visit_log_replayed(actor, client_id, task, occurrence_date),
    )
    if not new:
        return log
    concern = outcome == VisitOutcome.CONCERN
    action = "tasks.visit_concern" if concern else "tasks.visit_logged"
    audit_record(
        actor=actor, action=action, circle=task.circle, data={"task": task.pk, "date": occurrence_date.isoformat()}
    )
    circle_event_record(circle=task.circle, type="visit.logged", task=task.pk, visit=log.pk)
    if concern:
        person_name = task.circle.person_name

        def render(_user: User) -> tuple[str, str]:
            return concern_message(
                person_name=person_name, author_name=actor.display_name, task=task, on=occurrence_date, notes=log.notes
            )

        # Those who manage the circle's help: organisers and the person being helped.
        notify(
            category="visit_concern",
            circle=task.circle,
            key=f"visit-concern-{log.pk}",
            title=when_read(lambda: concern_title(person_name=person_name)),
            body=log.notes[:300],
            url=_task_url(task),
            actor=actor,
            capability="tasks.manage",
            render=render,
        )
    return log


@transaction.atomic
def stand_ins_set(*, actor: User, circle: Circle, user_ids: Sequence[int]) -> list[StandIn]:
    """Replace the circle's ranked stand-ins: the first is asked first. Only members who may volunteer."""
    ordered = list(dict.fromkeys(user_ids))
    if len(ordered) > MAX_STAND_INS:
        raise TaskError(gettext("Choose at most %(count)s stand-ins.") % {"count": MAX_STAND_INS})
    members = {m.user_id: m for m in Membership.objects.filter(circle=circle, user_id__in=ordered)}
    for user_id in ordered:
        member = members.get(user_id)
        if member is None:
            raise TaskError(gettext("Stand-ins must be members of the circle. Choose from the list."))
        capabilities = capabilities_for(role=member.role, consent=circle.consent, person_is_member=False)
        if "tasks.volunteer" not in capabilities:
            raise TaskError(gettext("Stand-ins must be people who can volunteer for help. Choose someone else."))
    StandIn.objects.filter(circle=circle).delete()
    rows = StandIn.objects.bulk_create(
        StandIn(circle=circle, user_id=user_id, rank=rank) for rank, user_id in enumerate(ordered, start=1)
    )
    audit_record(actor=actor, action="tasks.stand_ins_changed", circle=circle, data={"count": len(rows)})
    circle_event_record(circle=circle, type="tasks.settings_changed")
    return rows


@transaction.atomic
def unavailability_declare(
    *,
    actor: User,
    circle: Circle,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    note: str = "",
    emergency_plan_url: str | None = None,
) -> tuple[Unavailability, list[TaskOccurrence]]:
    """ "I can't cover": the actor's tasks in the period need help again, and the stand-ins are asked.

    Returns the period and the occurrences handed back.
    """
    _check_text(note, "note", 300)
    if ends_at <= starts_at:
        raise TaskError(gettext("The end must be after the start. Check both times."))
    if ends_at <= timezone.now():
        raise TaskError(gettext("That time has already passed. Choose a period from now on."))
    if ends_at - starts_at > MAX_UNAVAILABLE:
        raise TaskError(gettext("Choose a period of at most 90 days. You can add another one later."))
    period = Unavailability.objects.create(
        circle=circle, user=actor, starts_at=starts_at, ends_at=ends_at, note=note.strip()
    )
    access = access_circle(user=actor, circle_id=circle.pk, capability="circle.view")
    mine = occurrences_for(accesses=[access], window_start=starts_at, window_end=ends_at, going_user_id=actor.pk)
    # The places given up carry the period's own moment, so its page can list them (away_handed_back).
    now = period.created_at
    reason = f"Can't cover: {note.strip()}"[:300] if note.strip() else "Can't cover"
    handed_back = []
    for item in mine:
        updated = Assignment.objects.filter(
            task=item.task, occurrence_date=item.original_date, user=actor, withdrawn_at__isnull=True
        ).update(withdrawn_at=now, withdraw_reason=reason)
        if updated:
            handed_back.append(item)
            circle_event_record(circle=circle, type="task.changed", task=item.task.pk)
    if handed_back:
        tasks_changed(circle.pk)
    audit_record(
        actor=actor,
        action="tasks.cant_cover",
        circle=circle,
        data={"from": starts_at.isoformat(), "until": ends_at.isoformat(), "tasks": len(handed_back)},
    )
    stand_ins = list(StandIn.objects.filter(circle=circle).exclude(user=actor).values_list("user_id", flat=True))
    # Those who usually help at that time are asked too (the stand-ins are asked in turn below).
    for item in handed_back:
        ask_standing_offers(task=item.task, on=item.original_date, skip_user_ids={actor.pk, *stand_ins})
    # The first stand-ins in rank order, two per occurrence, on the channels they chose; the next ones
    # when one says "I can't" or after a wait (tasks/pacing.py).
    asked = stand_ins_ask(
        circle=circle,
        wanted=[Wanted(task=item.task, on=item.original_date, start=item.start_utc()) for item in handed_back],
        key=f"cant-cover-{period.pk}",
        asker=actor,
        note=note.strip(),
        emergency_plan_url=emergency_plan_url,
    )
    covered = {(wanted.task.pk, wanted.on) for items in asked.values() for wanted in items}
    for item in handed_back:
        key = (item.task.pk, item.original_date)
        asked_now = StandInAsk.objects.filter(task=item.task, occurrence_date=item.original_date, asked_at__gte=now)
        if key in covered or asked_now.exists():
            continue
        # Nobody else is set to step in (no stand-ins, or none who can): the organisers are told once.
        organisers_tell_nobody_left(
            task=item.task, on=item.original_date, detail=item, reason=NobodyLeft.Reason.NONE_SET, asker=actor
        )
    return period, handed_back


def part_of_day(moment: datetime.time) -> PartOfDay:
    if moment.hour < 12:
        return PartOfDay.MORNING
    if moment.hour < 17:
        return PartOfDay.AFTERNOON
    return PartOfDay.EVENING


@transaction.atomic
def standing_offer_add(*, actor: User, circle: Circle, weekday: int, part: str) -> StandingOffer:
    if not 0 <= weekday <= 6 or part not in PartOfDay.values:
        raise TaskError(gettext("Choose a day of the week and a part of the day from the lists."))
    offer, created = StandingOffer.objects.get_or_create(circle=circle, user=actor, weekday=weekday, part_of_day=part)
    if created:
        audit_record(actor=actor, action="tasks.offer_added", circle=circle, data={"weekday": weekday, "part": part})
    return offer


@transaction.atomic
def standing_offer_remove(*, actor: User, offer: StandingOffer) -> None:
    data = {"weekday": offer.weekday, "part": offer.part_of_day}
    offer.delete()
    audit_record(actor=actor, action="tasks.offer_removed", circle=offer.circle, data=data)


def ask_standing_offers(*, task: Task, on: datetime.date | None = None, skip_user_ids: Collection[int] = ()) -> int:
    """Email the people whose standing offer matches one occurrence that needs help; how many were asked.

    `on` is the occurrence's date (the first when None: a new task). Called inside the transaction
    that made the occurrence need help: creating the task, someone giving up their place, or "I
    can't cover". Nobody already going, nobody in `skip_user_ids`, and not the task's author is
    asked; each person is asked once per occurrence.
    """
    when = on or task.start_date
    if task.all_day or task.private:
        return 0
    occurrence = series_occurrence(task, when)
    if occurrence is None:
        return 0
    start = occurrence_start(occurrence, task.time_zone)
    local = timezone.localtime(start, ZoneInfo(task.time_zone))
    going = Assignment.objects.filter(task=task, occurrence_date=when, withdrawn_at__isnull=True)
    skip = {task.created_by_id, *skip_user_ids, *going.values_list("user_id", flat=True)}
    offers = StandingOffer.objects.filter(
        circle=task.circle, weekday=local.weekday(), part_of_day=part_of_day(local.time())
    ).select_related("user")
    since = reopened_at(task, when)
    # Recorded like the stand-ins' asks, so nobody is asked twice about one occurrence (tasks/pacing.py).
    asked = asks_record(
        task=task,
        on=when,
        user_ids=list(dict.fromkeys(offer.user_id for offer in offers if offer.user_id not in skip)),
        asker_id=None,
        asked_as=AskedAs.OFFER,
        since=since,
    )
    if not asked:
        return 0
    told = notify(
        category="help_needed",
        circle=task.circle,
        key=ask_key("offer-ask", task, when, since),
        title=when_read(lambda: gettext("Can you help? %(title)s") % {"title": task.title}),
        url=_task_url(task),
        user_ids=asked,
        render=lambda user: ask_message(
            task=task, on=when, start=start, time_zone=user.time_zone, actions=_take_or_cant(user.pk, task, when)
        ),
        sms_suffix=lambda: reply_sms_suffix(task=task, occurrence_date=when),
    )
    return len(told)


def _take_or_cant(user_id: int, task: Task, on: datetime.date) -> str:
    from carecircle.tasks.email_actions import CANT, TAKE, action_lines

    return action_lines(user_id=user_id, task=task, occurrence_date=on, actions=[TAKE, CANT])


def _task_url(task: Task) -> str:
    return reverse("tasks:detail", kwargs={"circle_id": task.circle_id, "task_id": task.pk})


# A series rota puts someone down for this many days ahead (13 weeks).
SERIES_ROTA_DAYS = 91


@transaction.atomic
def task_assign_series(*, actor: User, task: Task, user: User, from_date: datetime.date) -> int:
    """Put someone down for every occurrence of a series from a date, for the next 13 weeks (a rota).

    Occurrences already full, cancelled or done are left as they are. Returns how many places were taken.
    """
    task = _lock(task)
    check_subject(task=task, user=user)
    if task.cancelled_at is not None:
        raise TaskConflict(gettext("This task was cancelled, so nobody can be put down for it."))
    window_start = local_midnight_utc(from_date, task.time_zone)
    window_end = local_midnight_utc(from_date + datetime.timedelta(days=SERIES_ROTA_DAYS), task.time_zone)
    changes = {change.original_date: change for change in task.changes.all()}
    going: dict[datetime.date, list[Assignment]] = {}
    for assignment in Assignment.objects.filter(
        task=task, withdrawn_at__isnull=True, occurrence_date__gte=from_date - datetime.timedelta(days=1)
    ):
        going.setdefault(assignment.occurrence_date, []).append(assignment)
    taken = 0
    for occurrence in task_occurrences(
        task, window_start=window_start, window_end=window_end, changes=changes.values()
    ):
        day = occurrence.original_date
        change = changes.get(day)
        places = going.get(day, [])
        if (change is not None and change.done_at is not None) or any(a.user_id == user.pk for a in places):
            continue
        if len(places) >= task.people_needed:
            continue
        slots = {a.slot for a in places}
        slot = next(number for number in range(1, task.people_needed + 1) if number not in slots)
        Assignment.objects.create(task=task, occurrence_date=day, user=user, slot=slot, assigned_by=actor)
        taken += 1
    if taken:
        ensure_reminder_scans()
        audit_record(
            actor=actor,
            action="tasks.assigned_series",
            circle=task.circle,
            subject=user,
            data={"task": task.pk, "title": task.title, "from": from_date.isoformat(), "count": taken},
        )
        _event(task)
    return taken
