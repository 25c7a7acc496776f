"""What asking for help, inviting, sharing and replying leave behind, for `carecircle seed-scale`.

Each circle gets, as the daily pruning leaves them: "I can't" answers, stand-in asks and
nobody-left notices for the occurrences of the last RETENTION_DELIVERIES_DAYS and the weeks ahead;
invitations that expired within that period or are still open; share links over the circle's
year with their views in the access log (kept six years, so none is due); and texts and emails
received in that period. The first circle of every batch also starts an organisation whose
coordinator invited staff over the same period. Drawn from a generator of its own per circle, so
the rest of a circle is the same as before these rows were seeded (docs/architecture/data-at-scale.md).
"""

from __future__ import annotations

import datetime
import json
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

from carecircle.circles.models import Invitation, InvitationChannel, Role
from carecircle.notifications.models import InboundEmail, InboundText
from carecircle.orgs.models import Organisation, OrganisationStaff, StaffInvitation, StaffRole
from carecircle.records.models import RecordView, ShareLink
from carecircle.tasks.models import AskedAs, Decline, NobodyLeft, StandInAsk
from carecircle.web.bulk_rows import Table

if TYPE_CHECKING:
    from carecircle.web.scale_content import Member
    from carecircle.web.scale_seed import Seeder

DAY = datetime.timedelta(days=1)
# Of the occurrences within the kept period: how often someone said "I can't", and how often stand-ins were asked.
DECLINED, STAND_INS_ASKED, NOBODY_LEFT = 0.3, 0.2, 0.3
INVITATIONS, SHARE_LINKS, INBOUND_TEXTS, INBOUND_EMAILS, STAFF_INVITATIONS = 4, 3, 10, 6, 12
INVITATION_DAYS = 14
SHARE_HOURS = (24, 168)
# The access log's ids are shared by the professionals' views (scale_seed.py) and the share links' views.
SHARED_IDS = {"share_views": "record_views"}
REPLIES = (("YES", "yes"), ("DONE", "done"), ("NO", "no"), ("Thanks, see you then", "message"))


@dataclass
class Occurrence:
    task_id: int
    title: str
    day: datetime.date
    start: datetime.datetime
    goer: Member | None
    # The goer's assignment (id, when made), for the reminders it was sent (scale_marks.py).
    assignment: tuple[int, datetime.datetime] | None = None


@dataclass
class Ask:
    """Stand-ins asked for one occurrence, at one moment."""

    occurrence: Occurrence
    when: datetime.datetime
    members: list[Member]


def use_tables() -> dict[str, Table]:
    return {
        "declines": Table(Decline, ["id", "task_id", "occurrence_date", "user_id", "created_at"]),
        "stand_in_asks": Table(
            StandInAsk, ["id", "task_id", "occurrence_date", "user_id", "asker_id", "asked_at", "asked_as"]
        ),
        "nobody_left": Table(NobodyLeft, ["id", "task_id", "occurrence_date", "reason", "told_at"]),
        "invitations": Table(
            Invitation,
            [
                "id",
                "circle_id",
                "role",
                "channel",
                "name",
                "email",
                "phone",
                "token_hash",
                "invited_by_id",
                "created_at",
                "expires_at",
                "accepted_at",
                "accepted_by_id",
                "revoked_at",
            ],
        ),
        "share_links": Table(
            ShareLink,
            [
                "id",
                "circle_id",
                "recipient",
                "sections",
                "token_hash",
                "created_by_id",
                "created_by_name",
                "created_at",
                "expires_at",
            ],
        ),
        "share_views": Table(
            RecordView,
            ["id", "circle_id", "viewer_name", "viewer_kind", "share_link_id", "what", "created_at"],
        ),
        "inbound_texts": Table(
            InboundText, ["id", "provider", "provider_id", "sender", "body", "outcome", "user_id", "received_at"]
        ),
        "inbound_emails": Table(
            InboundEmail,
            [
                "id",
                "message_key",
                "message_id",
                "source",
                "sender",
                "recipient",
                "size",
                "outcome",
                "user_id",
                "conversation_id",
                "received_at",
            ],
        ),
        "organisations": Table(Organisation, ["id", "name", "slug", "area", "created_at"]),
        "staff": Table(OrganisationStaff, ["id", "organisation_id", "user_id", "role", "joined_at"]),
        "staff_invitations": Table(
            StaffInvitation,
            ["id", "organisation_id", "email", "role", "token_hash", "invited_by_id", "created_at", "expires_at"],
        ),
    }


class UseSeeder:
    """Writes one circle's leftovers of use into the seeder's tables."""

    def __init__(self, seeder: Seeder) -> None:
        self.seeder = seeder
        self.kept = datetime.timedelta(days=settings.RETENTION_DELIVERIES_DAYS or 100_000)
        # An occurrence's rows go this many days after its day: seed only days still within it.
        self.first_day = seeder.today - self.kept + DAY
        # The circle's stand-in asks (occurrence, when, who was asked), for the texts they sent (scale_texts.py).
        self.asked: list[Ask] = []
        # When each "I can't" was said, for the email buttons used (scale_marks.py).
        self.declined: list[datetime.datetime] = []

    def add(self, table: str, *values: object) -> None:
        self.seeder.tables[table].add(self.seeder.take(SHARED_IDS.get(table, table)), *values)

    def since(self, rng: random.Random, earliest: datetime.datetime) -> datetime.datetime:
        """A moment between `earliest` and now."""
        return earliest + datetime.timedelta(seconds=rng.uniform(0, (self.seeder.now - earliest).total_seconds()))

    def circle(
        self,
        number: int,
        circle_id: int,
        members: list[Member],
        started: datetime.datetime,
        occurrences: list[Occurrence],
        family_id: int,
    ) -> None:
        # Seeded, not secret: its own generator, so adding these rows changed nothing else in the circle.
        rng = random.Random(f"use-{number}")  # noqa: S311
        self.asked = []
        self.declined = []
        self.asks(rng, circle_id, members, occurrences)
        self.invitations(rng, circle_id, members, started)
        self.share_links(rng, circle_id, members, started)
        self.replies(rng, members, started, family_id)
        if number % 100 == 1:
            self.organisation(rng, number, members[0], started)

    def asks(self, rng: random.Random, circle_id: int, members: list[Member], occurrences: list[Occurrence]) -> None:
        now = self.seeder.now
        goers = [member for member in members if member.role in (Role.HELPER, Role.ORGANISER, Role.PAID_CARER)]
        for occurrence in occurrences:
            if occurrence.day < self.first_day:
                continue
            others = [member for member in goers if member is not occurrence.goer]
            dated = {"task": occurrence.task_id, "title": occurrence.title, "date": occurrence.day.isoformat()}
            decliner = None
            if others and rng.random() < DECLINED:
                decliner = rng.choice(others)
                said = min(now, occurrence.start - DAY * rng.uniform(1, 5))
                self.add("declines", occurrence.task_id, occurrence.day, decliner.user_id, said)
                self.declined.append(said)
                self.seeder.audit(circle_id, decliner, "tasks.declined", said, **dated)
            asked = [member for member in others if member is not decliner]
            if asked and rng.random() < STAND_INS_ASKED:
                when = min(now, occurrence.start - DAY * rng.uniform(0.5, 3))
                way = rng.choice(list(AskedAs))
                chosen = rng.sample(asked, min(len(asked), rng.randint(1, 3)))
                for member in chosen:
                    asker = decliner.user_id if decliner else None
                    self.add("stand_in_asks", occurrence.task_id, occurrence.day, member.user_id, asker, when, way)
                self.asked.append(Ask(occurrence, when, chosen))
                if way == AskedAs.EVERYONE:
                    # Asking everyone is a member's action, audited as tasks/pacing.py does; the
                    # stand-in and offer asks are the worker's, with no audit row.
                    actor = decliner or members[0]
                    self.seeder.audit(circle_id, actor, "tasks.asked_everyone", when, **dated, count=len(chosen))
                if occurrence.goer is None and rng.random() < NOBODY_LEFT:
                    told = min(now, when + datetime.timedelta(hours=rng.uniform(1, 24)))
                    reason = NobodyLeft.Reason.ALL_ASKED
                    self.add("nobody_left", occurrence.task_id, occurrence.day, reason, told)

    def invitations(
        self, rng: random.Random, circle_id: int, members: list[Member], started: datetime.datetime
    ) -> None:
        now = self.seeder.now
        organiser = members[0]
        for _ in range(INVITATIONS):
            # Expired within the kept period, or still open.
            created = self.since(rng, max(started, now - self.kept - DAY * (INVITATION_DAYS - 1)))
            expires = created + DAY * INVITATION_DAYS
            by_text = rng.random() < 0.3
            channel = InvitationChannel.SMS if by_text else InvitationChannel.EMAIL
            invitation_id = self.seeder.ids["invitations"]
            email = "" if by_text else f"invited{invitation_id}@example.org"
            phone = f"+447700{invitation_id % 1_000_000:06d}" if by_text else ""
            role = rng.choice((Role.HELPER, Role.HELPER, Role.WELL_WISHER, Role.PAID_CARER))
            outcome = rng.random()
            accepted = min(now, created + DAY * rng.uniform(0, 3)) if outcome < 0.7 else None
            accepter = rng.choice(members[1:] or members).user_id if accepted else None
            revoked = min(now, created + DAY * rng.uniform(0, 5)) if 0.7 <= outcome < 0.8 else None
            name = f"Invitee {invitation_id}"
            self.add(
                "invitations",
                circle_id,
                role,
                channel,
                name,
                email,
                phone,
                f"{rng.getrandbits(256):064x}",
                organiser.user_id,
                created,
                expires,
                accepted,
                accepter,
                revoked,
            )
            self.seeder.audit(
                circle_id,
                organiser,
                "invitation.created",
                created,
                subject_name=name,
                role=role,
                channel=channel,
                invitation=invitation_id,
            )

    def share_links(
        self, rng: random.Random, circle_id: int, members: list[Member], started: datetime.datetime
    ) -> None:
        now = self.seeder.now
        span = (now - started).total_seconds()
        sharer = members[0]
        for _ in range(SHARE_LINKS):
            link_id = self.seeder.ids["share_links"]
            created = started + datetime.timedelta(seconds=rng.uniform(0, span))
            hours = rng.choice(SHARE_HOURS)
            sections = rng.choice((["medications", "allergies"], ["medications"], ["conditions", "medications"]))
            recipient = rng.choice(("Practice nurse at Riverside", "Dr Ahmed, GP", "Hospital pharmacy", "Respite home"))
            self.add(
                "share_links",
                circle_id,
                recipient,
                json.dumps(sections),
                f"{rng.getrandbits(256):064x}",
                sharer.user_id,
                sharer.name,
                created,
                created + datetime.timedelta(hours=hours),
            )
            self.seeder.audit(
                circle_id, sharer, "record.share_created", created, sections=sections, hours=hours, code=""
            )
            viewer = f"{recipient} (link from {sharer.name})"[:120]
            for _ in range(rng.randint(1, 3)):
                looked = min(now, created + datetime.timedelta(hours=rng.uniform(0, hours)))
                what = "Medications" if "medications" in sections else "Conditions"
                self.add("share_views", circle_id, viewer, RecordView.ViewerKind.SHARE_LINK, link_id, what, looked)

    def replies(self, rng: random.Random, members: list[Member], started: datetime.datetime, family_id: int) -> None:
        now = self.seeder.now
        since = max(started, now - self.kept + DAY)
        span = (now - since).total_seconds()
        for _ in range(INBOUND_TEXTS):
            member = rng.choice(members)
            body, outcome = rng.choice(REPLIES)
            received = since + datetime.timedelta(seconds=rng.uniform(0, span))
            provider_id = f"SM{rng.getrandbits(128):032x}"
            phone = f"+447700{member.user_id % 1_000_000:06d}"
            self.add("inbound_texts", "twilio", provider_id, phone, body, outcome, member.user_id, received)
        writers = [member for member in members if member.role in (Role.PERSON, Role.ORGANISER, Role.HELPER)]
        for _ in range(INBOUND_EMAILS):
            member = rng.choice(writers or members)
            received = since + datetime.timedelta(seconds=rng.uniform(0, span))
            key = f"{rng.getrandbits(256):064x}"
            self.add(
                "inbound_emails",
                key,
                f"<{key[:24]}@mail.example.org>",
                "smtp",
                f"seed{member.user_id}@example.org",
                f"reply+{key[24:40]}@carecircle.example",
                rng.randint(1_500, 40_000),
                "posted",
                member.user_id,
                family_id,
                received,
            )

    def organisation(self, rng: random.Random, number: int, coordinator: Member, started: datetime.datetime) -> None:
        now = self.seeder.now
        organisation_id = self.seeder.ids["organisations"]
        area = f"Area {number // 1000 + 1}"
        self.add(
            "organisations", f"Carers' Network {organisation_id}", f"seed-network-{organisation_id}", area, started
        )
        self.add("staff", organisation_id, coordinator.user_id, StaffRole.ADMIN, started)
        for _ in range(STAFF_INVITATIONS):
            created = self.since(rng, max(started, now - self.kept - DAY * (INVITATION_DAYS - 1)))
            invitation_id = self.seeder.ids["staff_invitations"]
            role = rng.choice((StaffRole.COORDINATOR, StaffRole.VOLUNTEER, StaffRole.VOLUNTEER))
            self.add(
                "staff_invitations",
                organisation_id,
                f"staff{invitation_id}@example.org",
                role,
                f"{rng.getrandbits(256):064x}",
                coordinator.user_id,
                created,
                created + DAY * INVITATION_DAYS,
            )
