"""Request and response schemas of the tasks API, and how tasks and occurrences become responses."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from typing import Annotated, Literal

from django.utils.translation import gettext
from ninja import Schema
from pydantic import Field, StringConstraints, field_validator

from carecircle.lib.repeat_rule import Rule
from carecircle.lib.schemas import BodyId, Day, InputSchema, NoNul, Trimmed, WallClockTime
from carecircle.tasks.models import Assignment, CalendarFeed, Category, Status, Task, VisitLog, VisitOutcome
from carecircle.tasks.schedule import TaskOccurrence
from carecircle.tasks.services import MAX_PEOPLE, TaskFields

Title = Annotated[str, Trimmed(120, min_length=1), NoNul]
LongText = Annotated[str, Trimmed(4000), NoNul]
ShortText = Annotated[str, Trimmed(300), NoNul]
DetailText = Annotated[str, Trimmed(500), NoNul]


class TaskIn(InputSchema):
    title: Title
    category: Category = Category.OTHER
    notes: LongText = ""
    details: dict[Annotated[str, StringConstraints(max_length=40)], DetailText] = Field(
        default_factory=dict, description="Fields for the category: destination, dietary_notes, place, whos_going…"
    )
    date: Day = Field(description="The (first) date, in the task's time zone.")
    start_time: WallClockTime | None = Field(default=None, description="Wall-clock start; null for all day.")
    duration_minutes: int = Field(default=60, ge=1, le=14 * 24 * 60, description="For all-day tasks, 1440 per day.")
    time_zone: Annotated[str, StringConstraints(max_length=64), NoNul] | None = Field(
        default=None, description="IANA time zone; yours when left out."
    )
    rule: Annotated[str, Trimmed(200), NoNul] = Field(
        default="", description='An RFC 5545 RRULE value like "FREQ=WEEKLY;BYDAY=SU"; empty for a one-off task.'
    )
    address: ShortText = ""
    people_needed: int = Field(default=1, ge=1, le=MAX_PEOPLE)
    private: bool = False

    @field_validator("rule")
    @classmethod
    def _rule_is_valid(cls, value: str) -> str:
        if value:
            Rule.parse(value)
        return value

    def task_fields(self, *, default_time_zone: str) -> TaskFields:
        return TaskFields(
            title=self.title,
            category=self.category,
            notes=self.notes,
            details=dict(self.details),
            start_date=self.date,
            start_time=self.start_time.replace(tzinfo=None) if self.start_time else None,
            duration_minutes=self.duration_minutes if self.start_time else max(1, self.duration_minutes // 1440) * 1440,
            time_zone=self.time_zone or default_time_zone,
            rule=Rule.parse(self.rule) if self.rule else None,
            address=self.address,
            people_needed=self.people_needed,
            private=self.private,
        )


class TaskCreateIn(TaskIn):
    client_id: uuid.UUID | None = Field(default=None, description="Send the same id when retrying: no duplicate.")


class TaskUpdateIn(TaskIn):
    scope: Literal["one", "following", "all"] = Field(
        default="all", description="Change only the occurrence on `on`, it and the following ones, or all."
    )
    on: Day | None = Field(default=None, description="The occurrence's original date, for one and following.")


class TaskOut(Schema):
    id: int
    circle_id: int
    title: str
    category: Category
    notes: str
    details: dict[str, str]
    date: datetime.date
    start_time: WallClockTime | None
    duration_minutes: int
    time_zone: str
    rule: str = Field(description="The repeat pattern as an RFC 5545 RRULE value; empty for a one-off task.")
    rule_summary: str = Field(description='The repeat pattern in words, like "Every other Sunday at 10:30".')
    address: str
    people_needed: int
    private: bool
    cancelled: bool
    continued_as: int | None = Field(description="After a change to this and following: the task that continues it.")


def task_out(task: Task) -> TaskOut:
    return TaskOut(
        id=task.pk,
        circle_id=task.circle_id,
        title=task.title,
        category=Category(task.category),
        notes=task.notes,
        details=task.details,
        date=task.start_date,
        start_time=task.start_time,
        duration_minutes=task.duration_minutes,
        time_zone=task.time_zone,
        rule=task.rule,
        rule_summary=task.rule_summary,
        address=task.address,
        people_needed=task.people_needed,
        private=task.private,
        cancelled=task.cancelled_at is not None,
        continued_as=task.continued_as_id,
    )


class GoingOut(Schema):
    user_id: int
    name: str


class CoveredOut(Schema):
    user_id: int
    name: str
    first_day: datetime.date = Field(description="The first day they covered, on the task's clock.")
    last_day: datetime.date = Field(description="The last day they covered (inclusive); the rest needed help again.")


class OccurrenceOut(Schema):
    task_id: int
    title: str
    on: datetime.date = Field(description="The occurrence's original date: send it back to volunteer, withdraw…")
    start: datetime.datetime | None = Field(description="UTC; null for all-day occurrences.")
    end: datetime.datetime | None
    start_date: datetime.date | None = Field(description="All-day occurrences only.")
    end_date: datetime.date | None = Field(description="All-day only; exclusive, like iCalendar.")
    moved: bool
    status: Status
    people_needed: int
    going: list[GoingOut]
    covered: list[CoveredOut] = Field(
        description="A stay someone gave up part way through: who covered which days before giving up the rest "
        "(those days stay theirs). Empty for anything else."
    )


def occurrence_out(item: TaskOccurrence, withdrawals: Sequence[Assignment] = ()) -> OccurrenceOut:
    """One occurrence; `withdrawals` are its given-up places (selectors.gave_up_part_way), for `covered`."""
    occurrence = item.occurrence
    covered = []
    for assignment in withdrawals:
        days = item.covered_days(assignment)
        if days is not None:
            covered.append(
                CoveredOut(
                    user_id=assignment.user_id, name=assignment.user.display_name, first_day=days[0], last_day=days[1]
                )
            )
    return OccurrenceOut(
        task_id=item.task.pk,
        title=item.task.title,
        on=item.original_date,
        start=occurrence.start_utc,
        end=occurrence.end_utc,
        start_date=occurrence.start_date,
        end_date=occurrence.end_date,
        moved=occurrence.is_override,
        status=item.status,
        people_needed=item.task.people_needed,
        going=[GoingOut(user_id=a.user_id, name=a.user.display_name) for a in item.going],
        covered=covered,
    )


class OnIn(InputSchema):
    on: Day = Field(description="The occurrence's original date.")


class WithdrawIn(OnIn):
    reason: ShortText = ""
    user_id: int | None = Field(default=None, ge=1, le=2**63 - 1, description="Organisers: take someone else off.")


class VolunteerIn(OnIn):
    user_id: int | None = Field(default=None, ge=1, le=2**63 - 1, description="Organisers: put someone else down.")


class DoneIn(OnIn):
    how_it_went: LongText = ""
    who_went: int | None = Field(
        default=None,
        ge=1,
        le=2**63 - 1,
        description="A member who went, put down for it; needed when nobody was. Done only from the day on.",
    )


class CancelIn(InputSchema):
    on: Day | None = Field(default=None, description="Cancel only this occurrence; leave out to cancel every one.")
    reason: ShortText = ""


class VisitLogIn(InputSchema):
    on: Day
    arrived_at: datetime.datetime
    left_at: datetime.datetime | None = None
    notes: LongText = ""
    outcome: VisitOutcome = VisitOutcome.ALL_OK
    client_id: uuid.UUID | None = None

    @field_validator("arrived_at", "left_at")
    @classmethod
    def _aware(cls, value: datetime.datetime | None) -> datetime.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError(gettext("Give the time with its offset, like 2026-03-10T10:30:00+00:00."))
        return value


class VisitLogOut(Schema):
    id: int
    task_id: int
    on: datetime.date
    author: str
    arrived_at: datetime.datetime
    left_at: datetime.datetime | None
    notes: str
    outcome: VisitOutcome


def visit_log_out(log: VisitLog) -> VisitLogOut:
    return VisitLogOut(
        id=log.pk,
        task_id=log.task_id,
        on=log.occurrence_date,
        author=log.author.display_name if log.author else "Someone",
        arrived_at=log.arrived_at,
        left_at=log.left_at,
        notes=log.notes,
        outcome=VisitOutcome(log.outcome),
    )


class FeedIn(InputSchema):
    circle_id: BodyId | None = Field(default=None, ge=1, le=2**63 - 1, description="Leave out for all your circles.")


class FeedOut(Schema):
    id: int
    circle_id: int | None
    url: str


def feed_out(feed: CalendarFeed, url: str) -> FeedOut:
    return FeedOut(id=feed.pk, circle_id=feed.circle_id, url=url)
