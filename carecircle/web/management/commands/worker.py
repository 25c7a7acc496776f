"""`carecircle worker`: run queued background work (emails, texts); any number may run at once.

This is django-tasks-db's db_worker under CareCircle's name, with all of its options (--batch,
--queue-name, --interval, --max-tasks, --reload…).
"""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class Command(DatabaseWorkerCommand):
    help = (
        "Run queued background work such as sending emails and text messages. Ctrl-C stops it after the current task."
    )
