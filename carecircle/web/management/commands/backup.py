"""`carecircle backup`: the database and every uploaded file in one archive, while the site runs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from carecircle.web.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and uploaded documents and photos into one .tar file (safe while the site runs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", help="Where to write the backup (default: var/backups/carecircle-<time>.tar).")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        default = Path(settings.VAR_DIR) / "backups" / f"carecircle-{timezone.now():%Y%m%d-%H%M%S}.tar"
        output = Path(options["output"] or default)
        started = time.monotonic()
        try:
            result = backup_create(output=output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backed up the {result.engine} database and {result.files} files "
            f"({result.bytes / 1_000_000:.1f} MB) in {time.monotonic() - started:.1f} s."
        )
        self.stdout.write(str(result.path))
