"""Acting from an email: signed, single-use, expiring links that land on a confirm page."""

from __future__ import annotations

import datetime
import html
import re

import pytest
import time_machine
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.audit.display import entry_sentence
from carecircle.audit.models import AuditEntry
from carecircle.circles.models import Membership
from carecircle.circles.services import membership_remove
from carecircle.conversations.models import ThankYou
from carecircle.notifications.models import Delivery
from carecircle.tasks.email_actions import CANT, TAKE, THANK, action_token
from carecircle.tasks.models import ActionLinkUse, Assignment, Decline, Task
from carecircle.tasks.services import occurrence_done, task_decline, task_volunteer
from tests.bursts import at_once
from tests.cast import Cast
from tests.tasks.conftest import circle_today, make_task, on_the_day

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/act/(\S+)/")


class Page:
    """A response with its text unescaped, as a reader sees it."""

    def __init__(self, response: HttpResponseBase) -> None:
        self.status_code = response.status_code
        self.text = html.unescape(getattr(response, "content", b"").decode())


def get(token: str) -> Page:
    return Page(Client().get(_url(token)))


def post(token: str, data: dict[str, str] | None = None) -> Page:
    return Page(Client().post(_url(token), data or {}))


def _url(token: str) -> str:
    return reverse("tasks:email_action", kwargs={"token": token})


def _token(user: User, task: Task, action: str, **extra: int) -> str:
    return action_token(user_id=user.pk, task=task, occurrence_date=task.start_date, action=action, **extra)


def _email_to(user: User, category: str, key: str = "") -> Delivery:
    return Delivery.objects.get(recipient=user, category=category, channel="email", idempotency_key__startswith=key)


def _going(task: Task) -> set[int]:
    return set(Assignment.objects.filter(task=task, withdrawn_at__isnull=True).values_list("user_id", flat=True))


def test_help_needed_email_carries_both_links_for_its_reader(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    body = _email_to(cast.helper, "help_needed").body
    assert "I'll do it: " in body
    assert "I can't: " in body
    token = LINK.findall(body)[0]
    response = get(token)
    assert response.status_code == 200
    assert f"You're answering as {cast.helper.display_name}." in response.text
    assert task.title in response.text


def test_a_bare_get_changes_nothing(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    token = _token(cast.helper, task, TAKE)
    for _ in range(3):
        assert get(token).status_code == 200
    assert _going(task) == set()
    assert not ActionLinkUse.objects.exists()


def test_ill_do_it_works_without_signing_in_and_only_once(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    token = _token(cast.helper, task, TAKE)
    response = post(token)
    assert response.status_code == 200
    assert "You're down for" in response.text
    assert _going(task) == {cast.helper.pk}
    again = post(token)
    assert again.status_code == 410
    assert "already been used" in again.text
    assert get(token).status_code == 410


def test_i_cant_declines_a_request_once(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    response = post(_token(cast.helper, task, CANT))
    assert response.status_code == 200
    assert Decline.objects.filter(task=task, user=cast.helper).count() == 1
    entry = AuditEntry.objects.get(action="tasks.declined")
    day = task.start_date
    expected = f"said they can't help with \u201cLift to hospital\u201d on {day:%a} {day.day} {day:%b}"
    assert entry_sentence(entry) == f"{cast.helper.display_name} {expected}"
    # A second "I can't" (from another link) notes nothing new.
    assert task_decline(actor=cast.helper, task=task, occurrence_date=task.start_date) is False
    assert Decline.objects.count() == 1


def test_i_cant_from_a_reminder_gives_up_the_place(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)
    assert post(_token(cast.helper, task, CANT)).status_code == 200
    assert _going(task) == set()
    assert not Decline.objects.exists()
    assert AuditEntry.objects.filter(action="tasks.withdrew").count() == 1


def test_an_expired_link_is_refused(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    token = _token(cast.helper, task, TAKE)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=14, minutes=1)
    with time_machine.travel(later):
        response = post(token)
    assert response.status_code == 410
    assert "more than 14 days old" in response.text
    assert _going(task) == set()


def test_a_link_still_works_just_before_it_expires(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, start_date=circle_today() + datetime.timedelta(days=20))
    token = _token(cast.helper, task, TAKE)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=13, hours=23)
    with time_machine.travel(later):
        assert post(token).status_code == 200
    assert _going(task) == {cast.helper.pk}


def test_an_altered_link_is_refused(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    token = _token(cast.helper, task, TAKE)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for bad in (forged, "nonsense", token.replace(":", "")):
        response = post(bad)
        assert response.status_code == 410
        assert "isn't complete" in response.text
    assert _going(task) == set()


def test_a_link_stops_working_for_someone_who_left_the_circle(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    token = _token(cast.helper, task, TAKE)
    membership_remove(actor=cast.organiser, member=Membership.objects.get(circle=cast.circle, user=cast.helper))
    for response in (get(token), post(token)):
        assert response.status_code == 410
        assert "not in this circle" in response.text
    assert _going(task) == set()


def test_a_well_wisher_cannot_take_help_even_with_a_made_up_link(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    response = post(_token(cast.well_wisher, task, TAKE))
    assert response.status_code == 410
    assert _going(task) == set()


def test_a_covered_task_says_so_and_the_link_can_be_tried_again(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    task_volunteer(actor=cast.paid_carer, task=task, occurrence_date=task.start_date)
    token = _token(cast.helper, task, TAKE)
    response = post(token)
    assert response.status_code == 409
    assert "covered" in response.text
    assert not ActionLinkUse.objects.exists()


def test_say_thank_you_from_the_done_email(cast: Cast) -> None:
    day = circle_today()
    task = make_task(actor=cast.organiser, circle=cast.circle, start_date=day)
    task_volunteer(actor=cast.helper, task=task, occurrence_date=day)
    with on_the_day(day):
        occurrence_done(actor=cast.helper, task=task, occurrence_date=day)
    body = _email_to(cast.organiser, "help_changed", "task-done-").body
    assert f"Say thank you to {cast.helper.display_name}: " in body
    token = LINK.findall(body)[0]
    response = post(token, {"note": "You're a star"})
    assert response.status_code == 200
    thanks = ThankYou.objects.get()
    assert thanks.recipient_id == cast.helper.pk
    assert thanks.note == "You're a star"


def test_thanks_before_it_is_done_are_refused(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)
    token = _token(cast.organiser, task, THANK, thank_user_id=cast.helper.pk)
    response = post(token)
    assert response.status_code == 409
    assert "once it's done" in response.text
    assert not ThankYou.objects.exists()


def test_a_too_long_note_is_a_clear_400(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    token = _token(cast.organiser, task, THANK, thank_user_id=cast.helper.pk)
    response = post(token, {"note": "x" * 501})
    assert response.status_code == 400
    assert "under 500 characters" in response.text


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_presses_on_one_link_acts_once(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    token = _token(cast.helper, task, CANT)
    task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)

    statuses = [response.status_code for response in at_once([lambda: post(token)] * 6)]
    assert sorted(statuses) == [200] + [410] * 5
    assert AuditEntry.objects.filter(action="tasks.withdrew").count() == 1
    assert ActionLinkUse.objects.count() == 1
