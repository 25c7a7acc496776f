"""Paid carers' visit logs on the record's daily notes page (registered from TasksConfig.ready()).

The record's daily notes page shows these under "Visits by paid carers": the last fortnight's
visits, newest first, at most VISIT_NOTES_SHOWN of them. A visit to a private task is shown only to
those who manage tasks (organisers and the person), as on the tasks pages; a share link never shows
one.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.circles.registries import NoteItem, NoteReader
from carecircle.tasks.models import VisitLog, VisitOutcome

VISIT_NOTES_DAYS = 14
VISIT_NOTES_SHOWN = 20


def visit_notes(reader: NoteReader) -> list[NoteItem]:
    since = timezone.now() - datetime.timedelta(days=VISIT_NOTES_DAYS)
    logs = VisitLog.objects.filter(circle_id=reader.circle.pk, arrived_at__gte=since)
    if reader.access is None or not reader.access.can("tasks.manage"):
        logs = logs.filter(task__private=False)
    items = []
    for log in logs.select_related("author", "task").order_by("-arrived_at", "-id")[:VISIT_NOTES_SHOWN]:
        outcome = _("All OK") if log.outcome == VisitOutcome.ALL_OK else _("A concern")
        left = _(", left %(time)s") % {"time": f"{timezone.localtime(log.left_at):%H:%M}"} if log.left_at else ""
        text = f"{outcome}{left}. {log.notes}".strip()
        author = log.author.display_name if log.author is not None else ""
        items.append(NoteItem(when=log.arrived_at, title=log.task.title, text=text, author_name=author))
    return items
