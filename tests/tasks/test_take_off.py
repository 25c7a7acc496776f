"""An organiser takes someone off a task from its page; the person taken off is told (docs/architecture/tasks.md).

Every test sets the clock, so none depends on the hour it runs.
"""

from __future__ import annotations

import datetime
import html
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.notifications.models import Delivery, Notification
from carecircle.tasks.models import Assignment, Task
from carecircle.tasks.services import task_cancel, task_volunteer, task_withdraw
from tests.bursts import at_once
from tests.cast import Cast
from tests.tasks.conftest import ZONE, make_task
from tests.tasks.test_stay_give_up import MONDAY, weekend_stay
from tests.web.test_sms_inbound import HELPER_MOBILE

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo(ZONE)
FRIDAY = datetime.date(2026, 12, 4)
TAKEN_OFF = "task-taken-off-"


def at(day: datetime.date, hour: int, minute: int = 0) -> time_machine.travel:
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON), tick=False)


def lift(cast: Cast, **extra: Any) -> Task:
    """ "Lift to hospital" on Friday at 10:30 London time, two people, the helper and the paid carer down for it."""
    with at(FRIDAY - datetime.timedelta(days=4), 9):
        task = make_task(actor=cast.organiser, circle=cast.circle, start_date=FRIDAY, people_needed=2, **extra)
        task_volunteer(actor=cast.helper, task=task, occurrence_date=FRIDAY)
        task_volunteer(actor=cast.paid_carer, task=task, occurrence_date=FRIDAY)
    return task


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def withdraw_url(task: Task) -> str:
    return reverse("tasks:withdraw", kwargs={"circle_id": task.circle_id, "task_id": task.pk})


def page_of(user: User, task: Task, on: datetime.date = FRIDAY) -> str:
    url = reverse("tasks:detail", kwargs={"circle_id": task.circle_id, "task_id": task.pk})
    response = signed_in(user).get(url, {"on": on.isoformat()})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def take_off(client: Client, task: Task, person: User, reason: str = "", on: datetime.date = FRIDAY) -> Any:
    return client.post(withdraw_url(task), {"on": on.isoformat(), "member": person.pk, "reason": reason})


def flash(response: Any) -> str:
    return html.unescape(response.content.decode())


def going(task: Task) -> list[int]:
    return sorted(Assignment.objects.filter(task=task, withdrawn_at__isnull=True).values_list("user_id", flat=True))


def notices(user: User) -> Any:
    return Delivery.objects.filter(recipient=user, idempotency_key__startswith=TAKEN_OFF)


def test_organisers_see_a_take_off_control_beside_each_other_person_going(cast: Cast) -> None:
    task = lift(cast)
    with at(FRIDAY - datetime.timedelta(days=1), 9):
        organisers = page_of(cast.organiser, task)
        helpers = page_of(cast.helper, task)
    assert "<summary>Take Helper off</summary>" in organisers
    assert "<summary>Take Paid Carer off</summary>" in organisers
    assert f'<input type="hidden" name="member" value="{cast.helper.pk}">' in organisers
    assert 'name="csrfmiddlewaretoken"' in organisers
    assert "Yes, take Helper off" in organisers
    assert '<label for="take-off-note-' in organisers
    assert "Helper will no longer be down for it, and it will need help again. They'll be told, with your note." in (
        organisers
    )
    assert "Take Paid Carer off" not in helpers
    assert 'name="member"' not in helpers


def test_an_organiser_is_not_offered_to_take_themselves_off_nor_anyone_once_it_is_done(cast: Cast) -> None:
    with at(FRIDAY - datetime.timedelta(days=3), 9):
        task = make_task(actor=cast.organiser, circle=cast.circle, start_date=FRIDAY, people_needed=2)
        task_volunteer(actor=cast.organiser, task=task, occurrence_date=FRIDAY)
        task_volunteer(actor=cast.helper, task=task, occurrence_date=FRIDAY)
        page = page_of(cast.organiser, task)
    assert "Take Helper off" in page
    assert "Take Olivia Organiser off" not in page
    cancelled = lift(cast, title="Cancelled lift")
    with at(FRIDAY - datetime.timedelta(days=2), 9):
        task_cancel(actor=cast.organiser, task=cancelled)
    with at(FRIDAY - datetime.timedelta(days=1), 9):
        assert "Take Helper off" not in page_of(cast.organiser, cancelled)


def test_a_helper_posting_someone_else_is_refused_and_nothing_changes(cast: Cast) -> None:
    task = lift(cast)
    with at(FRIDAY - datetime.timedelta(days=1), 9):
        response = take_off(signed_in(cast.helper), task, cast.paid_carer)
    assert response.status_code == 403
    assert going(task) == sorted([cast.helper.pk, cast.paid_carer.pk])
    assert not Delivery.objects.filter(idempotency_key__startswith=TAKEN_OFF).exists()


def test_someone_not_in_the_circle_is_a_clear_400(cast: Cast) -> None:
    task = lift(cast)
    with at(FRIDAY - datetime.timedelta(days=1), 9):
        for member in (cast.outsider.pk, "x", "9" * 30):
            response = signed_in(cast.organiser).post(withdraw_url(task), {"on": FRIDAY.isoformat(), "member": member})
            assert response.status_code == 400
            assert "That person isn't in this circle. Choose a member." in flash(response)
    assert len(going(task)) == 2


def test_an_organiser_takes_a_helper_off_and_the_helper_is_told_on_their_clock(cast: Cast) -> None:
    """10:30 on Friday in London is 19:30 in Tokyo."""
    task = lift(cast)
    cast.helper.time_zone = "Asia/Tokyo"
    cast.helper.phone = HELPER_MOBILE
    cast.helper.save(update_fields=["time_zone", "phone"])
    with at(FRIDAY - datetime.timedelta(days=1), 9):
        organiser = signed_in(cast.organiser)
        response = take_off(organiser, task, cast.helper, reason="  Sam is driving instead ")
        assert response.status_code == 302
        shown = flash(organiser.get(response["Location"]))
    assert "You've taken Helper off “Lift to hospital” on Friday 4 December. It needs help again." in shown
    assert "Helper: Sam is driving instead" in shown  # under "Couldn't go after all"
    assert going(task) == [cast.paid_carer.pk]
    email = notices(cast.helper).get(channel="email")
    assert email.category == "reminder"
    assert email.subject == "Olivia Organiser has taken you off Lift to hospital on Friday 4 December"
    assert email.body.startswith(
        "Olivia Organiser took you off “Lift to hospital” for Dad, Fri 4 Dec, 19:30 (your time), "
        "so you don't need to go. It needs help again.\n\nTheir note: Sam is driving instead\n\n"
        "Open it in CareCircle: "
    )
    assert f"/tasks/{task.pk}/?on=2026-12-04" in email.body
    text = notices(cast.helper).get(channel="sms")
    assert text.body.startswith("Olivia Organiser has taken you off Lift to hospital on Friday 4 December")
    assert Notification.objects.filter(recipient=cast.helper, key__startswith=TAKEN_OFF).count() == 1
    # Nobody else hears this message, nor is anyone but organisers told the helper gave it up.
    assert not Delivery.objects.filter(idempotency_key__startswith=TAKEN_OFF).exclude(recipient=cast.helper).exists()
    assert Delivery.objects.filter(recipient=cast.paid_carer, idempotency_key__startswith="task-gave-up-").count() == 0


def test_an_all_day_task_names_the_day_only(cast: Cast) -> None:
    task = lift(cast, title="Garden tidy", start_time=None)
    with at(FRIDAY - datetime.timedelta(days=1), 9):
        take_off(signed_in(cast.organiser), task, cast.helper)
    email = notices(cast.helper).get(channel="email")
    assert email.body.startswith(
        "Olivia Organiser took you off “Garden tidy” for Dad on Friday 4 December, so you don't need to go."
    )
    assert "Their note" not in email.body


def test_a_second_press_changes_nothing_and_says_so(cast: Cast) -> None:
    task = lift(cast)
    with at(FRIDAY - datetime.timedelta(days=1), 9):
        # Signed in on the day: a session started at the test clock's date would have expired by then.
        organiser = signed_in(cast.organiser)
        take_off(organiser, task, cast.helper)
        again = organiser.post(
            withdraw_url(task), {"on": FRIDAY.isoformat(), "member": cast.helper.pk, "reason": ""}, follow=True
        )
    assert "Helper wasn't down for this one, so nothing changed." in flash(again)
    assert Assignment.objects.filter(task=task, user=cast.helper, withdrawn_at__isnull=False).count() == 1
    assert notices(cast.helper).filter(channel="email").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_six_presses_takes_them_off_once_and_tells_them_once(cast: Cast) -> None:
    task = lift(cast)
    with at(FRIDAY - datetime.timedelta(days=1), 9):
        clients = [signed_in(cast.organiser) for _ in range(6)]
        statuses = [
            response.status_code
            for response in at_once([partial(take_off, client, task, cast.helper) for client in clients])
        ]
    assert statuses == [302] * 6
    assert Assignment.objects.filter(task=task, user=cast.helper, withdrawn_at__isnull=False).count() == 1
    assert going(task) == [cast.paid_carer.pk]
    assert notices(cast.helper).filter(channel="email").count() == 1
    assert Notification.objects.filter(recipient=cast.helper, key__startswith=TAKEN_OFF).count() == 1


def test_giving_it_up_yourself_sends_no_taken_off_message(cast: Cast) -> None:
    task = lift(cast)
    with at(FRIDAY - datetime.timedelta(days=1), 9):
        response = signed_in(cast.helper).post(withdraw_url(task), {"on": FRIDAY.isoformat(), "reason": "Ill"})
        assert response.status_code == 302
        task_withdraw(actor=cast.paid_carer, task=task, occurrence_date=FRIDAY, user=cast.paid_carer)
    assert going(task) == []
    assert not Delivery.objects.filter(idempotency_key__startswith=TAKEN_OFF).exists()


def test_taking_someone_off_a_stay_under_way_says_which_days_stay_theirs(cast: Cast) -> None:
    stay = weekend_stay(cast)
    with at(MONDAY - datetime.timedelta(days=1), 8):
        assert "from Sunday 6 December it needs help again. The days before stay theirs." in page_of(
            cast.organiser, stay
        )
        organiser = signed_in(cast.organiser)
        response = take_off(organiser, stay, cast.helper, reason="Sam will take over")
        shown = flash(organiser.get(response["Location"]))
    assert (
        "You've taken Helper off the rest of “Stay with Dad”, from Sunday 6 December. "
        "The days they covered, Friday to Saturday, stay theirs."
    ) in shown
    assert notices(cast.helper).get(channel="email").subject == (
        "Olivia Organiser has taken you off the rest of Stay with Dad, from Sunday 6 December"
    )


def test_taken_off_on_a_stays_first_evening_the_organiser_reads_from_when_it_needs_help(cast: Cast) -> None:
    stay = weekend_stay(cast)
    with at(FRIDAY, 21, 30):
        organiser = signed_in(cast.organiser)
        response = take_off(organiser, stay, cast.helper)
        shown = flash(organiser.get(response["Location"]))
    assert "You've taken Helper off “Stay with Dad”. It needs help again from Friday 4 December." in shown


@pytest.mark.parametrize(
    ("language", "subject", "first_line", "note"),
    [
        (
            "en",
            "Olivia Organiser has taken you off Lift to hospital on Friday 4 December",
            "Olivia Organiser took you off “Lift to hospital” for Dad, Fri 4 Dec, 10:30 (your time), "
            "so you don't need to go. It needs help again.",
            "Their note: Sorry",
        ),
        (
            "cy",
            "Mae Olivia Organiser wedi eich tynnu oddi ar “Lift to hospital” (dyddiad: dydd Gwener 4 Rhagfyr)",
            "Gwnaeth Olivia Organiser eich tynnu oddi ar “Lift to hospital” ar gyfer Dad, Gwe 4 Rhag am 10:30 (eich "
            "amser chi), felly does dim angen i chi fynd. Mae angen help eto.",
            "Eu nodyn: Sorry",
        ),
        (
            "pl",
            "Osoba Olivia Organiser wypisała Cię z zadania Lift to hospital (dzień: piątek, 4 grudnia)",
            "Osoba Olivia Organiser wypisała Cię z zadania „Lift to hospital” (Dad): pt 4 gru o 10:30 (Twój czas), "
            "więc nie musisz iść. Pomoc jest znów potrzebna.",
            "Notatka: Sorry",
        ),
    ],
)
def test_the_notice_is_in_their_language(cast: Cast, language: str, subject: str, first_line: str, note: str) -> None:
    task = lift(cast)
    cast.helper.language = language
    cast.helper.save(update_fields=["language"])
    with at(FRIDAY - datetime.timedelta(days=1), 9):
        task_withdraw(actor=cast.organiser, task=task, occurrence_date=FRIDAY, user=cast.helper, reason="Sorry")
    email = notices(cast.helper).get(channel="email")
    assert email.subject == subject
    assert email.body.startswith(first_line + "\n\n" + note + "\n\n")


def test_a_note_too_long_is_shown_in_that_persons_form_and_the_summary_links_to_it(cast: Cast) -> None:
    """Browsers stop at 300 characters; a longer note (a script, an old browser) gets its error where it was typed."""
    task = lift(cast)
    with at(FRIDAY - datetime.timedelta(days=1), 9):
        response = take_off(signed_in(cast.organiser), task, cast.paid_carer, reason="x" * 301)
        refused = take_off(signed_in(cast.helper), task, cast.paid_carer, reason="x" * 301)
    assert response.status_code == 400
    page = flash(response)
    field = f"take-off-note-{cast.paid_carer.pk}"
    assert f'<a href="#{field}">Reason: Ensure this value has at most 300 characters (it has 301).</a>' in page
    assert f'<input type="text" id="{field}" name="reason"' in page
    assert f'aria-describedby="take-off-what-{cast.paid_carer.pk} {field}-error" aria-invalid="true"' in page
    assert f'value="{"x" * 301}"' in page
    assert page.count(" open>") == 1
    assert f'<details class="take-off" id="take-off-{cast.paid_carer.pk}" open>' in page
    assert page.count('aria-invalid="true"') == 1
    assert page.index(f'value="{cast.paid_carer.pk}"') < page.index(f'id="{field}-error"')
    assert refused.status_code == 403
    assert going(task) == sorted([cast.helper.pk, cast.paid_carer.pk])
    assert not Delivery.objects.filter(idempotency_key__startswith=TAKEN_OFF).exists()
