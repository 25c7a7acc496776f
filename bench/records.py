"""Benchmark: the shared record of a big circle, in process.

Builds a throwaway SQLite database (or BENCH_DATABASE_URL) with one circle holding
BENCH_RECORD_ENTRIES record entries (default 5,000, as BUDGETS.md's big circle), three versions
each, and BENCH_RECORD_DOCUMENTS documents of 200 KB, then times with Django's test client:
the full export (streamed zip, budget ≤ 60 s), the FHIR bundle, the PDF summary, and the daily
notes and medications pages, against /ping in the same run. Prints the figures; not a test.

    DEBUG=false .venv/bin/python bench/records.py
    BENCH_RECORD_ENTRIES=20000 DEBUG=false .venv/bin/python bench/records.py
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from run import say

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = int(os.environ.get("BENCH_RECORD_ENTRIES", "5000"))
DOCUMENTS = int(os.environ.get("BENCH_RECORD_DOCUMENTS", "50"))
REPEATS = 5


def setup(var_dir: Path) -> None:
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

    # Pages are rendered in process: static files are found, not collected.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    call_command("migrate", verbosity=0)


def build() -> tuple[int, object]:
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from carecircle.accounts.services import user_sign_up
    from carecircle.circles.services import circle_create
    from carecircle.records.models import RecordDocument, RecordEntry, RecordVersion

    organiser = user_sign_up(email="bench@example.org", password=secrets.token_urlsafe(16), display_name="Bench")
    circle = circle_create(actor=organiser, person_name="Dad")
    now = timezone.now()
    kinds: list[tuple[str, Callable[[int], dict[str, str]]]] = [
        ("notes", lambda n: {"text": f"Day {n}: ate well, slept badly", "mood": "okay", "weight": "72.5"}),
        ("medications", lambda n: {"name": f"Medicine {n}", "strength": "5 mg", "dose": "1", "stopped": ""}),
        ("contacts", lambda n: {"name": f"Contact {n}", "phone": "+442079460000"}),
        ("conditions", lambda n: {"name": f"Condition {n}"}),
    ]
    weights = [0.9, 0.04, 0.03, 0.03]
    entries = []
    for number in range(ENTRIES):
        index = 0 if number % 100 < weights[0] * 100 else 1 + number % 3
        section, values = kinds[index]
        entries.append(
            RecordEntry(
                circle=circle,
                section=section,
                data=values(number),
                version=3,
                created_by=organiser,
                updated_by=organiser,
                updated_by_name="Bench",
                created_at=now,
                updated_at=now,
            )
        )
    RecordEntry.objects.bulk_create(entries, batch_size=1000)
    versions = [
        RecordVersion(
            entry=entry,
            number=n,
            change="edited" if n > 1 else "created",
            data=entry.data,
            audience="everyone",
            author=organiser,
            author_name="Bench",
        )
        for entry in RecordEntry.objects.filter(circle=circle)
        for n in (1, 2, 3)
    ]
    RecordVersion.objects.bulk_create(versions, batch_size=2000)
    content = b"%PDF-1.4\n" + os.urandom(200 * 1024)
    for number in range(DOCUMENTS):
        entry = RecordEntry.objects.create(
            circle=circle,
            section="documents",
            data={"title": f"Letter {number}"},
            created_by=organiser,
            updated_by=organiser,
            updated_by_name="Bench",
        )
        document = RecordDocument(entry=entry, content_type="application/pdf", size=len(content), filename="l.pdf")
        document.file.save("l.pdf", ContentFile(content), save=False)
        document.save()
    return circle.pk, organiser


def timed(client: object, url: str, *, stream: bool = False) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(url)  # type: ignore[attr-defined]
    size = len(b"".join(response.streaming_content)) if stream else len(response.content)
    assert response.status_code == 200, (url, response.status_code)
    return time.perf_counter() - started, size


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        setup(Path(directory))
        from django.test import Client

        started = time.perf_counter()
        circle_id, organiser = build()
        say(f"built {ENTRIES} entries x 3 versions and {DOCUMENTS} documents in {time.perf_counter() - started:.1f} s")
        client = Client()
        client.force_login(organiser)  # type: ignore[arg-type]
        targets = [
            ("/ping (baseline)", "/ping", False),
            ("daily notes page", f"/circles/{circle_id}/record/notes/", False),
            ("medications page", f"/circles/{circle_id}/record/medications/", False),
            ("record contents", f"/circles/{circle_id}/record/", False),
            ("PDF summary", f"/circles/{circle_id}/record/summary.pdf", False),
            ("FHIR bundle", f"/circles/{circle_id}/record/fhir.json", False),
        ]
        for label, url, stream in targets:
            timed(client, url, stream=stream)
            runs = [timed(client, url, stream=stream) for _ in range(REPEATS)]
            median = statistics.median(seconds for seconds, _ in runs)
            say(f"{label:22} median {median * 1000:8.1f} ms  ({runs[0][1] / 1024:.0f} KB)")
        seconds, size = timed(client, f"/circles/{circle_id}/record/export.zip", stream=True)
        say(f"{'full export (zip)':22} {seconds:8.2f} s   ({size / 1024 / 1024:.1f} MB)")


if __name__ == "__main__":
    main()
