"""Stays (an occurrence running past its first day): the rest of one under way can still be taken.

On the page, through the API, from an email's "I'll do it" and by texting YES (docs/architecture/tasks.md).
Every test sets the clock, so none depends on the hour it runs.
"""

from __future__ import annotations

import datetime
import html
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.notifications.models import Delivery
from carecircle.tasks.answers import Answer, Outcome, occurrence_answer
from carecircle.tasks.email_actions import TAKE, action_token
from carecircle.tasks.models import Assignment, ReplyCode, Task
from carecircle.tasks.services import TaskConflict, TaskError, task_volunteer
from tests.api.conftest import token_client
from tests.bursts import at_once
from tests.cast import Cast, build_cast
from tests.tasks.conftest import ZONE, make_task
from tests.web.test_sms_inbound import AUTH_TOKEN, HELPER_MOBILE, last_reply, twilio_text

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo(ZONE)
FRIDAY = datetime.date(2026, 3, 13)
SUNDAY = FRIDAY + datetime.timedelta(days=2)


def at(day: datetime.date, hour: int, minute: int = 0) -> time_machine.travel:
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON), tick=False)


@pytest.fixture(autouse=True)
def providers(settings: Any) -> None:
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN


def weekend_stay(cast: Cast) -> Task:
    """ "Stay with Dad", all day Friday to Sunday, one person; the helper has a mobile for texts."""
    cast.helper.phone = HELPER_MOBILE
    cast.helper.save(update_fields=["phone"])
    with at(FRIDAY - datetime.timedelta(days=3), 9):
        return make_task(
            actor=cast.organiser,
            circle=cast.circle,
            title="Stay with Dad",
            start_date=FRIDAY,
            start_time=None,
            duration_minutes=3 * 1440,
        )


def page(user: User, task: Task) -> str:
    client = Client()
    client.force_login(user)
    url = reverse("tasks:detail", kwargs={"circle_id": task.circle_id, "task_id": task.pk})
    response = client.get(url, {"on": task.start_date.isoformat()})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def volunteer_on_page(user: User, task: Task) -> Any:
    client = Client()
    client.force_login(user)
    url = reverse("tasks:volunteer", kwargs={"circle_id": task.circle_id, "task_id": task.pk})
    return client.post(url, {"on": task.start_date.isoformat()}, follow=True)


def going(task: Task) -> list[int]:
    return list(Assignment.objects.filter(task=task, withdrawn_at__isnull=True).values_list("user_id", flat=True))


def test_on_the_page_the_rest_of_a_stay_under_way_can_be_taken(cast: Cast) -> None:
    stay = weekend_stay(cast)
    with at(SUNDAY - datetime.timedelta(days=1), 9, 15):  # Saturday morning
        shown = page(cast.helper, stay)
        assert "Fri 13 Mar 2026 to Sun 15 Mar 2026, all day" in shown
        assert (
            "This has already begun. If you take it on now, you're down for the rest of it, until Sunday 15 March."
            in shown
        )
        answer = volunteer_on_page(cast.helper, stay)
        assert answer.status_code == 200
        text = html.unescape(answer.content.decode())
        assert "Thank you. You're down for the rest of “Stay with Dad”, until Sunday 15 March." in text
        assert going(stay) == [cast.helper.pk]
        # Everyone sees from when they cover it.
        assert f"{cast.helper.display_name} (from Sat 14 Mar, 09:15)" in page(cast.organiser, stay)
    told = Delivery.objects.filter(recipient=cast.organiser, idempotency_key__startswith="task-took-").first()
    assert told is not None
    assert f"{cast.helper.display_name} has taken on the rest of Stay with Dad, until Sunday 15 March" in told.subject


def test_once_the_stay_is_over_nobody_can_take_it(cast: Cast) -> None:
    stay = weekend_stay(cast)
    with at(SUNDAY, 23, 59):
        assert "I'll do it" in page(cast.helper, stay)
    with at(SUNDAY + datetime.timedelta(days=1), 0, 1):
        assert "I'll do it" not in page(cast.helper, stay)
        with pytest.raises(TaskError, match="Sunday 15 March has passed"):
            task_volunteer(actor=cast.helper, task=stay, occurrence_date=FRIDAY)
        with pytest.raises(TaskConflict, match="already started or passed"):
            occurrence_answer(actor=cast.helper, task=stay, occurrence_date=FRIDAY, answer=Answer.TAKE)
    assert going(stay) == []


def test_the_api_takes_the_rest_of_a_stay_under_way(cast: Cast) -> None:
    stay = weekend_stay(cast)
    url = f"/api/v1/circles/{cast.circle.pk}/tasks/{stay.pk}/volunteer"
    with at(SUNDAY, 8):
        answer = token_client(cast.paid_carer).post(url, {"on": FRIDAY.isoformat()}, content_type="application/json")
    assert answer.status_code == 200
    assert answer.json()["status"] == "covered"
    with at(SUNDAY + datetime.timedelta(days=1), 8):
        late = token_client(cast.helper).post(url, {"on": FRIDAY.isoformat()}, content_type="application/json")
    assert late.status_code == 400
    assert "Sunday 15 March has passed" in late.json()["detail"]
    assert going(stay) == [cast.paid_carer.pk]


def test_an_emails_ill_do_it_takes_the_rest_of_a_stay_under_way(cast: Cast) -> None:
    stay = weekend_stay(cast)
    token = action_token(user_id=cast.helper.pk, task=stay, occurrence_date=FRIDAY, action=TAKE)
    url = reverse("tasks:email_action", kwargs={"token": token})
    with at(SUNDAY - datetime.timedelta(days=1), 20):
        done = Client().post(url)
    assert done.status_code == 200
    assert "Thank you. You're down for the rest of “Stay with Dad”, until Sun 15 Mar." in html.unescape(
        done.content.decode()
    )
    assert going(stay) == [cast.helper.pk]


def test_a_text_yes_takes_the_rest_of_a_stay_and_a_started_day_stays_refused(cast: Cast) -> None:
    stay = weekend_stay(cast)
    code = ReplyCode.objects.get(task=stay, occurrence_date=FRIDAY).code
    client = Client()
    with at(SUNDAY - datetime.timedelta(days=1), 7):
        assert twilio_text(client, HELPER_MOBILE, f"YES {code}").status_code == 200
    assert last_reply(HELPER_MOBILE) == (
        "Thank you: you're down for the rest of Stay with Dad on Fri 13 Mar, until Sun 15 Mar."
    )
    assert going(stay) == [cast.helper.pk]
    # An ordinary visit that has started still can't be taken by text, as before.
    with at(FRIDAY - datetime.timedelta(days=2), 9):
        visit = make_task(actor=cast.organiser, circle=cast.circle, title="Visit", start_date=FRIDAY)
    visit_code = ReplyCode.objects.get(task=visit, occurrence_date=FRIDAY).code
    with at(FRIDAY, 10, 45):
        twilio_text(client, HELPER_MOBILE, f"YES {visit_code}")
    assert last_reply(HELPER_MOBILE) == "Visit on Fri 13 Mar has already started or passed, so nothing changed."
    assert going(visit) == []


def test_an_overnight_stay_can_be_taken_after_midnight_until_it_ends(cast: Cast) -> None:
    with at(FRIDAY - datetime.timedelta(days=2), 9):
        night = make_task(
            actor=cast.organiser,
            circle=cast.circle,
            title="Night sit",
            start_date=FRIDAY,
            start_time=datetime.time(20),
            duration_minutes=12 * 60,
        )
    saturday = FRIDAY + datetime.timedelta(days=1)
    with at(saturday, 2):
        shown = page(cast.helper, night)
        assert "Fri 13 Mar 2026, 20:00 to Sat 14 Mar 2026, 08:00" in shown
        answered = occurrence_answer(actor=cast.helper, task=night, occurrence_date=FRIDAY, answer=Answer.TAKE)
    assert answered.outcome == Outcome.TAKEN_REST
    assert answered.until == "Sat 14 Mar"
    # After it ended, a text can't take it; the page still could that day, to say who went.
    with at(saturday, 8, 30), pytest.raises(TaskConflict, match="already started or passed"):
        occurrence_answer(actor=cast.paid_carer, task=night, occurrence_date=FRIDAY, answer=Answer.TAKE)


@pytest.mark.django_db(transaction=True)
def test_two_people_taking_a_stay_under_way_at_once_one_wins_and_the_other_is_told() -> None:
    """A text's YES and the page's "I'll do it" at the same moment (SQLite and PostgreSQL)."""
    cast = build_cast()
    stay = weekend_stay(cast)

    def by_text() -> str:
        try:
            occurrence_answer(actor=cast.helper, task=stay, occurrence_date=FRIDAY, answer=Answer.TAKE)
        except TaskConflict as refusal:
            return str(refusal)
        return "taken"

    def on_the_page() -> str:
        try:
            task_volunteer(actor=cast.paid_carer, task=stay, occurrence_date=FRIDAY)
        except TaskConflict as refusal:
            return str(refusal)
        return "taken"

    with at(SUNDAY - datetime.timedelta(days=1), 12):
        results = at_once([by_text, on_the_page])
    assert sorted(results) == [
        "Someone else has just taken the last place, so this is covered. Thank you for offering.",
        "taken",
    ]
    assert len(going(stay)) == 1
