"""`carecircle compilecatalogs`: compile every app's .po into the .mo Django reads, without gettext."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Compile carecircle/<app>/locale/*/LC_MESSAGES/*.po into .mo files (with polib, so gettext "
        "need not be installed) and say which catalogs still have untranslated or fuzzy entries."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from carecircle.web.catalogs import catalogs, compile_catalog, gaps
        except ImportError as error:  # polib is a development dependency
            raise CommandError(f"Compiling catalogs needs the development dependencies ({error}).") from error
        count = 0
        for catalog in catalogs():
            compile_catalog(catalog)
            count += 1
            todo = gaps(catalog.po)
            if todo:
                self.stdout.write(f"{catalog.po}: {len(todo)} entries to translate or check")
        self.stdout.write(f"Compiled {count} catalogs.")
