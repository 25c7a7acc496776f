"""The tasks API: tasks, occurrences in a date range, volunteering, visit logs and calendar feeds.

Every operation fetches through tasks/access.py (outsiders 404, members without the capability
403) and writes through tasks/services.py or tasks/rota_services.py. A rule the services refuse
is a 400 when the request itself is wrong and a 409 when the state of the task is in the way.
"""

from __future__ import annotations

import datetime
from typing import Annotated

from django.conf import settings
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.params.functions import Path, Query

from carecircle.accounts.api_auth import viewer
from carecircle.accounts.models import User
from carecircle.circles.access import access_circle
from carecircle.lib.schemas import MAX_ID, CircleId, Day, responses
from carecircle.tasks import feed_services, rota_services, services
from carecircle.tasks.access import access_task
from carecircle.tasks.api_schemas import (
    CancelIn,
    DoneIn,
    FeedIn,
    FeedOut,
    OccurrenceOut,
    TaskCreateIn,
    TaskOut,
    TaskUpdateIn,
    VisitLogIn,
    VisitLogOut,
    VolunteerIn,
    WithdrawIn,
    feed_out,
    occurrence_out,
    task_out,
    visit_log_out,
)
from carecircle.tasks.models import CalendarFeed, Task, VisitLog
from carecircle.tasks.selectors import (
    calendar_feeds_for,
    gave_up_part_way,
    occurrence_detail,
    occurrences_for,
    visit_logs_for,
)

router = Router(tags=["Tasks"])

TaskId = Annotated[int, Path(ge=1, le=MAX_ID, description="The task's id.")]
FeedId = Annotated[int, Path(ge=1, le=MAX_ID, description="The calendar feed's id.")]
MAX_RANGE_DAYS = 92
DEFAULT_RANGE_DAYS = 28


def _window(start: datetime.date | None, end: datetime.date | None) -> tuple[datetime.datetime, datetime.datetime]:
    start = start or datetime.datetime.now(datetime.UTC).date()
    end = end or start + datetime.timedelta(days=DEFAULT_RANGE_DAYS)
    if end <= start:
        raise HttpError(400, gettext("The end date must be after the start date."))
    if (end - start).days > MAX_RANGE_DAYS:
        raise HttpError(
            400,
            ngettext(
                "Ask for at most %(count)s day at a time.", "Ask for at most %(count)s days at a time.", MAX_RANGE_DAYS
            )
            % {"count": MAX_RANGE_DAYS},
        )
    return (
        datetime.datetime.combine(start, datetime.time(), tzinfo=datetime.UTC),
        datetime.datetime.combine(end, datetime.time(), tzinfo=datetime.UTC),
    )


StartDay = Annotated[
    Day | None,
    Query(description="First day (UTC midnight), like 2026-03-01; today if left out."),
]
EndDay = Annotated[
    Day | None,
    Query(description=f"Day after the last (exclusive); at most {MAX_RANGE_DAYS} days on; 28 if left out."),
]


@router.get(
    "/circles/{circle_id}/occurrences",
    operation_id="occurrence_list",
    summary="Occurrences of a circle's tasks in a date range",
    response=responses({200: list[OccurrenceOut]}, 400, 403, 404, 422),
)
def occurrence_list(
    request: HttpRequest, circle_id: CircleId, start: StartDay = None, end: EndDay = None
) -> list[OccurrenceOut]:
    """Repeating tasks are expanded; cancelled occurrences are left out. Times are UTC."""
    access = access_circle(user=viewer(request), circle_id=circle_id, capability="tasks.view")
    window_start, window_end = _window(start, end)
    items = occurrences_for(accesses=[access], window_start=window_start, window_end=window_end)
    gave_up = gave_up_part_way(items, now=timezone.now())
    return [occurrence_out(item, gave_up.get((item.task.pk, item.original_date), [])) for item in items]


@router.post(
    "/circles/{circle_id}/tasks",
    operation_id="task_create",
    summary="Add a task",
    response=responses({200: TaskOut, 201: TaskOut}, 400, 403, 404, 422),
)
def task_create(request: HttpRequest, circle_id: CircleId, payload: TaskCreateIn) -> Status[TaskOut]:
    """A retry with the same client_id returns the same task (200)."""
    actor = viewer(request)
    access = access_circle(user=actor, circle_id=circle_id, capability="tasks.manage")
    replay = (
        payload.client_id is not None and Task.objects.filter(created_by=actor, client_id=payload.client_id).exists()
    )
    task = services.task_create(
        actor=actor,
        circle=access.circle,
        fields=payload.task_fields(default_time_zone=actor.time_zone),
        client_id=payload.client_id,
    )
    return Status(200 if replay else 201, task_out(task))


@router.get(
    "/circles/{circle_id}/tasks/{task_id}",
    operation_id="task_get",
    summary="A task",
    response=responses({200: TaskOut}, 403, 404, 422),
)
def task_get(request: HttpRequest, circle_id: CircleId, task_id: TaskId) -> TaskOut:
    _, task = access_task(user=viewer(request), circle_id=circle_id, task_id=task_id)
    return task_out(task)


@router.put(
    "/circles/{circle_id}/tasks/{task_id}",
    operation_id="task_update",
    summary="Change a task: this one, this and following, or all",
    response=responses({200: TaskOut}, 400, 403, 404, 409, 422),
)
def task_update(request: HttpRequest, circle_id: CircleId, task_id: TaskId, payload: TaskUpdateIn) -> TaskOut:
    """Send the whole task. With scope "following" the answer is the new task that continues the series."""
    actor = viewer(request)
    _, task = access_task(user=actor, circle_id=circle_id, task_id=task_id, capability="tasks.manage")
    result = services.task_update(
        actor=actor,
        task=task,
        fields=payload.task_fields(default_time_zone=task.time_zone),
        scope=payload.scope,
        occurrence_date=payload.on,
    )
    return task_out(result)


@router.post(
    "/circles/{circle_id}/tasks/{task_id}/cancel",
    operation_id="task_cancel",
    summary="Cancel a task, or one occurrence of it",
    response=responses({200: TaskOut}, 400, 403, 404, 409, 422),
)
def task_cancel(request: HttpRequest, circle_id: CircleId, task_id: TaskId, payload: CancelIn) -> TaskOut:
    actor = viewer(request)
    _, task = access_task(user=actor, circle_id=circle_id, task_id=task_id, capability="tasks.manage")
    if payload.on is None:
        task = services.task_cancel(actor=actor, task=task, reason=payload.reason)
    else:
        task = services.occurrence_cancel(actor=actor, task=task, occurrence_date=payload.on, reason=payload.reason)
    return task_out(task)


def _member(circle_id: int, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    person = User.objects.filter(pk=user_id, memberships__circle_id=circle_id).first()
    if person is None:
        raise HttpError(400, gettext("That person isn't in this circle. Choose a member."))
    return person


def _occurrence(task: Task, on: datetime.date) -> OccurrenceOut:
    item = occurrence_detail(task, on)
    if item is None:
        raise Http404(gettext("No such occurrence."))
    gave_up = gave_up_part_way([item], now=timezone.now())
    return occurrence_out(item, gave_up.get((task.pk, on), []))


@router.post(
    "/circles/{circle_id}/tasks/{task_id}/volunteer",
    operation_id="task_volunteer",
    summary="Say you'll do one occurrence (organisers: put someone down for it)",
    response=responses({200: OccurrenceOut}, 400, 403, 404, 409, 422),
)
def task_volunteer(request: HttpRequest, circle_id: CircleId, task_id: TaskId, payload: VolunteerIn) -> OccurrenceOut:
    """409 when the last place was just taken, the occurrence was cancelled or is done."""
    actor = viewer(request)
    access, task = access_task(user=actor, circle_id=circle_id, task_id=task_id, capability="tasks.volunteer")
    if payload.user_id is not None and payload.user_id != actor.pk:
        access.require("tasks.manage")
    person = _member(circle_id, payload.user_id)
    services.task_volunteer(actor=actor, task=task, occurrence_date=payload.on, user=person)
    return _occurrence(task, payload.on)


@router.post(
    "/circles/{circle_id}/tasks/{task_id}/withdraw",
    operation_id="task_withdraw",
    summary="Say you can't do one occurrence any more",
    response=responses({200: OccurrenceOut}, 400, 403, 404, 409, 422),
)
def task_withdraw(request: HttpRequest, circle_id: CircleId, task_id: TaskId, payload: WithdrawIn) -> OccurrenceOut:
    actor = viewer(request)
    access, task = access_task(user=actor, circle_id=circle_id, task_id=task_id)
    if payload.user_id is not None and payload.user_id != actor.pk:
        access.require("tasks.manage")
    person = _member(circle_id, payload.user_id)
    services.task_withdraw(actor=actor, task=task, occurrence_date=payload.on, user=person, reason=payload.reason)
    return _occurrence(task, payload.on)


@router.post(
    "/circles/{circle_id}/tasks/{task_id}/done",
    operation_id="task_done",
    summary="Mark one occurrence done, with how it went",
    response=responses({200: OccurrenceOut}, 400, 403, 404, 409, 422),
)
def task_done(request: HttpRequest, circle_id: CircleId, task_id: TaskId, payload: DoneIn) -> OccurrenceOut:
    """Those going and organisers may mark it done."""
    actor = viewer(request)
    access, task = access_task(user=actor, circle_id=circle_id, task_id=task_id)
    item = occurrence_detail(task, payload.on)
    if item is None:
        raise Http404(gettext("No such occurrence."))
    if not access.can("tasks.manage") and actor.pk not in item.going_ids():
        raise HttpError(403, gettext("Only someone going, or an organiser, can mark this done."))
    who_went = _member(circle_id, payload.who_went)
    if who_went is not None and who_went.pk != actor.pk and not access.can("tasks.manage"):
        raise HttpError(403, gettext("Only an organiser can say someone else went."))
    services.occurrence_done(
        actor=actor, task=task, occurrence_date=payload.on, how_it_went=payload.how_it_went, who_went=who_went
    )
    return _occurrence(task, payload.on)


@router.get(
    "/circles/{circle_id}/visits",
    operation_id="visit_log_list",
    summary="Visit logs of a circle in a date range",
    response=responses({200: list[VisitLogOut]}, 400, 403, 404, 422),
)
def visit_log_list(
    request: HttpRequest, circle_id: CircleId, start: StartDay = None, end: EndDay = None
) -> list[VisitLogOut]:
    access = access_circle(user=viewer(request), circle_id=circle_id, capability="tasks.view")
    window_start, window_end = _window(start, end)
    return [visit_log_out(log) for log in visit_logs_for(circle=access.circle, start=window_start, end=window_end)]


@router.post(
    "/circles/{circle_id}/tasks/{task_id}/visits",
    operation_id="visit_log_create",
    summary="Log a visit: arrived, left, notes, all OK or a concern",
    response=responses({200: VisitLogOut, 201: VisitLogOut}, 400, 403, 404, 422),
)
def visit_log_create(
    request: HttpRequest, circle_id: CircleId, task_id: TaskId, payload: VisitLogIn
) -> Status[VisitLogOut]:
    """A concern emails the organisers at once. A retry with the same client_id returns the same log (200)."""
    actor = viewer(request)
    _, task = access_task(user=actor, circle_id=circle_id, task_id=task_id, capability="tasks.volunteer")
    replay = (
        payload.client_id is not None and VisitLog.objects.filter(author=actor, client_id=payload.client_id).exists()
    )
    log = rota_services.visit_log_create(
        actor=actor,
        task=task,
        occurrence_date=payload.on,
        arrived_at=payload.arrived_at,
        left_at=payload.left_at,
        notes=payload.notes,
        outcome=payload.outcome,
        client_id=payload.client_id,
    )
    return Status(200 if replay else 201, visit_log_out(log))


def _feed_url(feed: CalendarFeed) -> str:
    return settings.SITE_URL + reverse("tasks:feed", kwargs={"token": feed.token})


@router.get(
    "/calendar-feeds",
    operation_id="calendar_feed_list",
    summary="Your private calendar addresses",
    response=responses({200: list[FeedOut]}),
)
def calendar_feed_list(request: HttpRequest) -> list[FeedOut]:
    return [feed_out(feed, _feed_url(feed)) for feed in calendar_feeds_for(user=viewer(request))]


@router.post(
    "/calendar-feeds",
    operation_id="calendar_feed_renew",
    summary="Make (or replace) a private calendar address for one circle or all",
    response=responses({201: FeedOut}, 400, 403, 404, 422),
)
def calendar_feed_renew(request: HttpRequest, payload: FeedIn) -> Status[FeedOut]:
    """A new secret every time: any earlier address for the same circle stops working."""
    actor = viewer(request)
    circle = None
    if payload.circle_id is not None:
        circle = access_circle(user=actor, circle_id=payload.circle_id, capability="tasks.view").circle
    feed = feed_services.calendar_feed_renew(actor=actor, circle=circle)
    return Status(201, feed_out(feed, _feed_url(feed)))


@router.delete(
    "/calendar-feeds/{feed_id}",
    operation_id="calendar_feed_revoke",
    summary="Stop a private calendar address",
    response=responses({204: None}, 404, 422),
)
def calendar_feed_revoke(request: HttpRequest, feed_id: FeedId) -> Status[None]:
    actor = viewer(request)
    feed = CalendarFeed.objects.select_related("circle").filter(pk=feed_id, user=actor).first()
    if feed is None:
        raise Http404(gettext("No such calendar feed."))
    feed_services.calendar_feed_revoke(actor=actor, circle=feed.circle)
    return Status(204, None)
