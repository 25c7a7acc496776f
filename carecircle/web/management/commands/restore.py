"""`carecircle restore FILE --yes`: put back a backup made by `carecircle backup`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carecircle.web.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Replace the database and uploaded files with a backup. Stop every app server and worker first; "
        "the backup is checked completely before anything is changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="The .tar file `carecircle backup` wrote.")
        parser.add_argument("--yes", action="store_true", help="Confirm that the current data may be replaced.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError(
                "Restoring replaces everything in the database and MEDIA_ROOT. "
                "Stop the site, then run again with --yes."
            )
        started = time.monotonic()
        try:
            manifest = backup_restore(archive_path=Path(options["archive"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored the {manifest['engine']} database and {len(manifest['media'])} files from a backup made "
            f"{manifest['created_at']}, in {time.monotonic() - started:.1f} s."
        )
