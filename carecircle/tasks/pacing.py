"""Asking stand-ins in turn: two at a time in rank order, the next when one says "I can't" or after a wait.

When someone can't cover, each occurrence handed back is offered to the circle's ranked stand-ins
STAND_INS_AT_ONCE at a time. The next ones are asked when an asked stand-in says "I can't" (from the
email's link or the page), or when NEXT_AFTER has passed and the occurrence still needs help (the
reminder scan, every five minutes, looks). Nobody is asked twice about one occurrence (`StandInAsk`
is unique per task, day and person), and nobody who said "I can't" about it (`Decline`), who is
going, who can't cover then (`Unavailability`), or who may no longer volunteer. Once it is covered,
cancelled, done or started, nobody more is asked. When nobody is set to step in, or every stand-in
was asked and nobody took it, the organisers are told once (`NobodyLeft`), and they or the member
who couldn't cover may "ask everyone who can help" (`help_ask_everyone`). People whose standing
offer matches and "ask everyone" record their asks in `StandInAsk` too, so nobody is asked twice
about one occurrence whichever way. Decision record: docs/architecture/tasks.md.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from carecircle.accounts.models import User
from carecircle.audit.services import audit_record
from carecircle.circles.models import Circle, Membership
from carecircle.circles.permissions import capabilities_for
from carecircle.lib.hooks import notify
from carecircle.tasks.messages import (
    everyone_message,
    everyone_title,
    help_request_message,
    help_request_title,
    nobody_left_message,
    rest_of_stay_message,
    someone_in_the_circle,
    task_url,
    when_read,
)
from carecircle.tasks.models import (
    AskedAs,
    Assignment,
    Decline,
    NobodyLeft,
    StandIn,
    StandInAsk,
    Status,
    Task,
    Unavailability,
)
from carecircle.tasks.reply_codes import reply_sms_suffix
from carecircle.tasks.schedule import TaskOccurrence
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


def still_wanted(detail: TaskOccurrence | None) -> bool:
    """Whether an occurrence still needs someone and hasn't started: only then is anyone asked about it."""
    return detail is not None and detail.status == Status.NEEDS_HELP and detail.start_utc() > timezone.now()


def reopened_at(task: Task, on: datetime.date) -> datetime.datetime | None:
    """When someone last gave up a place on one occurrence: asks before then were about an earlier need."""
    latest: datetime.datetime | None = Assignment.objects.filter(
        task=task, occurrence_date=on, withdrawn_at__isnull=False
    ).aggregate(latest=Max("withdrawn_at"))["latest"]
    return latest


def ask_key(prefix: str, task: Task, on: datetime.date, since: datetime.datetime | None) -> str:
    """A delivery key per occurrence and need: asked again after someone gives up a place, it differs."""
    need = f"-{int(since.timestamp())}" if since is not None else ""
    return f"{prefix}-{task.pk}-{on:%Y%m%d}{need}"


def _not_to_ask(
    task: Task,
    on: datetime.date,
    detail: TaskOccurrence,
    since: datetime.datetime | None,
    rest_from: datetime.datetime | None = None,
) -> set[int]:
    """Who isn't asked about one occurrence: going, gave up a place on it, said "I can't", asked since `since`,
    or away at its start (with `rest_from`, the rest of a stay: away at any time from then to its end)."""
    start = detail.start_utc()
    asks = StandInAsk.objects.filter(task=task, occurrence_date=on)
    if since is not None:
        asks = asks.filter(asked_at__gte=since)
    away = Unavailability.objects.filter(circle_id=task.circle_id)
    if rest_from is None:
        away = away.filter(starts_at__lte=start, ends_at__gt=start)
    else:
        # Taking on the rest means being there for all of it: away on a day already covered doesn't matter.
        away = away.filter(starts_at__lt=detail.end_utc(), ends_at__gt=rest_from)
    return {
        *detail.going_ids(),
        *Assignment.objects.filter(task=task, occurrence_date=on, withdrawn_at__isnull=False).values_list(
            "user_id", flat=True
        ),
        *Decline.objects.filter(task=task, occurrence_date=on).values_list("user_id", flat=True),
        *asks.values_list("user_id", flat=True),
        *away.values_list("user_id", flat=True),
    }


def asks_record(
    *,
    task: Task,
    on: datetime.date,
    user_ids: list[int],
    asker_id: int | None,
    asked_as: str,
    since: datetime.datetime | None,
    most: int | None = None,
) -> list[int]:
    """Record an ask of each of `user_ids` (at most `most`), in order; those asked since `since` are left out.

    Each person has one row per occurrence. Someone asked before `since` (the last time someone gave
    up a place, so it needed help afresh) is asked again by moving their row on with a conditional
    UPDATE. Each write is its own savepoint: a simultaneous ask of the same person loses on the
    unique constraint or finds the row already moved on (PostgreSQL waits for the other transaction
    first), so nobody is asked twice about one need. Call inside a transaction.
    """
    if not user_ids:
        return []
    # Every way of asking locks the task first, so simultaneous asks about it queue rather than
    # deadlock on each other's rows (NO KEY UPDATE: new rows pointing at the task don't wait for it).
    list(Task.objects.select_for_update(no_key=True).filter(pk=task.pk).values_list("pk"))
    picked: list[int] = []
    now = timezone.now()
    for user_id in user_ids:
        if most is not None and len(picked) == most:
            break
        try:
            with transaction.atomic():
                StandInAsk.objects.create(
                    task=task, occurrence_date=on, user_id=user_id, asker_id=asker_id, asked_as=asked_as, asked_at=now
                )
        except IntegrityError:
            if since is None:
                continue  # Asked already, or by a simultaneous call a moment ago.
            moved = StandInAsk.objects.filter(
                task=task, occurrence_date=on, user_id=user_id, asked_at__lt=since
            ).update(asked_at=now, asker_id=asker_id, asked_as=asked_as)
            if not moved:
                continue
        picked.append(user_id)
    return picked


def _next_for(wanted: Wanted, ranked: list[int], skip: Collection[int], asker_id: int | None) -> list[int]:
    """The next stand-ins to ask about one occurrence, in rank order, recording each ask (once, ever)."""
    detail = occurrence_detail(wanted.task, wanted.on)
    if detail is None or not still_wanted(detail):
        return []
    since = reopened_at(wanted.task, wanted.on)
    excluded = {*skip, *_not_to_ask(wanted.task, wanted.on, detail, since)}
    return asks_record(
        task=wanted.task,
        on=wanted.on,
        user_ids=[user_id for user_id in ranked if user_id not in excluded],
        asker_id=asker_id,
        asked_as=AskedAs.STAND_IN,
        since=since,
        most=STAND_INS_AT_ONCE,
    )


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
    asker_name = asker.display_name if asker is not None else when_read(someone_in_the_circle)

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
        title=when_read(lambda: help_request_title(person_name=circle.person_name, asker_name=asker_name)),
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


def stand_ins_ask_next(*, task: Task, on: datetime.date, waited: bool = False) -> list[int]:
    """Ask the next stand-ins about one occurrence, if stand-ins were already asked about it and it needs help.

    When nobody is left to ask and none took it (each said "I can't", or `waited` the time since the
    last ask), the organisers are told, once.
    """
    asks = StandInAsk.objects.filter(task=task, occurrence_date=on)
    first = asks.filter(asked_as=AskedAs.STAND_IN).select_related("asker").order_by("pk").first()
    if first is None:
        return []
    detail = occurrence_detail(task, on)
    if detail is None or not still_wanted(detail):
        return []
    asked = stand_ins_ask(
        circle=task.circle,
        wanted=[Wanted(task=task, on=on, start=detail.start_utc())],
        # Each person is asked about one need once (StandInAsk), so one key per occurrence and need is enough.
        key=ask_key("stand-in", task, on, reopened_at(task, on)),
        asker=first.asker,
    )
    if asked or asks.filter(asked_as=AskedAs.EVERYONE).exists():
        return list(asked)
    waiting = set(asks.filter(asked_as=AskedAs.STAND_IN).values_list("user_id", flat=True)) - set(
        Decline.objects.filter(task=task, occurrence_date=on).values_list("user_id", flat=True)
    )
    if waited or not waiting:
        organisers_tell_nobody_left(
            task=task, on=on, detail=detail, reason=NobodyLeft.Reason.ALL_ASKED, asker=first.asker
        )
    return []


def organisers_tell_nobody_left(
    *, task: Task, on: datetime.date, detail: TaskOccurrence, reason: str, asker: User | None
) -> bool:
    """Tell the organisers (not `asker`) that nobody (more) is set to step in; once per occurrence and reason.

    Call inside the transaction of the change. True if they were told now.
    """
    try:
        with transaction.atomic():
            NobodyLeft.objects.create(task=task, occurrence_date=on, reason=reason)
    except IntegrityError:
        return False
    asker_name = asker.display_name if asker is not None else when_read(someone_in_the_circle)
    all_asked = reason == NobodyLeft.Reason.ALL_ASKED
    start = detail.start_utc()

    def render(user: User) -> tuple[str, str]:
        return nobody_left_message(
            task=task, on=on, start=start, time_zone=user.time_zone, asker_name=asker_name, all_asked=all_asked
        )

    title = when_read(
        lambda: nobody_left_message(
            task=task, on=on, start=start, time_zone=task.time_zone, asker_name=asker_name, all_asked=all_asked
        )[0]
    )
    notify(
        category="help_changed",
        circle=task.circle,
        key=f"nobody-left-{reason}-{task.pk}-{on:%Y%m%d}",
        title=title,
        body=gettext_lazy("Open it to ask everyone who can help."),
        url=task_url(task, on).removeprefix(settings.SITE_URL),
        # The member who couldn't cover sees "nobody else is set to step in" on the page; when every
        # stand-in was asked, whoever couldn't cover is told too.
        actor=asker if not all_asked else None,
        capability="tasks.manage",
        render=render,
    )
    return True


def help_ask_everyone(*, actor: User, task: Task, occurrence_date: datetime.date) -> int:
    """ "Ask everyone who can help" about one occurrence: each member who may volunteer, once ever.

    Nobody already asked about it (as a stand-in, by a standing offer or by an earlier "ask
    everyone"), going, who said "I can't", or away at its start is asked. Returns how many were
    asked now; asking again asks nobody twice. The caller checks the actor may ask.
    """
    from carecircle.tasks.services import TaskConflict, _lock

    with transaction.atomic():
        task = _lock(task)
        detail = occurrence_detail(task, occurrence_date)
        if task.private:
            raise TaskConflict(gettext("This task is private, so it isn't sent to everyone. Ask someone yourself."))
        if detail is None or not still_wanted(detail):
            raise TaskConflict(gettext("This doesn't need anyone now: it's covered, cancelled, done or has started."))
        since = reopened_at(task, occurrence_date)
        excluded = {actor.pk, *_not_to_ask(task, occurrence_date, detail, since)}
        candidates = sorted(user_id for user_id in _volunteers(task.circle) if user_id not in excluded)
        asked = asks_record(
            task=task,
            on=occurrence_date,
            user_ids=candidates,
            asker_id=actor.pk,
            asked_as=AskedAs.EVERYONE,
            since=since,
        )
        audit_record(
            actor=actor,
            action="tasks.asked_everyone",
            circle=task.circle,
            data={"task": task.pk, "title": task.title, "date": occurrence_date.isoformat(), "count": len(asked)},
        )
        everyone_notify(
            task=task,
            on=occurrence_date,
            start=detail.start_utc(),
            user_ids=asked,
            asker=actor,
            key=ask_key("ask-everyone", task, occurrence_date, since),
        )
        return len(asked)


def everyone_notify(
    *, task: Task, on: datetime.date, start: datetime.datetime, user_ids: list[int], asker: User | None, key: str
) -> None:
    """Ask each of `user_ids` (already recorded in `StandInAsk`) about one occurrence, with their own links.

    `asker` None: CareCircle asks on its own, because the day is near and nobody has taken it (help_soon.py).
    """
    if not user_ids:
        return

    def render(user: User) -> tuple[str, str]:
        from carecircle.tasks.email_actions import CANT, TAKE, action_lines

        links = action_lines(user_id=user.pk, task=task, occurrence_date=on, actions=[TAKE, CANT])
        return everyone_message(
            task=task,
            on=on,
            start=start,
            time_zone=user.time_zone,
            asker_name=asker.display_name if asker is not None else "",
            actions=links,
        )

    notify(
        category="help_needed",
        circle=task.circle,
        key=key,
        title=when_read(lambda: everyone_title(task=task)),
        url=task_url(task, on).removeprefix(settings.SITE_URL),
        actor=asker,
        user_ids=user_ids,
        render=render,
        sms_suffix=lambda: reply_sms_suffix(task=task, occurrence_date=on),
    )


def ask_rest_of_stay(*, task: Task, on: datetime.date, detail: TaskOccurrence, giver: User, actor: User) -> int:
    """Ask everyone who can help to take on the rest of a stay under way that `giver` has just given up.

    Called inside the transaction of giving it up (services.task_withdraw), after the place was freed.
    Nobody going, who gave up a place on it, said "I can't" or was asked since it was given up is
    asked; their "I'll do it" takes on the rest of it (tasks/answers.py). Returns how many were asked.
    """
    if task.private:
        return 0
    now = timezone.now()
    rest_from = detail.rest_from(now)
    until = detail.last_day()
    since = reopened_at(task, on)
    # The rest needs someone from now, not from the stay's start (docs/architecture/tasks.md).
    excluded = {giver.pk, actor.pk, *_not_to_ask(task, on, detail, since, rest_from=max(now, detail.start_utc()))}
    asked = asks_record(
        task=task,
        on=on,
        user_ids=sorted(user_id for user_id in _volunteers(task.circle) if user_id not in excluded),
        asker_id=None,
        asked_as=AskedAs.EVERYONE,
        since=since,
    )
    if not asked:
        return 0

    def render(user: User) -> tuple[str, str]:
        from carecircle.tasks.email_actions import CANT, TAKE, action_lines

        return rest_of_stay_message(
            task=task,
            on=on,
            rest_from=rest_from,
            until=until,
            giver_name=giver.display_name,
            actions=action_lines(user_id=user.pk, task=task, occurrence_date=on, actions=[TAKE, CANT]),
        )

    notify(
        category="help_needed",
        circle=task.circle,
        key=ask_key("stay-rest", task, on, since),
        title=when_read(lambda: gettext("Help needed: the rest of %(title)s") % {"title": task.title}),
        url=task_url(task, on).removeprefix(settings.SITE_URL),
        user_ids=asked,
        render=render,
        sms_suffix=lambda: reply_sms_suffix(task=task, occurrence_date=on),
    )
    return len(asked)


def stand_ins_escalate(*, now: datetime.datetime | None = None) -> int:
    """Ask the next stand-ins about every occurrence whose latest ask is NEXT_AFTER old and still needs help."""
    now = now or timezone.now()
    latest: dict[tuple[int, datetime.date], datetime.datetime] = {}
    for task_id, on, asked_at in StandInAsk.objects.filter(
        asked_as=AskedAs.STAND_IN,
        asked_at__gte=now - LOOK_BACK,
        occurrence_date__gte=(now - datetime.timedelta(days=1)).date(),
    ).values_list("task_id", "occurrence_date", "asked_at"):
        key = (task_id, on)
        latest[key] = max(latest.get(key, asked_at), asked_at)
    told_already = set(
        NobodyLeft.objects.filter(
            reason=NobodyLeft.Reason.ALL_ASKED, task_id__in={task_id for task_id, _ in latest}
        ).values_list("task_id", "occurrence_date")
    )
    due = [key for key, asked_at in latest.items() if asked_at <= now - NEXT_AFTER and key not in told_already]
    tasks = Task.objects.select_related("circle").in_bulk([task_id for task_id, _ in due])
    told = 0
    for task_id, on in due:
        task = tasks.get(task_id)
        if task is None:
            continue
        with transaction.atomic():
            told += len(stand_ins_ask_next(task=task, on=on, waited=True))
    return told
