"""Benchmark: the print page, the PDF and the FHIR file of a big record, and the shared record's first page.

Builds bench/run.py's 60-member circle on a throwaway database (SQLite, or PostgreSQL when
BENCH_DATABASE_URL names an empty database) and fills the record as bench/record_pages.py does
(BENCH_ENTRIES entries in each list section, default 500). Then, as the organiser through Django's
test client, prints for each the bytes of the response, the queries it makes, and the median
milliseconds of BENCH_ROUNDS requests (wall) after the first, and the first's. The PDF's first
request answers "being prepared" (202, "PDF, first request"); the worker's drawing is timed on its
own ("PDF, worker drawing": what that request took when it drew the PDF itself); the "PDF" row is
then the drawn PDF served. The record's contents page (one count query) is the
same-run baseline. Queries are also measured at BENCH_ENTRIES // 10 entries first, so growth shows.

    .venv/bin/python bench/record_exports.py
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/share_bench .venv/bin/python bench/record_exports.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def count_queries(request: Callable[[], object]) -> int:
    """The queries `request` makes, counted as they run.

    The bench's first version sliced `CaptureQueriesContext`'s log and printed 0 for every page; a
    wrapper on the connection counts every query as it is executed, whatever happens to the log.
    """
    from django.db import connection

    count = 0

    def counted(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        request()
    return count


def draw_waiting() -> float:
    """Run the worker's waiting PDF jobs here, as `carecircle worker` would; milliseconds taken."""
    from carecircle.records.models import PdfJob
    from carecircle.records.pdf_jobs import draw_pdf_job

    wall = time.perf_counter()
    for job_id in PdfJob.objects.filter(status=PdfJob.Status.WAITING).values_list("pk", flat=True):
        draw_pdf_job.call(job_id)
    return (time.perf_counter() - wall) * 1000


def main() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from run import ready_environment, say

    extra = {}
    if os.environ.get("BENCH_DATABASE_URL"):
        extra["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    with tempfile.TemporaryDirectory(prefix="carecircle-bench-exports-") as directory:
        ready_environment(Path(directory), MEDIA_ROOT=str(Path(directory) / "media"), **extra)
        import record_pages
        from run import build_circle

        circle_id, cookie = build_circle()
        from django.db import close_old_connections, connection
        from django.test import Client, override_settings

        from carecircle.circles.models import Membership
        from carecircle.records.sections import SECTIONS
        from carecircle.records.services import share_link_create

        record = f"/circles/{circle_id}/record/"
        name, value = cookie.split("=", 1)
        client = Client()
        client.cookies[name] = value
        organiser = Membership.objects.select_related("user", "circle").get(circle_id=circle_id, role="organiser")
        _, token = share_link_create(
            actor=organiser.user,
            circle=organiser.circle,
            recipient="Bench nurse",
            sections=[section.key for section in SECTIONS],
            hours=24,
        )
        pages = [
            ("contents (baseline)", record),
            ("print page", f"{record}summary/"),
            ("PDF", f"{record}summary.pdf"),
            # The organiser's FHIR download asks for the password again (step-up); the link gives the same bundle.
            ("FHIR (through the link)", f"/shared/{token}/fhir.json"),
            ("shared, first page", f"/shared/{token}/"),
            ("shared, contacts part", f"/shared/{token}/?section=contacts&from=10"),
        ]
        full = record_pages.ENTRIES
        few_queries: dict[str, int] = {}
        with override_settings(ALLOWED_HOSTS=["testserver"]):
            for entries in (max(full // 10, 1), full):
                # Fill up to `entries` in each list section (the first round adds a tenth).
                record_pages.ENTRIES = entries - (0 if not few_queries else full // 10 if full >= 10 else 1)
                record_pages.fill_record(circle_id)
                say(f"{entries} entries in each list section; organiser; {connection.vendor}, DEBUG off")
                say(f"{'page':24}{'bytes':>11}{'queries':>9}{'ms':>9}{'first ms':>10}")
                for label, path in pages:
                    wall = time.perf_counter()
                    response = client.get(path)
                    first = (time.perf_counter() - wall) * 1000
                    if label == "PDF":
                        # The request answers "being prepared" (202); the worker's drawing is what the
                        # request itself took before the PDF moved to the worker (issue 12).
                        assert response.status_code == 202, (path, response.status_code)
                        say(f"{'PDF, first request':24}{len(response.content):>11,}{'':>9}{'':>9}{first:>10.1f}")
                        say(f"{'PDF, worker drawing':24}{'':>11}{'':>9}{'':>9}{draw_waiting():>10.1f}")
                        response = client.get(path)
                    body = b"".join(response) if response.streaming else response.content
                    queries = count_queries(partial(client.get, path))
                    walls = []
                    for _ in range(ROUNDS):
                        wall = time.perf_counter()
                        client.get(path)
                        close_old_connections()
                        walls.append((time.perf_counter() - wall) * 1000)
                    grew = ""
                    if label in few_queries and few_queries[label] != queries:
                        grew = f"  (was {few_queries[label]})"
                    few_queries.setdefault(label, queries)
                    say(f"{label:24}{len(body):>11,}{queries:>9}{statistics.median(walls):>9.1f}{first:>10.1f}{grew}")


if __name__ == "__main__":
    main()
