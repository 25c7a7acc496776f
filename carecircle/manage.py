"""The `carecircle` command: Django's manage.py, installed into the virtual environment."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    from django.conf import settings

    # One box keeps its database, uploads and outbox under var/.
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    from carecircle.lib.startup import refuse_unsafe_configuration

    refuse_unsafe_configuration()
    arguments = list(sys.argv)
    # `carecircle mail-inbound` and `carecircle mail_inbound` are the same command.
    if len(arguments) > 1 and not arguments[1].startswith("-"):
        arguments[1] = arguments[1].replace("-", "_")
    execute_from_command_line(arguments)


if __name__ == "__main__":
    main()
