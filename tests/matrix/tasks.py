"""Matrix rows for tasks: the calendar pages, one task's pages and actions, feeds and the tasks API."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse

from carecircle.tasks.models import Task
from carecircle.tasks.services import TaskFields, calendar_feed_renew, task_create
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
    ("tasks:mine", "GET"): "200 200 200 200 200 200 200 200 302",
    ("tasks:mine", "POST"): NOT_ALLOWED,
    ("tasks:feeds", "GET"): "200 200 200 200 200 200 200 200 302",
    ("tasks:feeds", "POST"): "400 400 400 400 400 400 400 400 302",
    # The feed is reached by its secret alone, like a calendar app does.
    ("tasks:feed", "GET"): "200 200 200 200 200 200 200 200 200",
    ("tasks:feed", "POST"): NOT_ALLOWED,
}

API: dict[tuple[str, str], str] = {}

API_BODIES: dict[str, Any] = {}


def prepare(world: World) -> dict[str, Any]:
    cast = world.cast
    start = datetime.date.today() + datetime.timedelta(days=2)
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
    return {"task_id": task.pk, "feed_token": feed.token, "task_date": start.isoformat()}


def url(world: World, name: str) -> str | None:
    if name == "tasks:feed":
        return reverse(name, kwargs={"token": world.extra["feed_token"]})
    return None


def the_task(world: World) -> Task:
    return Task.objects.get(pk=world.extra["task_id"])
