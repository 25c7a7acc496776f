"""The tasks part of a circle's full export: CSV files that read back."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone

from carecircle.tasks.exports import going_csv, tasks_csv, visit_logs_csv
from carecircle.tasks.models import VisitOutcome
from carecircle.tasks.rota_services import visit_log_create
from carecircle.tasks.services import task_volunteer, task_withdraw
from tests.cast import Cast
from tests.tasks.conftest import circle_today, make_task

pytestmark = pytest.mark.django_db


def rows(chunks: object) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(chunks).decode())))  # type: ignore[arg-type]


def test_the_export_holds_tasks_who_went_and_visits(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title='Lift, "urgent"', start_date=circle_today())
    make_task(actor=cast.outsider, circle=cast.other_circle, title="Not ours")
    task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)
    task_withdraw(actor=cast.helper, task=task, occurrence_date=task.start_date, reason="Ill")
    visit_log_create(
        actor=cast.paid_carer,
        task=task,
        occurrence_date=task.start_date,
        arrived_at=timezone.now() - datetime.timedelta(minutes=5),
        left_at=None,
        notes="Fine",
        outcome=VisitOutcome.ALL_OK,
    )
    assert [row["title"] for row in rows(tasks_csv(cast.circle))] == ['Lift, "urgent"']
    going = rows(going_csv(cast.circle))
    assert going[0]["person"] == "Helper"
    assert going[0]["withdraw_reason"] == "Ill"
    assert rows(visit_logs_csv(cast.circle))[0]["notes"] == "Fine"


def test_text_that_a_spreadsheet_would_run_as_a_formula_stays_text(cast: Cast) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title='=HYPERLINK("http://evil.example","Lift")')
    assert [row["title"] for row in rows(tasks_csv(cast.circle))] == ['\'=HYPERLINK("http://evil.example","Lift")']
