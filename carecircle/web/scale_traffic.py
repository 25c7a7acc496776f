"""What using a seeded circle leaves in the tables that only grow, for `carecircle seed-scale`.

As far back as the daily pruning keeps it: for each action of the last RETENTION_DELIVERIES_DAYS,
in-app notifications to two members and an email to one of them (a sent delivery, and a finished
background task when within RETENTION_TASK_RESULTS_DAYS); for each member, one signed-in browser
seen within the session lifetime (its Django session and its "where you're signed in" row); a few
texted codes per circle; and a professional's weekly look at the record (the access log).
"""

from __future__ import annotations

import datetime
import json
import random
import uuid
from typing import TYPE_CHECKING

from django.conf import settings

from carecircle.accounts.models import TextCodePurpose
from carecircle.circles.models import Role
from carecircle.notifications.models import Channel, DeliveryStatus

if TYPE_CHECKING:
    from carecircle.web.scale_content import Action, Member
    from carecircle.web.scale_seed import Seeder

# Of each action in the deliveries' period: members told in the app, and of those, told by email too.
NOTIFIED, EMAILED = 2, 1
TEXT_CODES = 3


class TrafficSeeder:
    """Writes one circle's notifications, deliveries, sessions, texted codes and access log."""

    def __init__(self, seeder: Seeder) -> None:
        self.seeder = seeder

    def circle(
        self, rng: random.Random, circle_id: int, number: int, members: list[Member], actions: list[Action]
    ) -> None:
        """What using the circle leaves in the tables that only grow, as far back as pruning keeps it."""
        for action in actions:
            if action.when < self.seeder.deliveries_from:
                continue
            told = rng.sample(members, NOTIFIED)
            for index, member in enumerate(told):
                notification_id = self.seeder.take("notifications")
                category = "message" if action.event == "message.posted" else "task"
                self.seeder.tables["notifications"].add(
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
                delivery_id = self.seeder.take("deliveries")
                sent = action.when + datetime.timedelta(seconds=rng.uniform(1, 60))
                self.seeder.tables["deliveries"].add(
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
                # The outbox email backend keeps each sent email (one box, no EMAIL_URL).
                self.seeder.tables["outbox"].add(
                    self.seeder.take("outbox"),
                    Channel.EMAIL,
                    f"seed{member.user_id}@example.org",
                    "Something new in the circle",
                    "Something new in the circle. Open CareCircle to see it.",
                    sent,
                )
                if sent >= self.seeder.task_results_from:
                    self.task_result(rng, delivery_id, action.when, sent)
        for index, member in enumerate(members):
            seen = self.seeder.now - datetime.timedelta(seconds=rng.uniform(0, self.seeder.session_days * 86_400))
            key = f"seed{number:08x}{index:04x}{rng.getrandbits(80):020x}"
            self.seeder.tables["sessions"].add(key, "e30:seed:signed-out-data", seen + self.seeder.session_age)
            created = seen - datetime.timedelta(days=rng.uniform(0, 20))
            self.seeder.tables["signed_in"].add(
                self.seeder.take("signed_in"), member.user_id, key, "Firefox on Android", created, seen
            )
            if member.role == Role.PROFESSIONAL:
                for week in range(52):
                    looked = self.seeder.now - datetime.timedelta(days=7 * week + rng.uniform(0, 7))
                    self.seeder.tables["record_views"].add(
                        self.seeder.take("record_views"),
                        circle_id,
                        member.user_id,
                        member.name,
                        "professional",
                        "Medications",
                        looked,
                    )
        for _ in range(TEXT_CODES):
            member = rng.choice(members)
            sent = self.seeder.now - datetime.timedelta(seconds=rng.uniform(0, self.seeder.session_days * 86_400))
            self.seeder.tables["text_codes"].add(
                self.seeder.take("text_codes"),
                f"+447700{member.user_id % 1_000_000:06d}",
                TextCodePurpose.SIGN_IN,
                member.user_id,
                f"{rng.getrandbits(256):064x}",
                sent,
                sent + datetime.timedelta(minutes=settings.TEXT_CODE_MINUTES),
                sent + datetime.timedelta(seconds=rng.uniform(10, 120)),
            )

    def task_result(
        self,
        rng: random.Random,
        row_id: int,
        queued: datetime.datetime,
        finished: datetime.datetime,
        task_path: str = "carecircle.notifications.tasks.deliver",
    ) -> None:
        """The worker's finished task for one row: by default the one that sent a delivery."""
        self.seeder.tables["task_results"].add(
            uuid.UUID(int=rng.getrandbits(128)),
            "SUCCESSFUL",
            queued,
            finished,
            finished,
            json.dumps({"args": [row_id], "kwargs": {}}),
            task_path,
            "default",
            "default",
            queued,
            "",
            "",
        )
