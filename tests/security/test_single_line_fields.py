"""Single-line fields fold control characters everywhere (review finding 3): a line break typed or
sent into a name never reaches an email header."""

from __future__ import annotations

import datetime

from django.core import mail
from django.utils import timezone

from carecircle.circles.services import circle_update
from carecircle.tasks.models import Category, VisitOutcome
from carecircle.tasks.rota_services import visit_log_create
from tests.api.conftest import token_client
from tests.cast import Cast
from tests.tasks.conftest import make_task


def test_a_line_break_in_the_person_s_name_is_folded_through_the_api(cast: Cast):
    response = token_client(cast.organiser).post(
        "/api/v1/circles", {"person_name": "Dad\nSmith", "relationship": "son\r\n"}, content_type="application/json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["person_name"] == "Dad Smith"


def test_a_visit_concern_still_emails_when_the_name_was_typed_with_a_line_break(
    cast: Cast, django_capture_on_commit_callbacks
):
    circle_update(actor=cast.organiser, circle=cast.circle, person_name="Dad\nSmith", person_date_of_birth=None)
    visit = make_task(
        actor=cast.organiser, circle=cast.circle, category=Category.PAID_VISIT, start_date=timezone.localdate()
    )
    arrived = timezone.now() - datetime.timedelta(hours=1)

    with django_capture_on_commit_callbacks(execute=True):
        visit_log_create(
            actor=cast.paid_carer,
            task=visit,
            occurrence_date=visit.start_date,
            arrived_at=arrived,
            left_at=None,
            notes="Hadn't eaten.",
            outcome=VisitOutcome.CONCERN,
        )

    subjects = [message.subject for message in mail.outbox]
    assert subjects
    assert all("\n" not in subject for subject in subjects)


def test_record_and_task_single_line_fields_are_folded(cast: Cast):
    client = token_client(cast.organiser)
    entry = client.post(
        f"/api/v1/circles/{cast.circle.pk}/record/medications",
        {"values": {"name": "Met\nformin", "schedule": "twice\ta day"}},
        content_type="application/json",
    )
    day = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    task = client.post(
        f"/api/v1/circles/{cast.circle.pk}/tasks",
        {"title": "Lift\nto hospital", "date": day, "address": "1 High St\r\nLeeds"},
        content_type="application/json",
    )

    assert entry.json()["values"]["name"] == "Met formin"
    assert entry.json()["values"]["schedule"] == "twice a day"
    assert (task.json()["title"], task.json()["address"]) == ("Lift to hospital", "1 High St Leeds")
