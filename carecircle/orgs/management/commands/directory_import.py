"""`carecircle directory_import [FILE]`: import the local service directory (Open Referral UK JSON).

With a file, reads it; without one, fetches ORGS_DIRECTORY_URL (or --url) with a timeout and a
size limit. Prints what was added, updated and hidden, and each service with a problem; exits 1
when the directory as a whole can't be read, so a timer or cron job notices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from carecircle.orgs.directory import DirectoryRefused, directory_import, fetch, max_bytes


class Command(BaseCommand):
    help = "Import the local service directory from an Open Referral UK JSON file or URL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="A JSON file; without one, the configured URL is fetched.")
        parser.add_argument("--url", default="", help="Fetch from this address instead of ORGS_DIRECTORY_URL.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            content = self._content(options["file"], options["url"] or settings.ORGS_DIRECTORY_URL)
            report = directory_import(content)
        except DirectoryRefused as refused:
            raise CommandError(str(refused)) from None
        for problem in report.problems:
            self.stderr.write(str(problem))
        self.stdout.write(report.summary())

    def _content(self, file: str | None, url: str) -> bytes:
        if file:
            path = Path(file)
            if not path.is_file():
                raise DirectoryRefused("no_file", path=file)
            if path.stat().st_size > max_bytes():
                raise DirectoryRefused("too_big", kilobytes=max_bytes() // 1024)
            return path.read_bytes()
        if not url:
            raise DirectoryRefused("no_address")
        return fetch(url)
