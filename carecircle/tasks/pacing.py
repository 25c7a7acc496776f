"""Asking stand-ins in turn: two at a time in rank order, the next when one says "I can't" or after a wait.

When someone can't cover, each occurrence handed back is offered to the circle's ranked stand-ins
STAND_INS_AT_ONCE at a time. The next ones are asked when an asked stand-in says "I can't" (from the
email's link or the page), or when NEXT_AFTER has passed and the occurrence still needs help (the
reminder scan, every five minutes, looks). Nobody is asked twice about one occurrence (`StandInAsk`
is unique per task, day and person), and nobody who said "I can't" about it (`Decline`), who is
going, who can't cover then (`Unavailability`), or who may no longer volunteer. Once it is covered,
cancelled, done or started, nobody more is asked. Decision record: docs/architecture/tasks.md.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.circles.models import Circle, Membership
from carecircle.circles.permissions import capabilities_for
from carecircle.lib.hooks import notify
from carecircle.tasks.messages import help_request_message
from carecircle.tasks.models import Decline, StandIn, StandInAsk, Status, Task, Unavailability
from carecircle.tasks.reply_codes import reply_sms_suffix
from carecircle.tasks.selectors import occurrence_detail

STAND_INS_AT_ONCE = 2
NEXT_AFTER = datetime.timedelta(hours=2)
# Escalation looks only at asks this recent: an occurrence not covered within a week has passed or been seen.
LOOK_BACK = datetime.timedelta(days=7)


@dataclass(frozen=True)
class Wanted:
    """One occurrence that needs a stand-in."""

    task: Task
    on: datetime.date
    start: datetime.datetime


def _volunteers(circle: Circle) -> set[int]:
    """Members whose role (and the circle's consent) lets them take a place."""
    return {
        user_id
        for user_id, role in Membership.objects.filter(circle=circle).values_list("user_id", "role")
        if "tasks.volunteer" in capabilities_for(role=role, consent=circle.consent, person_is_member=True)
    }


def _next_for(wanted: Wanted, ranked: list[int], skip: Collection[int], asker_id: int | None) -> list[int]:
    """The next stand-ins to ask about one occurrence, in rank order, recording each ask (once, ever)."""
    detail = occurrence_detail(wanted.task, wanted.on)
    if detail is None or detail.status != Status.NEEDS_HELP or detail.start_utc() <= timezone.now():
        return []
    start = detail.start_utc()
    excluded = {
        *skip,
        *detail.going_ids(),
        *Decline.objects.filter(task=wanted.task, occurrence_date=wanted.on).values_list("user_id", flat=True),
        *StandInAsk.objects.filter(task=wanted.task, occurrence_date=wanted.on).values_list("user_id", flat=True),
        *Unavailability.objects.filter(
            circle_id=wanted.task.circle_id, starts_at__lte=start, ends_at__gt=start
        ).values_list("user_id", flat=True),
    }
    picked: list[int] = []
    for user_id in ranked:
        if len(picked) == STAND_INS_AT_ONCE:
            break
        if user_id in excluded:
            continue
        try:
            with transaction.atomic():
                StandInAsk.objects.create(
                    task=wanted.task, occurrence_date=wanted.on, user_id=user_id, asker_id=asker_id
                )
        except IntegrityError:
            continue  # Asked by a simultaneous call a moment ago.
        picked.append(user_id)
    return picked


def stand_ins_ask(
    *,
    circle: Circle,
    wanted: list[Wanted],
    key: str,
    asker: User | None,
    note: str = "",
    emergency_plan_url: str | None = None,
    skip_user_ids: Collection[int] = (),
) -> dict[int, list[Wanted]]:
    """Ask the next stand-ins about each occurrence; one message per person listing theirs, with action links.

    Returns who was asked about what. Call inside the transaction that made the occurrences need help.
    """
    volunteers = _volunteers(circle)
    ranked = [
        user_id
        for user_id in StandIn.objects.filter(circle=circle).order_by("rank").values_list("user_id", flat=True)
        if user_id in volunteers
    ]
    asked: dict[int, list[Wanted]] = {}
    for item in wanted:
        asker_id = asker.pk if asker is not None else None
        for user_id in _next_for(item, ranked, {*skip_user_ids, *([asker_id] if asker_id else [])}, asker_id):
            asked.setdefault(user_id, []).append(item)
    if not asked:
        return asked
    asker_name = asker.display_name if asker is not None else "Someone in the circle"

    def render(user: object) -> tuple[str, str]:
        return _message(circle, asked.get(getattr(user, "pk", 0), []), user, asker_name, note, emergency_plan_url)

    only = {(item.task.pk, item.on) for items in asked.values() for item in items}
    single: Callable[[], str] | None = None
    if len(only) == 1:
        first = next(iter(asked.values()))[0]
        single = lambda: reply_sms_suffix(task=first.task, occurrence_date=first.on)  # noqa: E731
    notify(
        category="help_needed",
        circle=circle,
        key=key,
        title=f"Can you help {circle.person_name}? {asker_name} can't cover",
        actor=asker,
        url=reverse("tasks:rota", kwargs={"circle_id": circle.pk}),
        user_ids=list(asked),
        render=render,
        sms_suffix=single,
    )
    return asked


def _message(
    circle: Circle, items: list[Wanted], user: object, asker_name: str, note: str, emergency_plan_url: str | None
) -> tuple[str, str]:
    from carecircle.tasks.email_actions import CANT, TAKE, action_lines

    user_id = int(getattr(user, "pk", 0))

    def actions(task: Task, on: datetime.date) -> str:
        return action_lines(user_id=user_id, task=task, occurrence_date=on, actions=[TAKE, CANT])

    return help_request_message(
        person_name=circle.person_name,
        asker_name=asker_name,
        items=[(item.task, item.on, item.start) for item in items],
        time_zone=str(getattr(user, "time_zone", "Europe/London")),
        note=note,
        emergency_plan_url=emergency_plan_url,
        actions=actions,
    )


def stand_ins_ask_next(*, task: Task, on: datetime.date) -> list[int]:
    """Ask the next stand-ins about one occurrence, if stand-ins were already asked about it and it needs help."""
    first = StandInAsk.objects.filter(task=task, occurrence_date=on).select_related("asker").order_by("pk").first()
    if first is None:
        return []
    detail = occurrence_detail(task, on)
    if detail is None:
        return []
    asked = stand_ins_ask(
        circle=task.circle,
        wanted=[Wanted(task=task, on=on, start=detail.start_utc())],
        # Each person is asked about an occurrence once (StandInAsk), so one key per occurrence is enough.
        key=f"stand-in-{task.pk}-{on:%Y%m%d}",
        asker=first.asker,
    )
    return list(asked)


def stand_ins_escalate(*, now: datetime.datetime | None = None) -> int:
    """Ask the next stand-ins about every occurrence whose latest ask is NEXT_AFTER old and still needs help."""
    now = now or timezone.now()
    latest: dict[tuple[int, datetime.date], datetime.datetime] = {}
    for task_id, on, asked_at in StandInAsk.objects.filter(
        asked_at__gte=now - LOOK_BACK, occurrence_date__gte=(now - datetime.timedelta(days=1)).date()
    ).values_list("task_id", "occurrence_date", "asked_at"):
        key = (task_id, on)
        latest[key] = max(latest.get(key, asked_at), asked_at)
    due = [key for key, asked_at in latest.items() if asked_at <= now - NEXT_AFTER]
    tasks = Task.objects.select_related("circle").in_bulk([task_id for task_id, _ in due])
    told = 0
    for task_id, on in due:
        task = tasks.get(task_id)
        if task is None:
            continue
        with transaction.atomic():
            told += len(stand_ins_ask_next(task=task, on=on))
    return told
