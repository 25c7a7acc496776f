"""`carecircle seed-scale`: many realistic circles, written in bulk, for benchmarks at scale.

Every circle has the same shape whatever the scale (about 10 members, 100 task occurrences, 500
messages, 50 record entries, a year of history); the scale only sets how many circles there are
(10,000 at 1.0). A circle's content comes from a random generator seeded with its number, so
circle 1 is the same in a small database and a big one and a bench compares like with like.

Rows go in with COPY (PostgreSQL) rather than through the services, but keep what the services
keep: one membership per person and circle, one person per circle, roles and consent as
circle_create sets them, family posts only by roles that may write there, an assignment for
every occurrence marked done, a first version for every record entry, an audit row for each
audited action, and a gapless per-circle event sequence. Events older than
RETENTION_EVENTS_DAYS are left out, as the daily pruning would have removed them; the circle's
sequence still counts them (docs/architecture/data-at-scale.md).

The tables that only grow are seeded as the daily pruning leaves them, so a bench can make a
backlog by moving "now" on: for each action of the last RETENTION_DELIVERIES_DAYS, in-app
notifications to two members and an email to one of them (a sent delivery, and a finished
background task when within RETENTION_TASK_RESULTS_DAYS); for each person, one signed-in browser
seen within the session lifetime (its Django session and its "where you're signed in" row); a few
texted codes per circle; and a professional's weekly look at the record (the access log). Asks,
invitations, share links and texts and emails received are written by scale_use.py.
"""

from __future__ import annotations

import datetime
import functools
import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from carecircle.accounts.models import DEFAULT_TIME_ZONE, SignedInSession, TextCode, TextCodePurpose, User
from carecircle.audit.models import AuditEntry
from carecircle.circles.models import Circle, Membership, Role
from carecircle.circles.permissions import default_consent
from carecircle.conversations import formatting
from carecircle.conversations.models import Conversation, ConversationKind, Message, MessageKind, ReadMarker
from carecircle.notifications.models import Channel, Delivery, DeliveryStatus, Notification
from carecircle.realtime.models import CircleEvent
from carecircle.records.models import RecordEntry, RecordVersion, RecordView
from carecircle.tasks.models import Assignment, Category, OccurrenceChange, Task
from carecircle.tasks.schedule import occurrence_start, series_bounds, task_occurrences
from carecircle.web import scale_words as words
from carecircle.web.bulk_rows import Table, loading, next_id, sequences_reset
from carecircle.web.scale_use import Occurrence, UseSeeder, use_tables

CIRCLES_AT_FULL_SCALE = 10_000
# SQLite writes one row at a time under one lock: past this many circles use PostgreSQL.
SQLITE_MAX_CIRCLES = 200
CIRCLES_PER_BATCH = 100
HISTORY = datetime.timedelta(days=365)
DAY = datetime.timedelta(days=1)
MEMBERS = (4, 16)
START_TIMES = tuple(
    datetime.time(hour, minute)
    for hour, minute in ((8, 30), (9, 0), (10, 0), (10, 30), (11, 0), (14, 0), (15, 30), (18, 0))
)
WEEKLY_SERIES, SERIES_COUNT, ONE_OFF_TASKS = 5, 12, 40
FAMILY_MESSAGES, UPDATES, SUPPORT_MESSAGES = 440, 20, 40
RECORD_SHAPE = {"about": 1, "emergency": 1, "conditions": 3, "allergies": 2, "medications": 8, "contacts": 7}
RECORD_ENTRIES = 50
FAMILY_WRITERS = (Role.PERSON, Role.ORGANISER, Role.HELPER)
OTHER_ROLES = (Role.HELPER, Role.HELPER, Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL, Role.WELL_WISHER)
ZONE = ZoneInfo(DEFAULT_TIME_ZONE)
# Of each action in the deliveries' period: members told in the app, and of those, told by email too.
NOTIFIED, EMAILED = 2, 1
TEXT_CODES = 3
SEED_PASSWORD = "!seed-scale: no password, sign in another way"  # "!" marks an unusable password


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


class SeedRefused(Exception):
    """The database is not one seed-scale may fill."""


@dataclass
class SeedResult:
    circles: int
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)


def circles_for(scale: float) -> int:
    return max(2, round(CIRCLES_AT_FULL_SCALE * scale))


def seed_check(*, circles: int) -> None:
    """Refuse a database that already has people or circles, or SQLite past a small scale."""
    if connection.vendor == "sqlite" and circles > SQLITE_MAX_CIRCLES:
        raise SeedRefused(
            f"{circles:,} circles is too many for SQLite (at most {SQLITE_MAX_CIRCLES}, a scale of "
            f"{SQLITE_MAX_CIRCLES / CIRCLES_AT_FULL_SCALE:g}). Point DATABASE_URL at PostgreSQL, or choose a "
            "smaller --scale."
        )
    if Circle.objects.exists() or User.objects.exists():
        raise SeedRefused(
            f"This database already has {User.objects.count():,} accounts and {Circle.objects.count():,} circles. "
            "seed-scale only fills an empty database: create a new one, run `carecircle migrate` on it and seed that."
        )


def seed_scale(
    *, circles: int, now: datetime.datetime | None = None, progress: Callable[[str], None] | None = None
) -> SeedResult:
    """Write `circles` circles with their people, tasks, messages, record, audit rows and recent events."""
    seed_check(circles=circles)
    seeder = Seeder(now=now or timezone.now())
    started = time.monotonic()
    say = progress or (lambda text: None)
    with loading(seeder.models, progress):
        for first in range(1, circles + 1, CIRCLES_PER_BATCH):
            last = min(circles, first + CIRCLES_PER_BATCH - 1)
            with transaction.atomic():
                for number in range(first, last + 1):
                    seeder.circle(number)
                seeder.flush()
            elapsed = time.monotonic() - started
            say(
                f"{last:,}/{circles:,} circles, {seeder.counts.get('messages', 0):,} messages, "
                f"{elapsed:.0f} s (about {elapsed / last * (circles - last):.0f} s to go before the indexes)"
            )
        say(f"Loaded {circles:,} circles in {time.monotonic() - started:.0f} s.")
    finishing = time.monotonic()
    sequences_reset(list(seeder.models))
    if connection.vendor == "postgresql":
        say("Analysing the database for the query planner…")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    say(f"Sequences moved and statistics gathered in {time.monotonic() - finishing:.0f} s.")
    return SeedResult(circles=circles, seconds=time.monotonic() - started, rows=dict(seeder.counts))


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


class Seeder:
    def __init__(self, *, now: datetime.datetime) -> None:
        self.now = now
        self.today = timezone.localdate(now, ZONE)
        self.events_from = now - datetime.timedelta(days=settings.RETENTION_EVENTS_DAYS or 100_000)
        self.tables: dict[str, Table] = {
            "users": Table(User, ["id", "email", "display_name", "password", "date_joined", "email_verified_at"]),
            "circles": Table(Circle, ["id", "person_name", "consent", "event_seq", "created_by_id", "created_at"]),
            "memberships": Table(Membership, ["id", "circle_id", "user_id", "role", "relationship", "joined_at"]),
            "conversations": Table(Conversation, ["id", "circle_id", "kind", "created_at"]),
            "tasks": Table(
                Task,
                [
                    "id",
                    "circle_id",
                    "title",
                    "category",
                    "start_date",
                    "start_time",
                    "duration_minutes",
                    "time_zone",
                    "rule",
                    "first_start_utc",
                    "last_end_utc",
                    "people_needed",
                    "created_by_id",
                    "created_at",
                    "updated_at",
                ],
            ),
            "changes": Table(
                OccurrenceChange, ["id", "task_id", "original_date", "cancelled", "done_at", "done_by_id"]
            ),
            "assignments": Table(
                Assignment, ["id", "task_id", "occurrence_date", "user_id", "slot", "assigned_by_id", "created_at"]
            ),
            "messages": Table(
                Message,
                ["id", "circle_id", "conversation_id", "kind", "author_id", "title", "body", "body_html", "created_at"],
            ),
            "read_markers": Table(ReadMarker, ["id", "conversation_id", "user_id", "last_read_id", "updated_at"]),
            "record_entries": Table(
                RecordEntry,
                [
                    "id",
                    "circle_id",
                    "section",
                    "data",
                    "audience",
                    "created_by_id",
                    "created_at",
                    "updated_by_id",
                    "updated_by_name",
                    "updated_at",
                ],
            ),
            "record_versions": Table(
                RecordVersion,
                ["id", "entry_id", "number", "change", "data", "audience", "author_id", "author_name", "created_at"],
            ),
            "audit": Table(
                AuditEntry,
                [
                    "id",
                    "circle_id",
                    "actor_id",
                    "actor_name",
                    "action",
                    "subject_user_id",
                    "subject_name",
                    "data",
                    "created_at",
                ],
            ),
            "events": Table(CircleEvent, ["id", "circle_id", "seq", "type", "data", "created_at"]),
            "notifications": Table(
                Notification, ["id", "recipient_id", "circle_id", "category", "title", "url", "key", "created_at"]
            ),
            "deliveries": Table(
                Delivery,
                [
                    "id",
                    "channel",
                    "to",
                    "recipient_id",
                    "category",
                    "subject",
                    "body",
                    "idempotency_key",
                    "status",
                    "attempts",
                    "created_at",
                    "sent_at",
                ],
            ),
            "task_results": Table(
                DBTaskResult,
                [
                    "id",
                    "status",
                    "enqueued_at",
                    "started_at",
                    "finished_at",
                    "args_kwargs",
                    "task_path",
                    "queue_name",
                    "backend_name",
                    "run_after",
                    "exception_class_path",
                    "traceback",
                ],
            ),
            "sessions": Table(Session, ["session_key", "session_data", "expire_date"]),
            "signed_in": Table(
                SignedInSession, ["id", "user_id", "session_key", "user_agent", "created_at", "last_seen_at"]
            ),
            "text_codes": Table(
                TextCode, ["id", "phone", "purpose", "user_id", "code_hash", "created_at", "expires_at", "used_at"]
            ),
            "record_views": Table(
                RecordView, ["id", "circle_id", "viewer_id", "viewer_name", "viewer_kind", "what", "created_at"]
            ),
            **use_tables(),
        }
        self.models = list(dict.fromkeys(table.model for table in self.tables.values()))
        # Sessions and background tasks have string and UUID keys, made up per row instead.
        self.ids = {
            name: next_id(table.model)
            for name, table in self.tables.items()
            if table.model not in (Session, DBTaskResult)
        }
        self.deliveries_from = now - datetime.timedelta(days=settings.RETENTION_DELIVERIES_DAYS or 100_000)
        self.task_results_from = now - datetime.timedelta(days=settings.RETENTION_TASK_RESULTS_DAYS or 100_000)
        self.session_age = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
        self.session_days = min(settings.RETENTION_SESSIONS_DAYS or 100_000, self.session_age.days)
        self.counts: dict[str, int] = {}
        self.consent = json.dumps(default_consent())
        self.html = {body: formatting.render(body)[0] for body in words.MESSAGES}
        self.previous_organiser: Member | None = None
        # The circle being written: its occurrences from the deliveries' period on, and its family conversation.
        self.occurrences: list[Occurrence] = []
        self.family_id = 0
        self.use = UseSeeder(self)

    def take(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def flush(self) -> None:
        for name, table in self.tables.items():
            self.counts[name] = self.counts.get(name, 0) + table.flush()

    def audit(self, circle_id: int, actor: Member, action: str, when: datetime.datetime, **data: Any) -> None:
        subject: Member | None = data.pop("subject", None)
        subject_name: str = data.pop("subject_name", subject.name if subject else "")
        self.tables["audit"].add(
            self.take("audit"),
            circle_id,
            actor.user_id,
            actor.name,
            action,
            subject.user_id if subject else None,
            subject_name,
            json.dumps(data),
            when,
        )

    def circle(self, number: int) -> None:
        # Seeded, not secret: the same number always gives the same circle.
        rng = random.Random(number)  # noqa: S311
        circle_id = self.take("circles")
        started = self.now - HISTORY + datetime.timedelta(hours=rng.uniform(0, 120))
        members = self.members(rng, circle_id, started)
        actions = [Action(started, "circle.created", {})]
        organiser = members[0]
        self.audit(circle_id, organiser, "circle.created", started, person_name=words.person_name(rng))
        for member in members[1:]:
            self.audit(circle_id, organiser, "member.added", started, subject=member, role=member.role)
        actions += self.tasks(rng, circle_id, members, started)
        actions += self.messages(rng, circle_id, members, started)
        actions += self.record(rng, circle_id, members, started)
        actions.sort(key=lambda action: action.when)
        for seq, action in enumerate(actions, start=1):
            if action.when >= self.events_from:
                data = json.dumps(action.data)
                self.tables["events"].add(self.take("events"), circle_id, seq, action.event, data, action.when)
        self.traffic(rng, circle_id, number, members, actions)
        self.use.circle(number, circle_id, members, started, self.occurrences, self.family_id)
        self.occurrences = []
        person_name = words.person_name(random.Random(-number))  # noqa: S311
        self.tables["circles"].add(circle_id, person_name, self.consent, len(actions), organiser.user_id, started)

    def members(self, rng: random.Random, circle_id: int, started: datetime.datetime) -> list[Member]:
        size = rng.randint(*MEMBERS)
        roles = [Role.ORGANISER] + [rng.choice(OTHER_ROLES) for _ in range(size - 1)]
        if rng.random() < 0.3:
            roles[1] = Role.PERSON
        members = []
        for role in roles:
            user_id = self.take("users")
            name = words.full_name(rng)
            self.tables["users"].add(user_id, f"seed{user_id}@example.org", name, SEED_PASSWORD, started, started)
            members.append(Member(user_id, name, role))
        if self.previous_organiser is not None:
            # A brother who organises his own mother's circle helps in a neighbour's: people span circles.
            members.append(Member(self.previous_organiser.user_id, self.previous_organiser.name, Role.HELPER))
        self.previous_organiser = members[0]
        for index, member in enumerate(members):
            joined = started + datetime.timedelta(days=0 if index == 0 else rng.uniform(0, 20))
            relationship = words.relationship(rng, member.role)
            self.tables["memberships"].add(
                self.take("memberships"), circle_id, member.user_id, member.role, relationship, joined
            )
        return members

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
            start_date = self.today + datetime.timedelta(
                days=rng.randint(-120, 30) if series else rng.randint(-330, 45)
            )
            start_time = None if rng.random() < 0.2 else rng.choice(START_TIMES)
            duration = 1440 if start_time is None else rng.choice((30, 60, 90, 120))
            rule = f"FREQ=WEEKLY;COUNT={SERIES_COUNT}" if series else ""
            people_needed = rng.choice((1, 1, 1, 2))
            first, last, occurrences = task_plan(start_date, start_time, duration, rule)
            created = min(max(started, first - datetime.timedelta(days=rng.randint(1, 21))), self.now)
            task_id = self.take("tasks")
            self.tables["tasks"].add(
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
            self.audit(circle_id, organiser, "tasks.created", created, **details)
            actions.append(Action(created, "task.changed", {"task": task_id}))
            for day, start in occurrences:
                dated = {**details, "date": day.isoformat()}
                going: Member | None = None
                if start > self.now:
                    if rng.random() < 0.5:
                        going = goer = rng.choice(goers)
                        when = min(self.now, max(created, start - datetime.timedelta(days=rng.randint(1, 7))))
                        self.assign(circle_id, task_id, day, goer, when, actions, dated)
                elif series and rng.random() < 0.1:
                    self.tables["changes"].add(self.take("changes"), task_id, day, True, None, None)
                    self.audit(circle_id, organiser, "tasks.occurrence_cancelled", start, **dated)
                    actions.append(Action(start, "task.changed", {"task": task_id}))
                elif rng.random() < 0.7:
                    goer = rng.choice(goers)
                    self.assign(
                        circle_id, task_id, day, goer, max(created, start - datetime.timedelta(days=2)), actions, dated
                    )
                    done = min(self.now, start + datetime.timedelta(minutes=duration))
                    self.tables["changes"].add(self.take("changes"), task_id, day, False, done, goer.user_id)
                    self.audit(circle_id, goer, "tasks.done", done, **dated)
                    actions.append(Action(done, "task.changed", {"task": task_id}))
                    going = goer
                if day >= self.use.first_day:
                    self.occurrences.append(Occurrence(task_id, title, day, start, going))
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
    ) -> None:
        self.tables["assignments"].add(self.take("assignments"), task_id, day, goer.user_id, 1, goer.user_id, when)
        self.audit(circle_id, goer, "tasks.volunteered", when, **dated)
        actions.append(Action(when, "task.changed", {"task": task_id}))

    def messages(
        self, rng: random.Random, circle_id: int, members: list[Member], started: datetime.datetime
    ) -> list[Action]:
        family_id, news_id = self.take("conversations"), self.take("conversations")
        self.tables["conversations"].add(family_id, circle_id, ConversationKind.CIRCLE, started)
        self.tables["conversations"].add(news_id, circle_id, ConversationKind.NEWS, started)
        self.family_id = family_id
        writers = [member for member in members if member.role in FAMILY_WRITERS]
        supporters = [member for member in members if member.role == Role.WELL_WISHER] or writers
        span = (self.now - started).total_seconds()
        planned = [(family_id, MessageKind.MESSAGE, rng.choice(writers)) for _ in range(FAMILY_MESSAGES)]
        planned += [(news_id, MessageKind.UPDATE, members[0]) for _ in range(UPDATES)]
        planned += [(news_id, MessageKind.SUPPORT, rng.choice(supporters)) for _ in range(SUPPORT_MESSAGES)]
        times = sorted(started + datetime.timedelta(seconds=rng.uniform(0, span)) for _ in planned)
        rng.shuffle(planned)
        actions: list[Action] = []
        last_in_family: list[int] = []
        for when, (conversation_id, kind, author) in zip(times, planned, strict=True):
            # Ids follow time within a circle, as the circle's row lock makes them do (conversations/services.py).
            message_id = self.take("messages")
            body = rng.choice(words.MESSAGES)
            title = words.update_title(rng) if kind == MessageKind.UPDATE else ""
            self.tables["messages"].add(
                message_id, circle_id, conversation_id, kind, author.user_id, title, body, self.html[body], when
            )
            if kind == MessageKind.UPDATE:
                self.audit(circle_id, author, "update.posted", when, message=message_id, title=title, photos=0)
            if conversation_id == family_id:
                last_in_family.append(message_id)
            actions.append(Action(when, "message.posted", {"conversation": conversation_id, "message": message_id}))
        for member in members:
            if member.role in FAMILY_WRITERS:
                seen = last_in_family[-1 - rng.randint(0, 5)]
                self.tables["read_markers"].add(self.take("read_markers"), family_id, member.user_id, seen, self.now)
        return actions

    def record(
        self, rng: random.Random, circle_id: int, members: list[Member], started: datetime.datetime
    ) -> list[Action]:
        owners = [member for member in members if member.role in (Role.ORGANISER, Role.PERSON)]
        writers = owners + [member for member in members if member.role in (Role.HELPER, Role.PAID_CARER)]
        shape = dict(RECORD_SHAPE, notes=RECORD_ENTRIES - sum(RECORD_SHAPE.values()))
        span = (self.now - started).total_seconds()
        actions: list[Action] = []
        for section, count in shape.items():
            for _ in range(count):
                author = rng.choice(owners if section in ("about", "emergency") else writers)
                when = started + datetime.timedelta(seconds=rng.uniform(0, span))
                data, title = words.record_values(rng, section)
                entry_id = self.take("record_entries")
                text = json.dumps(data)
                self.tables["record_entries"].add(
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
                self.tables["record_versions"].add(
                    self.take("record_versions"),
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
                self.audit(circle_id, author, "record.entry_created", when, **details)
                actions.append(Action(when, "record.changed", {"entry": entry_id, "section": section}))
        return actions

    def traffic(
        self, rng: random.Random, circle_id: int, number: int, members: list[Member], actions: list[Action]
    ) -> None:
        """What using the circle leaves in the tables that only grow, as far back as pruning keeps it."""
        for action in actions:
            if action.when < self.deliveries_from:
                continue
            told = rng.sample(members, NOTIFIED)
            for index, member in enumerate(told):
                notification_id = self.take("notifications")
                category = "message" if action.event == "message.posted" else "task"
                self.tables["notifications"].add(
                    notification_id,
                    member.user_id,
                    circle_id,
                    category,
                    "Something new in the circle",
                    f"/circles/{circle_id}/",
                    f"seed:{notification_id}",
                    action.when,
                )
                if index >= EMAILED:
                    continue
                delivery_id = self.take("deliveries")
                sent = action.when + datetime.timedelta(seconds=rng.uniform(1, 60))
                self.tables["deliveries"].add(
                    delivery_id,
                    Channel.EMAIL,
                    f"seed{member.user_id}@example.org",
                    member.user_id,
                    category,
                    "Something new in the circle",
                    "Something new in the circle. Open CareCircle to see it.",
                    f"seed:{delivery_id}",
                    DeliveryStatus.SENT,
                    1,
                    action.when,
                    sent,
                )
                if sent >= self.task_results_from:
                    arguments = json.dumps({"args": [delivery_id], "kwargs": {}})
                    self.tables["task_results"].add(
                        uuid.UUID(int=rng.getrandbits(128)),
                        "SUCCESSFUL",
                        action.when,
                        sent,
                        sent,
                        arguments,
                        "carecircle.notifications.tasks.deliver",
                        "default",
                        "default",
                        action.when,
                        "",
                        "",
                    )
        for index, member in enumerate(members):
            seen = self.now - datetime.timedelta(seconds=rng.uniform(0, self.session_days * 86_400))
            key = f"seed{number:08x}{index:04x}{rng.getrandbits(80):020x}"
            self.tables["sessions"].add(key, "e30:seed:signed-out-data", seen + self.session_age)
            created = seen - datetime.timedelta(days=rng.uniform(0, 20))
            self.tables["signed_in"].add(
                self.take("signed_in"), member.user_id, key, "Firefox on Android", created, seen
            )
            if member.role == Role.PROFESSIONAL:
                for week in range(52):
                    looked = self.now - datetime.timedelta(days=7 * week + rng.uniform(0, 7))
                    self.tables["record_views"].add(
                        self.take("record_views"),
                        circle_id,
                        member.user_id,
                        member.name,
                        "professional",
                        "Medications",
                        looked,
                    )
        for _ in range(TEXT_CODES):
            member = rng.choice(members)
            sent = self.now - datetime.timedelta(seconds=rng.uniform(0, self.session_days * 86_400))
            self.tables["text_codes"].add(
                self.take("text_codes"),
                f"+447700{member.user_id % 1_000_000:06d}",
                TextCodePurpose.SIGN_IN,
                member.user_id,
                f"{rng.getrandbits(256):064x}",
                sent,
                sent + datetime.timedelta(minutes=settings.TEXT_CODE_MINUTES),
                sent + datetime.timedelta(seconds=rng.uniform(10, 120)),
            )
