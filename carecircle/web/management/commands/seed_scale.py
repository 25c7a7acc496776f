"""`carecircle seed-scale`: fill an empty database with many realistic circles, for benchmarks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carecircle.web.scale_seed import CIRCLES_AT_FULL_SCALE, SeedRefused, circles_for, seed_scale


class Command(BaseCommand):
    help = (
        f"Fill an empty database with realistic data in bulk: at --scale 1, {CIRCLES_AT_FULL_SCALE:,} circles, "
        "about 100,000 people, 1,000,000 task occurrences, 5,000,000 messages and 500,000 record entries, "
        "with their audit rows and recent live events. Use PostgreSQL past a small scale."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Fraction of the full size: 0.01 makes 100 circles."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale: float = options["scale"]
        if not 0 < scale <= 10:
            raise CommandError("Choose a --scale above 0 and at most 10 (1 is 10,000 circles).")
        circles = circles_for(scale)
        self.stdout.write(f"Seeding {circles:,} circles…")
        try:
            result = seed_scale(circles=circles, progress=self.stdout.write)
        except SeedRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        for name, count in result.rows.items():
            self.stdout.write(f"  {name}: {count:,}")
        self.stdout.write(self.style.SUCCESS(f"Seeded {result.circles:,} circles in {result.seconds:.0f} s."))
