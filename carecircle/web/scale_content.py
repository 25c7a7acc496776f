"""A seeded circle's tasks, messages and record, for `carecircle seed-scale`.

Drawn from the circle's own generator in a fixed order, so the same number always gives the same
circle. Each part returns what happened (Actions), for the circle's live events and traffic.
"""

from __future__ import annotations

import datetime
import functools
import json
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from carecircle.accounts.models import DEFAULT_TIME_ZONE
from carecircle.circles.models import Role
from carecircle.conversations.models import ConversationKind, MessageKind
from carecircle.records.models import RecordVersion
from carecircle.tasks.models import Category, Task
from carecircle.tasks.schedule import occurrence_start, series_bounds, task_occurrences
from carecircle.web import scale_words as words
from carecircle.web.scale_use import Occurrence

if TYPE_CHECKING:
    from carecircle.web.scale_seed import Seeder

DAY = datetime.timedelta(days=1)
START_TIMES = tuple(
    datetime.time(hour, minute)
    for hour, minute in ((8, 30), (9, 0), (10, 0), (10, 30), (11, 0), (14, 0), (15, 30), (18, 0))
)
WEEKLY_SERIES, SERIES_COUNT, ONE_OFF_TASKS = 5, 12, 40
FAMILY_MESSAGES, UPDATES, SUPPORT_MESSAGES = 440, 20, 40
RECORD_SHAPE = {"about": 1, "emergency": 1, "conditions": 3, "allergies": 2, "medications": 8, "contacts": 7}
RECORD_ENTRIES = 50
FAMILY_WRITERS = (Role.PERSON, Role.ORGANISER, Role.HELPER)


@dataclass
class Member:
    user_id: int
    name: str
    role: str


@dataclass
class Action:
    """Something that happened in a circle: an audit row and, when recent, a live event."""

    when: datetime.datetime
    event: str
    data: dict[str, Any]


@functools.lru_cache(maxsize=100_000)
def task_plan(
    start_date: datetime.date, start_time: datetime.time | None, duration: int, rule: str
) -> tuple[datetime.datetime, datetime.datetime | None, list[tuple[datetime.date, datetime.datetime]]]:
    """A task's stored bounds and its occurrences (day, UTC start), computed as the services do.

    Circles share a few thousand patterns, so each is expanded once however many circles use it.
    """
    task = Task(start_date=start_date, start_time=start_time, duration_minutes=duration, rule=rule)
    task.time_zone = DEFAULT_TIME_ZONE
    first, last = series_bounds(task)
    found = task_occurrences(task, window_start=first - DAY, window_end=(last or first) + DAY)
    occurrences = [(occurrence.original_date, occurrence_start(occurrence, DEFAULT_TIME_ZONE)) for occurrence in found]
    return first, last, occurrences


class ContentSeeder:
    """Writes one circle's tasks, messages and record into the seeder's tables."""

    def __init__(self, seeder: Seeder) -> None:
        self.seeder = seeder

    def tasks(
        self, rng: random.Random, circle_id: int, members: list[Member], started: datetime.datetime
    ) -> list[Action]:
        actions: list[Action] = []
        organiser = members[0]
        goers = [member for member in members if member.role in (Role.HELPER, Role.ORGANISER, Role.PAID_CARER)]
        for index in range(WEEKLY_SERIES + ONE_OFF_TASKS):
            series = index < WEEKLY_SERIES
            category = rng.choice(list(Category))
            title = words.task_title(rng, category)
            start_date = self.seeder.today + datetime.timedelta(
                days=rng.randint(-120, 30) if series else rng.randint(-330, 45)
            )
            start_time = None if rng.random() < 0.2 else rng.choice(START_TIMES)
            duration = 1440 if start_time is None else rng.choice((30, 60, 90, 120))
            rule = f"FREQ=WEEKLY;COUNT={SERIES_COUNT}" if series else ""
            people_needed = rng.choice((1, 1, 1, 2))
            first, last, occurrences = task_plan(start_date, start_time, duration, rule)
            created = min(max(started, first - datetime.timedelta(days=rng.randint(1, 21))), self.seeder.now)
            task_id = self.seeder.take("tasks")
            self.seeder.tables["tasks"].add(
                task_id,
                circle_id,
                title,
                category,
                start_date,
                start_time,
                duration,
                DEFAULT_TIME_ZONE,
                rule,
                first,
                last,
                people_needed,
                organiser.user_id,
                created,
                created,
            )
            details = {"task": task_id, "title": title}
            self.seeder.audit(circle_id, organiser, "tasks.created", created, **details)
            actions.append(Action(created, "task.changed", {"task": task_id}))
            for day, start in occurrences:
                dated = {**details, "date": day.isoformat()}
                going: Member | None = None
                assignment: tuple[int, datetime.datetime] | None = None
                if start > self.seeder.now:
                    if rng.random() < 0.5:
                        going = goer = rng.choice(goers)
                        when = min(self.seeder.now, max(created, start - datetime.timedelta(days=rng.randint(1, 7))))
                        assignment = (self.assign(circle_id, task_id, day, goer, when, actions, dated), when)
                elif series and rng.random() < 0.1:
                    self.seeder.tables["changes"].add(self.seeder.take("changes"), task_id, day, True, None, None)
                    self.seeder.audit(circle_id, organiser, "tasks.occurrence_cancelled", start, **dated)
                    actions.append(Action(start, "task.changed", {"task": task_id}))
                elif rng.random() < 0.7:
                    goer = rng.choice(goers)
                    when = max(created, start - datetime.timedelta(days=2))
                    assignment = (self.assign(circle_id, task_id, day, goer, when, actions, dated), when)
                    done = min(self.seeder.now, start + datetime.timedelta(minutes=duration))
                    self.seeder.tables["changes"].add(
                        self.seeder.take("changes"), task_id, day, False, done, goer.user_id
                    )
                    self.seeder.audit(circle_id, goer, "tasks.done", done, **dated)
                    actions.append(Action(done, "task.changed", {"task": task_id}))
                    going = goer
                if day >= self.seeder.use.first_day:
                    self.seeder.occurrences.append(Occurrence(task_id, title, day, start, going, assignment))
        return actions

    def assign(
        self,
        circle_id: int,
        task_id: int,
        day: datetime.date,
        goer: Member,
        when: datetime.datetime,
        actions: list[Action],
        dated: dict[str, Any],
    ) -> int:
        assignment_id = self.seeder.take("assignments")
        self.seeder.tables["assignments"].add(assignment_id, task_id, day, goer.user_id, 1, goer.user_id, when)
        self.seeder.audit(circle_id, goer, "tasks.volunteered", when, **dated)
        actions.append(Action(when, "task.changed", {"task": task_id}))
        return assignment_id

    def messages(
        self, rng: random.Random, circle_id: int, members: list[Member], started: datetime.datetime
    ) -> list[Action]:
        family_id, news_id = self.seeder.take("conversations"), self.seeder.take("conversations")
        self.seeder.tables["conversations"].add(family_id, circle_id, ConversationKind.CIRCLE, started)
        self.seeder.tables["conversations"].add(news_id, circle_id, ConversationKind.NEWS, started)
        self.seeder.family_id = family_id
        writers = [member for member in members if member.role in FAMILY_WRITERS]
        supporters = [member for member in members if member.role == Role.WELL_WISHER] or writers
        span = (self.seeder.now - started).total_seconds()
        planned = [(family_id, MessageKind.MESSAGE, rng.choice(writers)) for _ in range(FAMILY_MESSAGES)]
        planned += [(news_id, MessageKind.UPDATE, members[0]) for _ in range(UPDATES)]
        planned += [(news_id, MessageKind.SUPPORT, rng.choice(supporters)) for _ in range(SUPPORT_MESSAGES)]
        times = sorted(started + datetime.timedelta(seconds=rng.uniform(0, span)) for _ in planned)
        rng.shuffle(planned)
        actions: list[Action] = []
        last_in_family: list[int] = []
        for when, (conversation_id, kind, author) in zip(times, planned, strict=True):
            # Ids follow time within a circle, as the circle's row lock makes them do (conversations/services.py).
            message_id = self.seeder.take("messages")
            body = rng.choice(words.MESSAGES)
            title = words.update_title(rng) if kind == MessageKind.UPDATE else ""
            self.seeder.tables["messages"].add(
                message_id, circle_id, conversation_id, kind, author.user_id, title, body, self.seeder.html[body], when
            )
            if kind == MessageKind.UPDATE:
                self.seeder.audit(circle_id, author, "update.posted", when, message=message_id, title=title, photos=0)
            if conversation_id == family_id:
                last_in_family.append(message_id)
            actions.append(Action(when, "message.posted", {"conversation": conversation_id, "message": message_id}))
        for member in members:
            if member.role in FAMILY_WRITERS:
                seen = last_in_family[-1 - rng.randint(0, 5)]
                self.seeder.tables["read_markers"].add(
                    self.seeder.take("read_markers"), family_id, member.user_id, seen, self.seeder.now
                )
        return actions

    def record(
        self, rng: random.Random, circle_id: int, members: list[Member], started: datetime.datetime
    ) -> list[Action]:
        owners = [member for member in members if member.role in (Role.ORGANISER, Role.PERSON)]
        writers = owners + [member for member in members if member.role in (Role.HELPER, Role.PAID_CARER)]
        shape = dict(RECORD_SHAPE, notes=RECORD_ENTRIES - sum(RECORD_SHAPE.values()))
        span = (self.seeder.now - started).total_seconds()
        actions: list[Action] = []
        for section, count in shape.items():
            for _ in range(count):
                author = rng.choice(owners if section in ("about", "emergency") else writers)
                when = started + datetime.timedelta(seconds=rng.uniform(0, span))
                data, title = words.record_values(rng, section)
                entry_id = self.seeder.take("record_entries")
                text = json.dumps(data)
                self.seeder.tables["record_entries"].add(
                    entry_id,
                    circle_id,
                    section,
                    text,
                    "everyone",
                    author.user_id,
                    when,
                    author.user_id,
                    author.name,
                    when,
                )
                self.seeder.tables["record_versions"].add(
                    self.seeder.take("record_versions"),
                    entry_id,
                    1,
                    RecordVersion.Change.CREATED,
                    text,
                    "everyone",
                    author.user_id,
                    author.name,
                    when,
                )
                details = {"section": section, "entry": entry_id, "title": title}
                self.seeder.audit(circle_id, author, "record.entry_created", when, **details)
                actions.append(Action(when, "record.changed", {"entry": entry_id, "section": section}))
        return actions
