"""Benchmark: "Download my data" for a big account (BUDGETS: everything about a person in < 60 s).

Builds, on a throwaway SQLite database (or BENCH_DATABASE_URL), one member of five circles who wrote
BENCH_SAR_MESSAGES messages (bulk-inserted: this measures reading and zipping, not posting), made
BENCH_SAR_ENTRIES record entries through the services (each with a version, an audit line and a live
event), added BENCH_SAR_DOCUMENTS documents of 100 KB and volunteered for BENCH_SAR_TASKS tasks. Then
streams the whole zip as the download view does and prints the time to the first byte, the total
time, the size and the peak memory growth. Not a test: figures go into docs/performance.md by hand.

    .venv/bin/python bench/subject_access.py
    BENCH_SAR_MESSAGES=200000 .venv/bin/python bench/subject_access.py
"""

from __future__ import annotations

import datetime
import os
import resource
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = int(os.environ.get("BENCH_SAR_MESSAGES", "100000"))
ENTRIES = int(os.environ.get("BENCH_SAR_ENTRIES", "2000"))
DOCUMENTS = int(os.environ.get("BENCH_SAR_DOCUMENTS", "100"))
TASKS = int(os.environ.get("BENCH_SAR_TASKS", "500"))


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main() -> None:
    var_dir = Path(tempfile.mkdtemp(prefix="carecircle-sar-"))
    os.environ.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "testserver",
            "CARECIRCLE_VAR_DIR": str(var_dir),
            "MEDIA_ROOT": str(var_dir / "media"),
            "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{var_dir / 'bench.sqlite3'}"),
            "LOG_LEVEL": "ERROR",
            "DJANGO_SETTINGS_MODULE": "carecircle.settings",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)

    from django.utils import timezone

    from carecircle.accounts.data_rights import subject_access_stream
    from carecircle.accounts.services import user_sign_up
    from carecircle.circles.services import circle_create
    from carecircle.conversations.models import Message
    from carecircle.conversations.services import family_conversation
    from carecircle.records.sections import SECTION_BY_KEY
    from carecircle.records.services import document_add, entry_create
    from carecircle.tasks.services import TaskFields, task_create, task_volunteer

    started = time.monotonic()
    person = user_sign_up(email="big@example.org", password="quiet-harbour-lantern-42", display_name="Big Account")
    circles = [circle_create(actor=person, person_name=f"Person {index}", relationship="child") for index in range(5)]
    batch = [(circles[index % len(circles)], index) for index in range(MESSAGES)]
    conversations = {circle.pk: family_conversation(circle=circle) for circle in circles}
    rows = [
        Message(
            circle=circle,
            conversation=conversations[circle.pk],
            author=person,
            body=f"Message {index}: popped round, all fine, the kettle is fixed.",
            client_id=uuid.uuid4(),
        )
        for circle, index in batch
    ]
    Message.objects.bulk_create(rows, batch_size=5000)
    for index in range(ENTRIES):
        entry_create(
            actor=person,
            circle=circles[index % len(circles)],
            section=SECTION_BY_KEY["notes"],
            values={"text": f"Daily note {index}: ate well, walked to the shop."},
        )
    for index in range(DOCUMENTS):
        document_add(
            actor=person,
            circle=circles[index % len(circles)],
            values={"title": f"Letter {index}"},
            content=os.urandom(100_000),
            content_type="application/pdf",
            filename=f"letter-{index}.pdf",
        )
    day = timezone.localdate() + datetime.timedelta(days=1)
    for index in range(TASKS):
        task = task_create(
            actor=person,
            circle=circles[index % len(circles)],
            fields=TaskFields(
                title=f"Visit {index}",
                start_date=day,
                start_time=datetime.time(10, 0),
                duration_minutes=60,
                time_zone="Europe/London",
            ),
        )
        task_volunteer(actor=person, task=task, occurrence_date=day)
    say(
        f"Built the account in {time.monotonic() - started:.0f} s: {MESSAGES} messages, {ENTRIES} entries, "
        f"{DOCUMENTS} documents, {TASKS} tasks, in {len(circles)} circles."
    )

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    first = None
    size = 0
    for chunk in subject_access_stream(actor=person):
        if first is None and chunk:
            first = time.monotonic() - started
        size += len(chunk)
    total = time.monotonic() - started
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    say(
        f"Download my data: first byte {first or 0:.2f} s, whole zip {total:.1f} s, {size / 1e6:.1f} MB, "
        f"peak memory growth {growth / 1024:.0f} MB (budget: 60 s)"
    )


if __name__ == "__main__":
    main()
