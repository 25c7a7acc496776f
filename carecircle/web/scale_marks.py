"""Reminder keys, used email buttons, mail events and summary PDFs, for `carecircle seed-scale`.

As the daily pruning leaves them, in proportion to what the rest of the circle's rows say happened:

- reminders sent (`tasks_remindersent`, 90 days): for each assignment to an occurrence within
  the deliveries' period, the key of each reminder that fell due after the assignment was made
  and before now (the day before and 2 hours before, the defaults), written when it fell due, as
  tasks/reminders.py writes it (`reminder-<assignment>-<kind>-<UTC start>`);
- used email buttons (`tasks_actionlinkuse`, 90 days, at least as long as the link works): a
  share of the "I can't" answers came through the button in the email, and a share of the tasks
  done were thanked through the email's "Say thank you";
- mail events (`notifications_mailevent`, 90 days): soft bounces for a few members' addresses
  (a passing failure that marks nothing) and, now and then, a hard bounce for an address that is
  no longer any member's; none acted, so no member's email is marked as failing;
- summary PDFs (`records_pdfjob`, 2 days): one circle in three had the essentials drawn as a PDF by an
  organiser in the last two days, each ready job with its drawn PDF (bytes of the size a 50-entry
  summary draws to, not drawn by WeasyPrint) and the worker's finished background task.

The app writes no audit row or live event for any of these. Drawn from a generator of its own per
circle, so the circle's other rows are drawn as before.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import random
import uuid
from typing import TYPE_CHECKING

from django.conf import settings

from carecircle.accounts.models import DEFAULT_TIME_ZONE
from carecircle.circles.models import Role
from carecircle.circles.permissions import capabilities_for, default_consent
from carecircle.notifications.models import MailEvent
from carecircle.records.models import PdfJob, audiences_for
from carecircle.tasks.models import ActionLinkUse, ReminderSent
from carecircle.tasks.reminders import DEFAULT_HOURS_BEFORE
from carecircle.web.bulk_rows import Table

if TYPE_CHECKING:
    from carecircle.web.scale_content import Member
    from carecircle.web.scale_seed import Seeder

DAY = datetime.timedelta(days=1)
REMINDERS = (("day", DAY), (f"{DEFAULT_HOURS_BEFORE}h", datetime.timedelta(hours=DEFAULT_HOURS_BEFORE)))
# Of the "I can't" answers: said through the email's button; of the tasks done: thanked through the email.
CANT_BY_EMAIL, THANKED_BY_EMAIL = 0.4, 0.1
# Of the members: a soft bounce in the period; of the circles: a hard bounce for an address no longer used.
SOFT_BOUNCED, HARD_BOUNCED = 0.1, 0.05
# One circle in this many had the summary PDF drawn within RETENTION_RECORD_PDF_DAYS (circle 1 among them).
PDF_EVERY = 3
# A drawn summary of about 50 entries (docs/performance.md, "A drawn PDF served again": 15.6 KB).
PDF_BYTES = 15_600


def mark_tables() -> dict[str, Table]:
    return {
        "reminders_sent": Table(ReminderSent, ["id", "key", "created_at"]),
        "link_uses": Table(ActionLinkUse, ["id", "nonce", "used_at"]),
        "mail_events": Table(
            MailEvent, ["id", "provider", "event_id", "event_type", "recipient", "user_id", "acted", "received_at"]
        ),
        "pdf_jobs": Table(
            PdfJob,
            [
                "id",
                "key",
                "circle_id",
                "capabilities",
                "audiences",
                "language",
                "time_zone",
                "status",
                "pdf",
                "attempts",
                "created_at",
                "queued_at",
                "finished_at",
            ],
        ),
    }


@functools.cache
def summary_pdf() -> bytes:
    """A valid one-page PDF of PDF_BYTES, the same for every seeded job."""
    line = "BT /F1 9 Tf 40 {} Td (Summary line {:04d} of the care record) Tj ET"
    lines = [line.format(800 - 11 * (n % 70), n) for n in range(200)]
    stream = "\n".join(lines).encode()
    stream += b"\n%" + b" " * max(0, PDF_BYTES - len(stream) - 700) + b"\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@functools.cache
def organiser_reads() -> tuple[str, str]:
    """An organiser's capability set and audiences, as a PDF job captures them (JSON text)."""
    capabilities = capabilities_for(role=Role.ORGANISER, consent=default_consent(), person_is_member=False)
    return json.dumps(sorted(capabilities)), json.dumps(list(audiences_for(Role.ORGANISER)))


class MarkSeeder:
    """Writes one circle's reminder keys, used email buttons, mail events and summary PDF jobs."""

    def __init__(self, seeder: Seeder) -> None:
        self.seeder = seeder
        self.pdfs_from = seeder.now - datetime.timedelta(days=settings.RETENTION_RECORD_PDF_DAYS or 100_000)

    def add(self, table: str, *values: object) -> None:
        self.seeder.tables[table].add(self.seeder.take(table), *values)

    def circle(self, number: int, circle_id: int, members: list[Member]) -> None:
        # Seeded, not secret: its own generator, so adding these rows changed no other draw in the circle.
        rng = random.Random(f"marks-{number}")  # noqa: S311
        self.reminders(rng)
        self.link_uses(rng)
        self.mail_events(rng, number, members)
        if number % PDF_EVERY == 1:
            self.pdf_job(rng, circle_id)

    def reminders(self, rng: random.Random) -> None:
        seeder = self.seeder
        for occurrence in seeder.occurrences:
            if occurrence.assignment is None:
                continue
            assignment_id, assigned = occurrence.assignment
            start = occurrence.start.astimezone(datetime.UTC)
            for kind, ahead in REMINDERS:
                # The worker's next run (every minute) after it fell due, or after the assignment.
                sent = max(start - ahead, assigned) + datetime.timedelta(seconds=rng.uniform(0, 60))
                if seeder.deliveries_from <= sent <= seeder.now and sent < start:
                    self.add("reminders_sent", f"reminder-{assignment_id}-{kind}-{start:%Y%m%dT%H%MZ}", sent)

    def link_uses(self, rng: random.Random) -> None:
        seeder = self.seeder
        used = [said for said in seeder.use.declined if rng.random() < CANT_BY_EMAIL]
        for occurrence in seeder.occurrences:
            done = occurrence.start + datetime.timedelta(hours=rng.uniform(2, 30))
            if occurrence.goer is not None and done <= seeder.now and rng.random() < THANKED_BY_EMAIL:
                used.append(done)
        for when in used:
            if when >= seeder.deliveries_from:
                # As secrets.token_urlsafe(12) in tasks/email_actions.py: 16 characters.
                self.add("link_uses", f"{rng.getrandbits(96):024x}"[:16], when)

    def mail_events(self, rng: random.Random, number: int, members: list[Member]) -> None:
        seeder = self.seeder
        period = (seeder.now - seeder.deliveries_from).total_seconds()
        # Postmark's SoftBounce (passing: it marks nothing), and a HardBounce for an address no member has.
        bounced: list[Member | None] = [member for member in members if rng.random() < SOFT_BOUNCED]
        if rng.random() < HARD_BOUNCED:
            bounced.append(None)
        for member in bounced:
            received = seeder.now - datetime.timedelta(seconds=rng.uniform(0, period))
            recipient = f"seed{member.user_id}@example.org" if member else f"former{number}@example.org"
            # Postmark's event ids are UUIDs; "bounced" is anymail's type for both.
            event_id = str(uuid.UUID(int=rng.getrandbits(128)))
            user_id = member.user_id if member else None
            self.add("mail_events", "postmark", event_id, "bounced", recipient, user_id, False, received)

    def pdf_job(self, rng: random.Random, circle_id: int) -> None:
        seeder = self.seeder
        queued = seeder.now - datetime.timedelta(seconds=rng.uniform(0, (seeder.now - self.pdfs_from).total_seconds()))
        finished = min(seeder.now, queued + datetime.timedelta(seconds=rng.uniform(1, 20)))
        capabilities, audiences = organiser_reads()
        key = "records-pdf:" + hashlib.sha256(f"seed-{circle_id}-{queued.isoformat()}".encode()).hexdigest()
        job_id = seeder.take("pdf_jobs")
        seeder.tables["pdf_jobs"].add(
            job_id,
            key,
            circle_id,
            capabilities,
            audiences,
            "en",
            DEFAULT_TIME_ZONE,
            PdfJob.Status.READY,
            summary_pdf(),
            1,
            queued,
            queued,
            finished,
        )
        seeder.traffic.task_result(rng, job_id, queued, finished, "carecircle.records.pdf_jobs.draw_pdf_job")
