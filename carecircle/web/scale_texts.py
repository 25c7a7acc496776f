"""Texts asking for help with their reply codes, and deliveries still waiting, for `carecircle seed-scale`.

As one box with no text or email provider leaves them (the outbox backends), and as the daily
pruning leaves them: each stand-in ask for an occurrence within RETENTION_REPLY_CODES_DAYS (or
ahead) has the occurrence's reply code (`YES 4821`, unique within the circle), and some of the
people asked were asked by text: a sent SMS delivery naming the code, its outbox row, its finished
background task when recent, and the member's texts-sent counter for that day. A couple of
deliveries per circle are still waiting, held for the member's quiet hours until the next morning;
waiting deliveries are never pruned. None of these writes an audit row in the app (reply_codes.py,
notifications/services.py), so none is seeded. Drawn from a generator of its own per circle, so the
circle's other rows are drawn as before.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings

from carecircle.accounts.models import DEFAULT_TIME_ZONE
from carecircle.notifications.models import Channel, Delivery, DeliveryStatus, TextsSent
from carecircle.tasks.models import ReplyCode
from carecircle.web.bulk_rows import Table
from carecircle.web.scale_tables import DELIVERY_COLUMNS

if TYPE_CHECKING:
    from carecircle.web.scale_content import Member
    from carecircle.web.scale_seed import Seeder

DAY = datetime.timedelta(days=1)
# Of the people asked to stand in: how many were asked by text (the rest by email or in the app).
TEXTED = 0.4
# Deliveries per circle waiting for the end of a member's quiet hours.
WAITING = 2
QUIET_UNTIL = datetime.time(8, 0)
CODES = range(1000, 10_000)


def text_tables() -> dict[str, Table]:
    return {
        "reply_codes": Table(ReplyCode, ["id", "circle_id", "task_id", "occurrence_date", "code", "created_at"]),
        "texts_sent": Table(TextsSent, ["id", "user_id", "day", "count"]),
        "waiting": Table(Delivery, [*DELIVERY_COLUMNS, "not_before"]),
    }


def phone(member: Member) -> str:
    return f"+447700{member.user_id % 1_000_000:06d}"


class TextSeeder:
    """Writes one circle's texts asking for help, reply codes, outbox rows and waiting deliveries."""

    def __init__(self, seeder: Seeder) -> None:
        self.seeder = seeder
        # A reply code goes this many days after its occurrence's day: seed only days still within it.
        self.first_day = seeder.today - datetime.timedelta(days=settings.RETENTION_REPLY_CODES_DAYS or 100_000) + DAY

    def circle(self, number: int, circle_id: int, members: list[Member]) -> None:
        # Seeded, not secret: its own generator, so adding these rows changed no other draw in the circle.
        rng = random.Random(f"texts-{number}")  # noqa: S311
        asks = [ask for ask in self.seeder.use.asked if ask.occurrence.day >= self.first_day]
        codes = rng.sample(CODES, len(asks))
        # The neighbouring circle's organiser helps here too; their texts are counted per day in one
        # row across circles, so only this circle's own people are texted from it.
        own = {member.user_id for member in members if member.user_id >= members[0].user_id}
        sent_per_day: Counter[tuple[int, datetime.date]] = Counter()
        for ask, code in zip(asks, codes, strict=True):
            occurrence = ask.occurrence
            self.seeder.tables["reply_codes"].add(
                self.seeder.take("reply_codes"), circle_id, occurrence.task_id, occurrence.day, str(code), ask.when
            )
            body = (
                f"Can you help? {occurrence.title}, {occurrence.day:%a} {occurrence.day.day} "
                f"{occurrence.day:%b}. Reply YES {code} to help."
            )
            for member in ask.members:
                if member.user_id in own and rng.random() < TEXTED:
                    sent = self.text(rng, member, body, ask.when)
                    sent_per_day[member.user_id, sent.astimezone(datetime.UTC).date()] += 1
        for (user_id, day), count in sorted(sent_per_day.items()):
            self.seeder.tables["texts_sent"].add(self.seeder.take("texts_sent"), user_id, day, count)
        self.waiting(rng, members)

    def text(self, rng: random.Random, member: Member, body: str, when: datetime.datetime) -> datetime.datetime:
        """One sent text: its delivery, its outbox row and, when recent, its finished background task."""
        seeder = self.seeder
        delivery_id = seeder.take("deliveries")
        sent = when + datetime.timedelta(seconds=rng.uniform(1, 30))
        seeder.tables["deliveries"].add(
            delivery_id,
            Channel.SMS,
            phone(member),
            member.user_id,
            "help_needed",
            "",
            body,
            f"seed:{delivery_id}",
            DeliveryStatus.SENT,
            1,
            when,
            sent,
        )
        seeder.tables["outbox"].add(seeder.take("outbox"), Channel.SMS, phone(member), "", body, sent)
        if sent >= seeder.task_results_from:
            seeder.traffic.task_result(rng, delivery_id, when, sent)
        return sent

    def waiting(self, rng: random.Random, members: list[Member]) -> None:
        """Deliveries queued in the last hours, held until the member's quiet hours end tomorrow morning."""
        seeder = self.seeder
        tomorrow = seeder.today + DAY
        until = datetime.datetime.combine(tomorrow, QUIET_UNTIL, tzinfo=ZoneInfo(DEFAULT_TIME_ZONE))
        for member in rng.sample(members, min(WAITING, len(members))):
            delivery_id = seeder.take("deliveries")
            queued = seeder.now - datetime.timedelta(hours=rng.uniform(0, 10))
            seeder.tables["waiting"].add(
                delivery_id,
                Channel.EMAIL,
                f"seed{member.user_id}@example.org",
                member.user_id,
                "message",
                "Something new in the circle",
                "Something new in the circle. Open CareCircle to see it.",
                f"seed:{delivery_id}",
                DeliveryStatus.QUEUED,
                0,
                queued,
                until,
            )
