"""Matrix rows for tasks: the calendar pages, one task's pages and actions, feeds and the tasks API."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.urls import reverse

from carecircle.tasks.feed_services import calendar_feed_renew
from carecircle.tasks.models import Task
from carecircle.tasks.services import TaskFields, task_create
from tests.matrix.base import World

# Columns: person, organiser, helper, paid_carer, professional, well_wisher, org_staff, outsider, anonymous.
# tasks.view and tasks.volunteer: the person, organisers, helpers and paid carers (the default consent);
# tasks.manage: the person and organisers. POSTs with an empty form reach validation (400).
VIEW = "200 200 200 200 403 403 404 404 302"
MANAGE = "200 200 403 403 403 403 404 404 302"
VIEW_POST = "400 400 400 400 403 403 404 404 302"
MANAGE_POST = "400 400 403 403 403 403 404 404 302"
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
    ("tasks:thank", "POST"): VIEW_POST,
    ("tasks:visit_log", "GET"): "404 404 404 404 403 403 404 404 302",
    ("tasks:visit_log", "POST"): VIEW_POST,
    ("tasks:rota", "GET"): VIEW,
    ("tasks:rota", "POST"): NOT_ALLOWED,
    ("tasks:away", "GET"): VIEW,
    ("tasks:away", "POST"): VIEW_POST,
    ("tasks:stand_ins", "GET"): MANAGE,
    # An empty form is a valid answer: nobody steps in.
    ("tasks:stand_ins", "POST"): "302 302 403 403 403 403 404 404 302",
    ("tasks:offers", "GET"): VIEW,
    ("tasks:offers", "POST"): VIEW_POST,
    ("tasks:mine", "GET"): "200 200 200 200 200 200 200 200 302",
    ("tasks:mine", "POST"): NOT_ALLOWED,
    ("tasks:feeds", "GET"): "200 200 200 200 200 200 200 200 302",
    ("tasks:feeds", "POST"): "400 400 400 400 400 400 400 400 302",
    # The feed is reached by its secret alone, like a calendar app does.
    ("tasks:feed", "GET"): "200 200 200 200 200 200 200 200 200",
    ("tasks:feed", "POST"): NOT_ALLOWED,
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
    ("task_done", "POST"): API_MANAGE,
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


API_BODIES: dict[str, Any] = {
    "task_create": _task_body,
    "task_update": _task_body,
    "task_cancel": {},
    "task_volunteer": _on,
    "task_withdraw": _on,
    "task_done": lambda world: {**_on(world), "who_went": world.cast.organiser.pk},
    "visit_log_create": _visit,
    "calendar_feed_renew": lambda world: {"circle_id": world.cast.circle.pk},
}


def prepare(world: World) -> dict[str, Any]:
    cast = world.cast
    # Today on the task's clock: an occurrence can be marked done from its day on.
    start = datetime.datetime.now(ZoneInfo("Europe/London")).date()
    task = task_create(
        actor=cast.organiser,
        circle=cast.circle,
        fields=TaskFields(
            title="Lift to hospital",
            start_date=start,
            start_time=datetime.time(10, 30),
            duration_minutes=60,
            time_zone="Europe/London",
        ),
    )
    feed = calendar_feed_renew(actor=cast.organiser, circle=cast.circle)
    return {"task_id": task.pk, "feed_token": feed.token, "feed_id": feed.pk, "task_date": start.isoformat()}


def url(world: World, name: str) -> str | None:
    if name == "tasks:feed":
        return reverse(name, kwargs={"token": world.extra["feed_token"]})
    return None


def the_task(world: World) -> Task:
    return Task.objects.get(pk=world.extra["task_id"])
