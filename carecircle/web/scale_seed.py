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
backlog by moving "now" on. The work is split by what it writes: the tables and their columns
(scale_tables.py), a circle's tasks, messages and record (scale_content.py), what using it leaves
behind (scale_traffic.py), asks, invitations, share links and replies (scale_use.py), texts and
the outbox (scale_texts.py), and reminder keys, used email buttons, mail events and summary PDFs
(scale_marks.py).
"""

from __future__ import annotations

import datetime
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from carecircle.accounts.models import DEFAULT_TIME_ZONE, User
from carecircle.circles.models import Circle, Role
from carecircle.circles.permissions import default_consent
from carecircle.conversations import formatting
from carecircle.web import scale_words as words
from carecircle.web.bulk_rows import loading, next_id, sequences_reset
from carecircle.web.scale_content import Action, ContentSeeder, Member
from carecircle.web.scale_marks import MarkSeeder, mark_tables
from carecircle.web.scale_tables import seed_tables
from carecircle.web.scale_texts import TextSeeder, text_tables
from carecircle.web.scale_traffic import TrafficSeeder
from carecircle.web.scale_use import Occurrence, UseSeeder, use_tables

CIRCLES_AT_FULL_SCALE = 10_000
# SQLite writes one row at a time under one lock: past this many circles use PostgreSQL.
SQLITE_MAX_CIRCLES = 200
CIRCLES_PER_BATCH = 100
HISTORY = datetime.timedelta(days=365)
MEMBERS = (4, 16)
OTHER_ROLES = (Role.HELPER, Role.HELPER, Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL, Role.WELL_WISHER)
ZONE = ZoneInfo(DEFAULT_TIME_ZONE)
SEED_PASSWORD = "!seed-scale: no password, sign in another way"  # "!" marks an unusable password


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


class Seeder:
    def __init__(self, *, now: datetime.datetime) -> None:
        self.now = now
        self.today = timezone.localdate(now, ZONE)
        self.events_from = now - datetime.timedelta(days=settings.RETENTION_EVENTS_DAYS or 100_000)
        self.tables = {**seed_tables(), **use_tables(), **text_tables(), **mark_tables()}
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
        self.content = ContentSeeder(self)
        self.traffic = TrafficSeeder(self)
        self.texts = TextSeeder(self)
        self.marks = MarkSeeder(self)

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
        actions += self.content.tasks(rng, circle_id, members, started)
        actions += self.content.messages(rng, circle_id, members, started)
        actions += self.content.record(rng, circle_id, members, started)
        actions.sort(key=lambda action: action.when)
        for seq, action in enumerate(actions, start=1):
            if action.when >= self.events_from:
                data = json.dumps(action.data)
                self.tables["events"].add(self.take("events"), circle_id, seq, action.event, data, action.when)
        self.traffic.circle(rng, circle_id, number, members, actions)
        self.use.circle(number, circle_id, members, started, self.occurrences, self.family_id)
        self.texts.circle(number, circle_id, members)
        self.marks.circle(number, circle_id, members)
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
