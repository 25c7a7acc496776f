"""Tasks joined to the other areas: comments, thanks, the record's daily notes and emergency plan,
and the full export."""

from __future__ import annotations

import datetime
import io
import uuid
import zipfile
from typing import Any

from django.urls import reverse
from django.utils import timezone

from carecircle.conversations.models import ThankYou
from carecircle.notifications.models import Delivery
from carecircle.records.sections import SECTION_BY_KEY
from carecircle.records.services import entry_create
from carecircle.tasks.models import StandIn, VisitOutcome
from carecircle.tasks.rota_services import visit_log_create
from carecircle.tasks.services import occurrence_done, task_volunteer
from tests.cast import Cast
from tests.circles.conftest import text_of
from tests.tasks.conftest import circle_today, make_task, on_the_day, soon, wall_clock_now


def _detail(task: Any, on: datetime.date) -> str:
    return reverse("tasks:detail", args=[task.circle_id, task.pk]) + f"?on={on:%Y-%m-%d}"


def test_helpers_talk_about_a_task_on_its_page(cast: Cast, as_user: Any) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the eye clinic")
    thread = reverse("conversations:thread", args=[cast.circle.pk, "task", task.pk])
    posted = as_user(cast.helper).post(
        thread, {"body": "I can do the way there, not back.", "client_id": str(uuid.uuid4())}
    )
    assert posted.status_code == 302
    page = text_of(as_user(cast.organiser).get(_detail(task, task.start_date)))
    assert "I can do the way there, not back." in page
    assert "Comments on Lift to the eye clinic" in text_of(as_user(cast.organiser).get(thread))


def test_a_private_tasks_comments_are_as_private_as_the_task(cast: Cast, as_user: Any) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Bank visit", private=True)
    thread = reverse("conversations:thread", args=[cast.circle.pk, "task", task.pk])
    assert as_user(cast.helper).get(thread).status_code == 404
    assert as_user(cast.organiser).get(thread).status_code == 200
    assert as_user(cast.outsider).get(thread).status_code == 404


def test_thanks_for_a_done_task_reach_the_helper_once(cast: Cast, as_user: Any) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Shopping")
    on = task.start_date
    task_volunteer(actor=cast.helper, task=task, occurrence_date=on)
    url = reverse("tasks:thank", args=[cast.circle.pk, task.pk])
    body = {"on": f"{on:%Y-%m-%d}", "recipient": str(cast.helper.pk), "note": "You're a star"}
    client = as_user(cast.organiser)

    assert client.post(url, body).status_code == 409  # not done yet
    with on_the_day(on):
        occurrence_done(actor=cast.helper, task=task, occurrence_date=on)
    page = text_of(client.get(_detail(task, on)))
    assert f"Say thank you to {cast.helper.display_name}" in page
    assert "Say thank you" not in text_of(as_user(cast.helper).get(_detail(task, on)))

    assert client.post(url, body).status_code == 302
    assert client.post(url, body).status_code == 302
    thanks = ThankYou.objects.get()
    assert (thanks.sender, thanks.recipient, thanks.note) == (cast.organiser, cast.helper, "You're a star")
    assert thanks.subject_label.startswith("Shopping")
    stranger = {**body, "recipient": str(cast.paid_carer.pk)}
    assert client.post(url, stranger).status_code == 400
    assert as_user(cast.helper).post(url, body).status_code == 409  # thanking yourself


def test_paid_carers_visit_logs_appear_in_the_daily_notes(cast: Cast, as_user: Any) -> None:
    visit = make_task(actor=cast.organiser, circle=cast.circle, title="Morning call", start_date=circle_today())
    hidden = make_task(
        actor=cast.organiser, circle=cast.circle, title="Private call", start_date=circle_today(), private=True
    )
    arrived = timezone.now() - datetime.timedelta(hours=3)
    for task, notes in ((visit, "Ate well, in good spirits"), (hidden, "Talked about money")):
        visit_log_create(
            actor=cast.organiser,
            task=task,
            occurrence_date=task.start_date,
            arrived_at=arrived,
            left_at=arrived + datetime.timedelta(minutes=40),
            notes=notes,
            outcome=VisitOutcome.ALL_OK,
        )
    notes_url = reverse("records:section", args=[cast.circle.pk, "notes"])
    organiser_page = text_of(as_user(cast.organiser).get(notes_url))
    assert "Ate well, in good spirits" in organiser_page
    assert "Talked about money" in organiser_page
    helper_page = text_of(as_user(cast.helper).get(notes_url))
    assert "Ate well, in good spirits" in helper_page
    assert "Talked about money" not in helper_page


def test_the_stand_ins_help_request_links_to_the_emergency_plan_once_there_is_one(cast: Cast, as_user: Any) -> None:
    StandIn.objects.create(circle=cast.circle, user=cast.paid_carer, rank=1)
    url = reverse("tasks:away", args=[cast.circle.pk])
    now = wall_clock_now()

    def declare(days: int) -> str:
        task = make_task(actor=cast.organiser, circle=cast.circle, start_date=soon(days))
        task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)
        start = now + datetime.timedelta(days=days - 1)
        as_user(cast.helper).post(
            url,
            {"starts_at": f"{start:%Y-%m-%dT%H:%M}", "ends_at": f"{start + datetime.timedelta(days=2):%Y-%m-%dT%H:%M}"},
        )
        return str(Delivery.objects.filter(idempotency_key__startswith="cant-cover-").latest("id").body)

    plan = reverse("records:section", args=[cast.circle.pk, "emergency"])
    assert plan not in declare(2)
    entry_create(
        actor=cast.organiser,
        circle=cast.circle,
        section=SECTION_BY_KEY["emergency"],
        values={"if_main_carer_cant": "Call Priya, then the agency."},
    )
    assert plan in declare(6)


def test_the_full_export_carries_the_tasks(cast: Cast, as_user: Any) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Prescription pick-up")
    response = as_user(cast.organiser).get(reverse("records:export_download", args=[cast.circle.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    tasks_csv = next(name for name in names if name.endswith("csv/tasks.csv"))
    assert "Prescription pick-up" in archive.read(tasks_csv).decode()
    assert any(name.endswith("csv/visit_logs.csv") for name in names)
