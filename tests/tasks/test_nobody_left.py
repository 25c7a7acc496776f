"""When nobody (more) is set to step in: said honestly, the organisers told once, and "Ask everyone who can help"."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.notifications.models import Delivery, Notification
from carecircle.tasks.models import AskedAs, NobodyLeft, StandInAsk, Task
from carecircle.tasks.pacing import NEXT_AFTER, help_ask_everyone, stand_ins_escalate
from carecircle.tasks.rota_services import stand_ins_set, unavailability_declare
from carecircle.tasks.services import task_decline, task_volunteer
from tests.bursts import at_once
from tests.cast import Cast, build_cast
from tests.circles.conftest import add_members, text_of
from tests.tasks.conftest import circle_today, make_task, wall_clock_now

pytestmark = pytest.mark.django_db


def told(key_start: str) -> list[int]:
    """Who was told in the app about something whose key starts so, in id order."""
    return list(
        Notification.objects.filter(key__startswith=key_start)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
    )


def helper_cant_cover_from_the_page(cast: Cast, as_user: Any) -> tuple[Task, Any]:
    """The helper, the only stand-in, is going to a lift tomorrow and says "I can't cover" on the page."""
    stand_ins_set(actor=cast.organiser, circle=cast.circle, user_ids=[cast.helper.pk])
    lift = make_task(
        actor=cast.organiser, circle=cast.circle, title="Lift", start_date=circle_today() + datetime.timedelta(days=1)
    )
    task_volunteer(actor=cast.helper, task=lift, occurrence_date=lift.start_date)
    client = as_user(cast.helper)
    now = wall_clock_now()
    away = reverse("tasks:away", kwargs={"circle_id": cast.circle.pk})
    form = text_of(client.get(away))
    assert "we'll ask Helper" not in form  # not the person saying they can't cover
    assert "Nobody is set to step in yet." in form
    response = client.post(
        away,
        {"starts_at": f"{now:%Y-%m-%dT%H:%M}", "ends_at": f"{now + datetime.timedelta(days=3):%Y-%m-%dT%H:%M}"},
        follow=True,
    )
    return lift, response


def test_cant_cover_with_nobody_else_set_says_so_and_tells_the_organisers(cast: Cast, as_user: Any) -> None:
    lift, response = helper_cant_cover_from_the_page(cast, as_user)

    page = text_of(response)
    assert "Nobody else is set to step in for this. The organisers have been told." in page
    assert "have been asked" not in page
    assert "Ask everyone who can help" in page
    assert not StandInAsk.objects.exists()
    # The organisers (the organiser and the person) are told once; not the helper, who knows.
    assert told("nobody-left-none_set-") == sorted([cast.person.pk, cast.organiser.pk])
    assert Delivery.objects.filter(
        idempotency_key__startswith="nobody-left-none_set-", to=cast.organiser.email
    ).exists()
    assert NobodyLeft.objects.filter(task=lift, reason=NobodyLeft.Reason.NONE_SET).count() == 1


def test_ask_everyone_from_the_page_asks_each_person_once(cast: Cast, as_user: Any) -> None:
    lift, response = helper_cant_cover_from_the_page(cast, as_user)
    client = as_user(cast.helper)
    period_id = response.redirect_chain[-1][0].rstrip("/").rsplit("/", 1)[-1]
    url = reverse("tasks:ask_everyone", kwargs={"circle_id": cast.circle.pk, "task_id": lift.pk})
    form = {"on": lift.start_date.isoformat(), "period": period_id}

    first = client.post(url, form, follow=True)
    again = client.post(url, form, follow=True)

    # Everyone who may volunteer, except the helper who gave it up: the person, the organiser, the paid carer.
    expected = sorted([cast.person.pk, cast.organiser.pk, cast.paid_carer.pk])
    asked = StandInAsk.objects.filter(task=lift, asked_as=AskedAs.EVERYONE)
    assert sorted(asked.values_list("user_id", flat=True)) == expected
    assert "Asked 3 people who can help." in text_of(first)
    assert "Everyone who can help has been asked." in text_of(first)
    assert "Everyone who can help has already been asked. Nobody was asked twice." in text_of(again)
    emails = Delivery.objects.filter(idempotency_key__startswith="ask-everyone-", channel="email")
    assert sorted(emails.values_list("recipient_id", flat=True)) == expected
    assert "I'll do it: " in emails.first().body  # type: ignore[union-attr]


def test_only_organisers_and_whoever_gave_it_up_may_ask_everyone(cast: Cast, as_user: Any) -> None:
    lift = make_task(actor=cast.organiser, circle=cast.circle, title="Lift")
    url = reverse("tasks:ask_everyone", kwargs={"circle_id": cast.circle.pk, "task_id": lift.pk})
    form = {"on": lift.start_date.isoformat()}

    assert as_user(cast.helper).post(url, form).status_code == 403
    assert as_user(cast.organiser).post(url, {"on": "not a day"}).status_code == 400
    assert not StandInAsk.objects.exists()
    detail = text_of(
        as_user(cast.organiser).get(f"{reverse('tasks:detail', args=[cast.circle.pk, lift.pk])}?on={lift.start_date}")
    )
    assert "Ask everyone who can help" in detail
    assert as_user(cast.organiser).post(url, form).status_code == 302
    assert StandInAsk.objects.filter(asked_as=AskedAs.EVERYONE).count() == 3


def organiser_cant_cover_with_two_stand_ins(cast: Cast) -> Task:
    stand_ins_set(actor=cast.organiser, circle=cast.circle, user_ids=[cast.helper.pk, cast.person.pk])
    lift = make_task(
        actor=cast.organiser, circle=cast.circle, title="Lift", start_date=circle_today() + datetime.timedelta(days=2)
    )
    task_volunteer(actor=cast.organiser, task=lift, occurrence_date=lift.start_date)
    now = timezone.now()
    unavailability_declare(
        actor=cast.organiser, circle=cast.circle, starts_at=now, ends_at=now + datetime.timedelta(days=3)
    )
    return lift


def test_when_every_stand_in_says_no_the_organisers_are_told_once(cast: Cast) -> None:
    lift = organiser_cant_cover_with_two_stand_ins(cast)
    assert told("nobody-left-") == []

    task_decline(actor=cast.helper, task=lift, occurrence_date=lift.start_date)
    assert told("nobody-left-") == []  # the person hasn't answered yet
    task_decline(actor=cast.person, task=lift, occurrence_date=lift.start_date)

    # The organiser who couldn't cover is told too: it's news to them. The person said no, but manages it.
    assert told("nobody-left-all_asked-") == sorted([cast.person.pk, cast.organiser.pk])
    body = Delivery.objects.get(idempotency_key__startswith="nobody-left-all_asked-", to=cast.organiser.email).body
    assert "Every stand-in has been asked about" in body
    assert "ask everyone who can help" in body
    with time_machine.travel(timezone.now() + NEXT_AFTER + datetime.timedelta(minutes=1)):
        assert stand_ins_escalate() == 0
        assert stand_ins_escalate() == 0
    assert NobodyLeft.objects.count() == 1
    assert Delivery.objects.filter(idempotency_key__startswith="nobody-left-").count() == 2


def test_when_the_wait_runs_out_with_nobody_left_the_organisers_are_told_once(cast: Cast) -> None:
    lift = organiser_cant_cover_with_two_stand_ins(cast)
    for minutes in (1, 6, 11):
        with time_machine.travel(timezone.now() + NEXT_AFTER + datetime.timedelta(minutes=minutes)):
            stand_ins_escalate()
    assert told("nobody-left-all_asked-") == sorted([cast.person.pk, cast.organiser.pk])
    assert NobodyLeft.objects.filter(task=lift).count() == 1

    # Once everyone has been asked, nobody is told "every stand-in was asked" about it again.
    help_ask_everyone(actor=cast.person, task=lift, occurrence_date=lift.start_date)
    assert sorted(StandInAsk.objects.filter(task=lift).values_list("user_id", flat=True)) == sorted(
        [cast.helper.pk, cast.person.pk, cast.paid_carer.pk]
    )


def test_someone_asked_before_is_asked_again_once_it_needs_help_afresh(cast: Cast) -> None:
    lift = organiser_cant_cover_with_two_stand_ins(cast)
    help_ask_everyone(actor=cast.organiser, task=lift, occurrence_date=lift.start_date)
    task_volunteer(actor=cast.paid_carer, task=lift, occurrence_date=lift.start_date)
    assert help_ask_everyone_refused(cast, lift)

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        from carecircle.tasks.services import task_withdraw

        task_withdraw(actor=cast.paid_carer, task=lift, occurrence_date=lift.start_date)
        assert help_ask_everyone(actor=cast.organiser, task=lift, occurrence_date=lift.start_date) == 2
        assert help_ask_everyone(actor=cast.organiser, task=lift, occurrence_date=lift.start_date) == 0
    # The helper was asked as a stand-in the first time it needed someone, and once more now.
    asks = Delivery.objects.filter(recipient_id=cast.helper.pk, channel="email", category="help_needed")
    assert asks.exclude(idempotency_key__startswith="task-new-").count() == 2
    # Nobody who gave up a place on it is asked to take it again.
    paid_carer_asks = Delivery.objects.filter(recipient_id=cast.paid_carer.pk, idempotency_key__startswith="ask-")
    assert paid_carer_asks.filter(channel="email").count() == 1


def help_ask_everyone_refused(cast: Cast, lift: Task) -> bool:
    from carecircle.tasks.services import TaskConflict

    try:
        help_ask_everyone(actor=cast.organiser, task=lift, occurrence_date=lift.start_date)
    except TaskConflict:
        return True
    return False


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_asks_and_scheduler_runs_asks_each_person_once() -> None:
    """Simultaneous "ask everyone" presses, "I can't" and pacing scans on one occurrence (SQLite and PostgreSQL)."""
    cast = build_cast()
    extra = [membership.user for membership in add_members(circle=cast.circle, actor=cast.organiser, how_many=6)]
    lift = organiser_cant_cover_with_two_stand_ins(cast)
    stand_ins_set(
        actor=cast.organiser, circle=cast.circle, user_ids=[cast.helper.pk, cast.person.pk, *[u.pk for u in extra]]
    )
    later = timezone.now() + NEXT_AFTER + datetime.timedelta(minutes=1)

    def work(number: int) -> Any:
        if number % 3 == 0:
            return lambda: help_ask_everyone(actor=cast.organiser, task=lift, occurrence_date=lift.start_date)
        if number == 1:
            return lambda: task_decline(
                actor=User.objects.get(pk=cast.helper.pk), task=lift, occurrence_date=lift.start_date
            )
        return lambda: stand_ins_escalate(now=later)

    at_once([work(number) for number in range(8)])

    asked = list(StandInAsk.objects.filter(task=lift).values_list("user_id", flat=True))
    assert len(asked) == len(set(asked))
    everyone = {cast.helper.pk, cast.person.pk, cast.paid_carer.pk, *[u.pk for u in extra]}
    assert set(asked) == everyone
    # One email and at most one in-app notice per person, whichever way they were asked.
    for user_id in everyone:
        emails = Delivery.objects.filter(recipient_id=user_id, channel="email", category="help_needed")
        assert emails.exclude(idempotency_key__startswith="task-new-").count() == 1, user_id


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_declines_and_scans_tells_the_organisers_once() -> None:
    """Both stand-ins say "I can't" at the same moment as several pacing scans: one NobodyLeft, one notice each."""
    cast = build_cast()
    lift = organiser_cant_cover_with_two_stand_ins(cast)
    later = timezone.now() + NEXT_AFTER + datetime.timedelta(minutes=1)

    def decline(who: User) -> Any:
        return lambda: task_decline(actor=User.objects.get(pk=who.pk), task=lift, occurrence_date=lift.start_date)

    at_once([decline(cast.helper), decline(cast.person), *[lambda: stand_ins_escalate(now=later)] * 4])

    assert NobodyLeft.objects.filter(task=lift).count() == 1
    assert told("nobody-left-") == sorted([cast.person.pk, cast.organiser.pk])
    emails = Delivery.objects.filter(idempotency_key__startswith="nobody-left-", channel="email")
    assert sorted(emails.values_list("recipient_id", flat=True)) == sorted([cast.person.pk, cast.organiser.pk])
