"""Stand-ins are asked in turn: two at a time in rank order, the next after "I can't" or a wait (tasks/pacing.py)."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.utils import timezone

from carecircle.notifications.models import Delivery
from carecircle.tasks.email_actions import action_perform
from carecircle.tasks.models import Decline, StandInAsk, Task
from carecircle.tasks.pacing import NEXT_AFTER, stand_ins_escalate
from carecircle.tasks.rota_services import stand_ins_set, standing_offer_add, unavailability_declare
from carecircle.tasks.services import task_decline, task_volunteer
from tests.cast import Cast
from tests.tasks.conftest import circle_today, make_task

pytestmark = pytest.mark.django_db


def stand_in_emails() -> list[str]:
    asks = Delivery.objects.filter(channel="email").filter(idempotency_key__regex=r"^(cant-cover|stand-in)-")
    return list(asks.order_by("id").values_list("to", flat=True))


def organiser_cant_cover(cast: Cast, *, days: int = 2) -> Task:
    """The organiser is going to a lift in two days, then can't cover; three stand-ins in rank order."""
    stand_ins_set(
        actor=cast.organiser, circle=cast.circle, user_ids=[cast.helper.pk, cast.person.pk, cast.paid_carer.pk]
    )
    lift = make_task(
        actor=cast.organiser,
        circle=cast.circle,
        title="Lift",
        start_date=circle_today() + datetime.timedelta(days=days),
    )
    task_volunteer(actor=cast.organiser, task=lift, occurrence_date=lift.start_date)
    now = timezone.now()
    unavailability_declare(
        actor=cast.organiser, circle=cast.circle, starts_at=now, ends_at=now + datetime.timedelta(days=days + 1)
    )
    return lift


def test_the_first_two_stand_ins_are_asked_and_the_third_only_after_one_cant(cast: Cast) -> None:
    lift = organiser_cant_cover(cast)
    assert sorted(stand_in_emails()) == sorted([cast.helper.email, cast.person.email])

    task_decline(actor=cast.helper, task=lift, occurrence_date=lift.start_date)

    assert len(stand_in_emails()) == 3
    assert stand_in_emails()[-1] == cast.paid_carer.email
    # Everyone has been asked once: a later wait asks nobody again.
    with time_machine.travel(timezone.now() + NEXT_AFTER + datetime.timedelta(minutes=1)):
        assert stand_ins_escalate() == 0
    assert StandInAsk.objects.filter(task=lift).count() == 3


def test_after_the_wait_the_next_stand_in_is_asked_while_it_still_needs_help(cast: Cast) -> None:
    lift = organiser_cant_cover(cast)
    assert stand_ins_escalate() == 0  # too soon
    with time_machine.travel(timezone.now() + NEXT_AFTER + datetime.timedelta(minutes=1)):
        assert stand_ins_escalate() == 1
    assert stand_in_emails()[-1] == cast.paid_carer.email
    assert StandInAsk.objects.get(task=lift, user=cast.paid_carer).asker == cast.organiser


def test_nobody_more_is_asked_once_someone_has_taken_it(cast: Cast) -> None:
    lift = organiser_cant_cover(cast)
    task_volunteer(actor=cast.person, task=lift, occurrence_date=lift.start_date)
    with time_machine.travel(timezone.now() + NEXT_AFTER + datetime.timedelta(minutes=1)):
        assert stand_ins_escalate() == 0
    task_decline(actor=cast.helper, task=lift, occurrence_date=lift.start_date)
    assert cast.paid_carer.email not in stand_in_emails()


def test_a_stand_in_who_already_said_they_cant_is_skipped(cast: Cast) -> None:
    stand_ins_set(
        actor=cast.organiser, circle=cast.circle, user_ids=[cast.helper.pk, cast.person.pk, cast.paid_carer.pk]
    )
    lift = make_task(
        actor=cast.organiser, circle=cast.circle, title="Lift", start_date=circle_today() + datetime.timedelta(days=2)
    )
    task_volunteer(actor=cast.organiser, task=lift, occurrence_date=lift.start_date)
    Decline.objects.create(task=lift, occurrence_date=lift.start_date, user=cast.helper)
    now = timezone.now()
    unavailability_declare(
        actor=cast.organiser, circle=cast.circle, starts_at=now, ends_at=now + datetime.timedelta(days=3)
    )
    assert sorted(stand_in_emails()) == sorted([cast.person.email, cast.paid_carer.email])


def test_the_email_carries_working_links_and_i_cant_asks_the_next(cast: Cast) -> None:
    lift = organiser_cant_cover(cast)
    body = Delivery.objects.get(channel="email", to=cast.helper.email, idempotency_key__startswith="cant-cover-").body
    take = re.search(r"I'll do it: \S+/act/([^/\s]+)/", body)
    cant = re.search(r"I can't: \S+/act/([^/\s]+)/", body)
    assert take, body
    assert cant, body

    action_perform(token=cant.group(1))

    assert Decline.objects.filter(task=lift, user=cast.helper).exists()
    assert stand_in_emails()[-1] == cast.paid_carer.email
    second = Delivery.objects.get(channel="email", to=cast.person.email, idempotency_key__startswith="cant-cover-")
    person_take = re.search(r"I'll do it: \S+/act/([^/\s]+)/", second.body)
    assert person_take
    action_perform(token=person_take.group(1))
    assert lift.assignments.filter(user=cast.person, withdrawn_at__isnull=True).exists()


def test_standing_offer_emails_carry_ill_do_it_and_i_cant(cast: Cast) -> None:
    day = circle_today() + datetime.timedelta(days=2)
    standing_offer_add(actor=cast.helper, circle=cast.circle, weekday=day.weekday(), part="morning")
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift", start_date=day, start_time=datetime.time(9, 0))
    ask = Delivery.objects.get(channel="email", to=cast.helper.email, idempotency_key__startswith="offer-ask-")
    assert re.search(r"I'll do it: \S+/act/\S+", ask.body)
    assert re.search(r"I can't: \S+/act/\S+", ask.body)
