"""Matrix rows for tasks: the calendar pages, one task's pages and actions, feeds and the tasks API."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from carecircle.conversations.models import ThankYou
from carecircle.tasks.email_actions import CANT, action_token
from carecircle.tasks.feed_services import calendar_feed_renew
from carecircle.tasks.models import (
    AskedAs,
    Assignment,
    Decline,
    OccurrenceChange,
    ReminderSetting,
    StandIn,
    StandInAsk,
    StandingOffer,
    Task,
    Unavailability,
    VisitLog,
)
from carecircle.tasks.rota_services import unavailability_declare
from carecircle.tasks.services import TaskFields, occurrence_done, task_create, task_volunteer
from tests.matrix.base import COLUMNS, World, Write
from tests.tasks.conftest import circle_today, wall_clock_now

# Columns: person, organiser, helper, paid_carer, professional, well_wisher, org_staff, outsider, anonymous.
# tasks.view and tasks.volunteer: the person, organisers, helpers and paid carers (the default consent);
# tasks.manage: the person and organisers. POSTs send a valid form (WRITES) and redirect when done.
VIEW = "200 200 200 200 403 403 404 404 302"
MANAGE = "200 200 403 403 403 403 404 404 302"
VIEW_POST = "302 302 302 302 403 403 404 404 302"
MANAGE_POST = "302 302 403 403 403 403 404 404 302"
NOT_ALLOWED = "405 405 405 405 405 405 405 405 405"

WEB: dict[tuple[str, str], str] = {
    ("tasks:agenda", "GET"): VIEW,
    ("tasks:agenda", "POST"): NOT_ALLOWED,
    ("tasks:needs_help", "GET"): VIEW,
    ("tasks:needs_help", "POST"): NOT_ALLOWED,
    ("tasks:week", "GET"): VIEW,
    ("tasks:week", "POST"): NOT_ALLOWED,
    ("tasks:month", "GET"): VIEW,
    ("tasks:month", "POST"): NOT_ALLOWED,
    ("tasks:create", "GET"): MANAGE,
    ("tasks:create", "POST"): MANAGE_POST,
    ("tasks:detail", "GET"): VIEW,
    ("tasks:detail", "POST"): NOT_ALLOWED,
    ("tasks:edit", "GET"): MANAGE,
    ("tasks:edit", "POST"): MANAGE_POST,
    ("tasks:cancel", "GET"): MANAGE,
    ("tasks:cancel", "POST"): MANAGE_POST,
    ("tasks:volunteer", "GET"): NOT_ALLOWED,
    ("tasks:volunteer", "POST"): VIEW_POST,
    ("tasks:withdraw", "GET"): NOT_ALLOWED,
    ("tasks:withdraw", "POST"): VIEW_POST,
    ("tasks:assign", "GET"): NOT_ALLOWED,
    ("tasks:assign", "POST"): MANAGE_POST,
    ("tasks:done", "GET"): NOT_ALLOWED,
    ("tasks:done", "POST"): VIEW_POST,
    ("tasks:thank", "GET"): NOT_ALLOWED,
    # Thanks go to the paid carer, who can't thank themselves.
    ("tasks:thank", "POST"): "302 302 302 409 403 403 404 404 302",
    ("tasks:visit_log", "GET"): VIEW,
    ("tasks:visit_log", "POST"): VIEW_POST,
    ("tasks:rota", "GET"): VIEW,
    ("tasks:rota", "POST"): NOT_ALLOWED,
    ("tasks:away", "GET"): VIEW,
    ("tasks:away", "POST"): VIEW_POST,
    # The organiser's own "I can't cover" period: anyone else who may volunteer is told it doesn't exist.
    ("tasks:away_done", "GET"): "404 200 404 404 403 403 404 404 302",
    ("tasks:away_done", "POST"): NOT_ALLOWED,
    # Organisers (and whoever gave the place up, not in the matrix) ask everyone about a day needing help.
    ("tasks:ask_everyone", "GET"): NOT_ALLOWED,
    ("tasks:ask_everyone", "POST"): MANAGE_POST,
    ("tasks:stand_ins", "GET"): MANAGE,
    ("tasks:stand_ins", "POST"): MANAGE_POST,
    ("tasks:offers", "GET"): VIEW,
    ("tasks:offers", "POST"): VIEW_POST,
    ("tasks:mine", "GET"): "200 200 200 200 200 200 200 200 302",
    ("tasks:mine", "POST"): NOT_ALLOWED,
    ("tasks:feeds", "GET"): "200 200 200 200 200 200 200 200 302",
    ("tasks:feeds", "POST"): "302 302 302 302 302 302 302 302 302",
    # The feed is reached by its secret alone, like a calendar app does.
    ("tasks:feed", "GET"): "200 200 200 200 200 200 200 200 200",
    ("tasks:feed", "POST"): NOT_ALLOWED,
    # A link from an email: the signed token names the member (here the helper), so whoever holds it,
    # signed in or not, sees the confirm page and can press the button; see tests/tasks/test_email_actions.py.
    ("tasks:email_action", "GET"): "200 200 200 200 200 200 200 200 200",
    ("tasks:email_action", "POST"): "200 200 200 200 200 200 200 200 200",
}

# API: 401 without credentials, 404 for outsiders, 403 without the capability; writes use valid bodies.
API_VIEW = "200 200 200 200 403 403 404 404 401"
API_MANAGE = "200 200 403 403 403 403 404 404 401"
API: dict[tuple[str, str], str] = {
    ("occurrence_list", "GET"): API_VIEW,
    ("task_create", "POST"): "201 201 403 403 403 403 404 404 401",
    ("task_get", "GET"): API_VIEW,
    ("task_update", "PUT"): API_MANAGE,
    ("task_cancel", "POST"): API_MANAGE,
    ("task_volunteer", "POST"): API_VIEW,
    ("task_withdraw", "POST"): API_VIEW,
    # Only those going and organisers may mark it done; nobody is going in the matrix's task.
    # As on the page: anyone going (here, everyone who may volunteer) marks it done.
    ("task_done", "POST"): API_VIEW,
    ("visit_log_list", "GET"): API_VIEW,
    ("visit_log_create", "POST"): "201 201 201 201 403 403 404 404 401",
    ("calendar_feed_list", "GET"): "200 200 200 200 200 200 200 200 401",
    ("calendar_feed_renew", "POST"): "201 201 201 201 403 403 404 404 401",
    # The organiser's own feed: everyone else is told it doesn't exist.
    ("calendar_feed_revoke", "DELETE"): "404 204 404 404 404 404 404 404 401",
}


def _task_body(world: World) -> dict[str, Any]:
    return {
        "title": "Sunday lunch visit",
        "category": "visit",
        "date": world.extra["task_date"],
        "start_time": "12:30",
        "duration_minutes": 90,
        "rule": "FREQ=WEEKLY",
    }


def _on(world: World) -> dict[str, Any]:
    return {"on": world.extra["task_date"]}


def _visit(world: World) -> dict[str, Any]:
    arrived = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    return {"on": world.extra["task_date"], "arrived_at": arrived.isoformat(), "notes": "All well"}


# Marking done is for today's task, where everyone who may volunteer is going (the done rule).
API_PATHS: dict[str, Any] = {"task_done": lambda world: {"task_id": world.extra["busy_task_id"]}}


API_BODIES: dict[str, Any] = {
    "task_create": _task_body,
    "task_update": _task_body,
    "task_cancel": {},
    "task_volunteer": _on,
    "task_withdraw": _on,
    "task_done": lambda world: {"on": world.extra["today"]},
    "visit_log_create": _visit,
    "calendar_feed_renew": lambda world: {"circle_id": world.cast.circle.pk},
}


def prepare(world: World) -> dict[str, Any]:
    cast = world.cast
    start = circle_today() + datetime.timedelta(days=2)
    task = _task(world, "Lift to hospital", start)
    # Today, with everyone who may volunteer going: for withdrawing, marking done and visit logs.
    today = circle_today()
    busy = _task(world, "Morning visit", today, people_needed=4)
    finished = _task(world, "Shopping", today, people_needed=4)
    for name in GOING:
        for each in (busy, finished):
            task_volunteer(actor=cast.user(name), task=each, occurrence_date=today)
    occurrence_done(actor=cast.organiser, task=finished, occurrence_date=today, how_it_went="")
    feed = calendar_feed_renew(actor=cast.organiser, circle=cast.circle)
    # Two months ahead, when the organiser is down for nothing: a period whose page exists.
    away_from = timezone.now() + datetime.timedelta(days=60)
    period, _ = unavailability_declare(
        actor=cast.organiser, circle=cast.circle, starts_at=away_from, ends_at=away_from + datetime.timedelta(days=1)
    )
    return {
        "period_id": period.pk,
        "task_id": task.pk,
        "feed_token": feed.token,
        "feed_id": feed.pk,
        "task_date": start.isoformat(),
        "busy_task_id": busy.pk,
        "finished_task_id": finished.pk,
        "today": today.isoformat(),
        "action_token": action_token(user_id=cast.helper.pk, task=task, occurrence_date=start, action=CANT),
    }


GOING = ("person", "organiser", "helper", "paid_carer")


def _task(world: World, title: str, day: datetime.date, people_needed: int = 1) -> Task:
    return task_create(
        actor=world.cast.organiser,
        circle=world.cast.circle,
        fields=TaskFields(
            title=title,
            start_date=day,
            start_time=datetime.time(10, 30),
            duration_minutes=60,
            time_zone="Europe/London",
            people_needed=people_needed,
        ),
    )


# Rows that act on today's tasks, where everyone who may volunteer is going or it's already done.
ON_TASK = {"tasks:withdraw": "busy_task_id", "tasks:done": "busy_task_id", "tasks:visit_log": "busy_task_id"}


def url(world: World, name: str) -> str | None:
    if name == "tasks:email_action":
        return reverse(name, kwargs={"token": world.extra["action_token"]})
    if name == "tasks:feed":
        return reverse(name, kwargs={"token": world.extra["feed_token"]})
    if name == "tasks:thank":
        return reverse(name, kwargs={"circle_id": world.cast.circle.pk, "task_id": world.extra["finished_task_id"]})
    if name in ON_TASK:
        found = reverse(name, kwargs={"circle_id": world.cast.circle.pk, "task_id": world.extra[ON_TASK[name]]})
        return f"{found}?on={world.extra['today']}" if name == "tasks:visit_log" else found
    return None


def the_task(world: World) -> Task:
    return Task.objects.get(pk=world.extra["task_id"])


def _task_form(world: World, title: str = "Sunday lunch visit") -> dict[str, Any]:
    return {
        "on": world.extra["task_date"],
        "title": title,
        "category": "visit",
        "date": world.extra["task_date"],
        "start_time": "12:30",
        "end_time": "14:00",
        "people_needed": 1,
        "interval": 1,
        "ends": "never",
    }


def _count(model: Any, **filters: Any) -> Any:
    return lambda world: model.objects.filter(**filters).count()


def _assignments(world: World, key: str) -> list[tuple[int, Any]]:
    return list(
        Assignment.objects.filter(task_id=world.extra[key], withdrawn_at__isnull=True).values_list("user_id", "slot")
    )


def _whole_minute(moment: datetime.datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M}"


WRITES: dict[str, Write] = {
    "tasks:create": Write(form=_task_form, changes=_count(Task)),
    "tasks:edit": Write(
        form=lambda world: _task_form(world, title="Lift to the clinic"), changes=lambda world: the_task(world).title
    ),
    "tasks:cancel": Write(
        form=lambda world: {"on": world.extra["task_date"], "scope": "all", "reason": "Not needed"},
        changes=lambda world: the_task(world).cancelled_at,
    ),
    "tasks:volunteer": Write(
        form=lambda world: {"on": world.extra["task_date"]}, changes=lambda world: _assignments(world, "task_id")
    ),
    # Each withdraws themselves from today's task, which they are all going to.
    "tasks:withdraw": Write(
        form=lambda world: {"on": world.extra["today"], "reason": "Unwell"},
        changes=lambda world: _assignments(world, "busy_task_id"),
    ),
    "tasks:assign": Write(
        form=lambda world: {"on": world.extra["task_date"], "member": world.cast.helper.pk},
        changes=lambda world: _assignments(world, "task_id"),
    ),
    "tasks:done": Write(
        form=lambda world: {"on": world.extra["today"], "how_it_went": "All went well"},
        changes=lambda world: list(
            OccurrenceChange.objects.filter(task_id=world.extra["busy_task_id"]).values_list("done_at", flat=True)
        ),
    ),
    "tasks:email_action": Write(form={}, changes=_count(Decline)),
    "tasks:thank": Write(
        form=lambda world: {"on": world.extra["today"], "recipient": world.cast.paid_carer.pk, "note": "Thank you"},
        changes=_count(ThankYou),
    ),
    "tasks:visit_log": Write(
        form=lambda world: {
            "on": world.extra["today"],
            "arrived_at": _whole_minute(wall_clock_now() - datetime.timedelta(minutes=30)),
            "outcome": "all_ok",
            "notes": "All well",
        },
        changes=_count(VisitLog),
    ),
    "tasks:away": Write(
        form=lambda world: {
            "starts_at": _whole_minute(wall_clock_now()),
            "ends_at": _whole_minute(wall_clock_now() + datetime.timedelta(days=2)),
            "note": "Flu",
        },
        changes=_count(Unavailability),
    ),
    "tasks:ask_everyone": Write(
        form=lambda world: {"on": world.extra["task_date"]},
        changes=_count(StandInAsk, asked_as=AskedAs.EVERYONE),
    ),
    "tasks:stand_ins": Write(
        form=lambda world: {"place_1": str(world.cast.helper.pk)},
        changes=lambda world: list(StandIn.objects.values_list("user_id", flat=True)),
    ),
    "tasks:offers": Write(form={"weekday": 1, "part": "evening"}, changes=_count(StandingOffer)),
    "tasks:feeds": Write(
        form={"action": "reminders", "day_before": "on", "hours_before": 3},
        changes=_count(ReminderSetting, hours_before=3),
        # Signed out, the page sends people to sign in.
        unchanged_for=COLUMNS[-1:],
    ),
}
