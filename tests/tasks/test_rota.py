"""Visit logs, "I can't cover" with stand-ins, and standing offers."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from carecircle.audit.display import entry_sentence
from carecircle.audit.models import AuditEntry
from carecircle.notifications.models import Delivery
from carecircle.tasks.messages import help_request_message
from carecircle.tasks.models import Assignment, Category, VisitOutcome
from carecircle.tasks.rota_services import (
    stand_ins_set,
    standing_offer_add,
    unavailability_declare,
    visit_log_create,
)
from carecircle.tasks.selectors import visit_logs_for
from carecircle.tasks.services import TaskError, task_volunteer, task_withdraw
from tests.cast import Cast
from tests.tasks.conftest import circle_today, make_task

pytestmark = pytest.mark.django_db


def test_a_visit_with_a_concern_alerts_the_organisers(cast: Cast) -> None:
    visit = make_task(actor=cast.organiser, circle=cast.circle, category=Category.PAID_VISIT, start_date=circle_today())
    arrived = timezone.now() - datetime.timedelta(hours=1)
    log = visit_log_create(
        actor=cast.paid_carer,
        task=visit,
        occurrence_date=visit.start_date,
        arrived_at=arrived,
        left_at=arrived + datetime.timedelta(minutes=45),
        notes="Dad seemed confused and hadn't eaten.",
        outcome=VisitOutcome.CONCERN,
    )
    alerts = Delivery.objects.filter(idempotency_key__startswith=f"visit-concern-{log.pk}-")
    assert sorted(alerts.values_list("to", flat=True)) == sorted([cast.organiser.email, cast.person.email])
    assert "hadn't eaten" in alerts.first().body  # type: ignore[union-attr]
    entry = AuditEntry.objects.get(action="tasks.visit_concern")
    assert "raised a concern" in entry_sentence(entry)
    day_start = timezone.now() - datetime.timedelta(days=1)
    assert visit_logs_for(circle=cast.circle, start=day_start, end=timezone.now()) == [log]


def test_an_all_ok_visit_alerts_nobody(cast: Cast) -> None:
    visit = make_task(actor=cast.organiser, circle=cast.circle, start_date=circle_today())
    visit_log_create(
        actor=cast.paid_carer,
        task=visit,
        occurrence_date=visit.start_date,
        arrived_at=timezone.now() - datetime.timedelta(minutes=30),
        left_at=None,
        notes="",
        outcome=VisitOutcome.ALL_OK,
    )
    assert not Delivery.objects.filter(idempotency_key__startswith="visit-concern-").exists()


@pytest.mark.parametrize(
    ("arrived", "left", "message"),
    [
        (datetime.timedelta(hours=2), None, "in the future"),
        (-datetime.timedelta(hours=1), -datetime.timedelta(hours=2), "before the time you arrived"),
    ],
)
def test_visit_times_that_make_no_sense_are_refused(
    cast: Cast, arrived: datetime.timedelta, left: datetime.timedelta | None, message: str
) -> None:
    visit = make_task(actor=cast.organiser, circle=cast.circle, start_date=circle_today())
    now = timezone.now()
    with pytest.raises(TaskError, match=message):
        visit_log_create(
            actor=cast.paid_carer,
            task=visit,
            occurrence_date=visit.start_date,
            arrived_at=now + arrived,
            left_at=None if left is None else now + left,
            notes="",
            outcome=VisitOutcome.ALL_OK,
        )


def test_i_cant_cover_hands_tasks_back_and_asks_the_stand_ins(cast: Cast) -> None:
    stand_ins_set(actor=cast.organiser, circle=cast.circle, user_ids=[cast.helper.pk, cast.paid_carer.pk])
    tomorrow = make_task(
        actor=cast.organiser,
        circle=cast.circle,
        title="Evening meal",
        start_date=circle_today() + datetime.timedelta(days=1),
    )
    later = make_task(
        actor=cast.organiser,
        circle=cast.circle,
        title="Later visit",
        start_date=circle_today() + datetime.timedelta(days=10),
    )
    for task in (tomorrow, later):
        task_volunteer(actor=cast.organiser, task=task, occurrence_date=task.start_date)
    now = timezone.now()
    _, handed_back = unavailability_declare(
        actor=cast.organiser,
        circle=cast.circle,
        starts_at=now,
        ends_at=now + datetime.timedelta(hours=48),
        note="Flu",
        emergency_plan_url="https://example.org/plan",
    )
    assert [item.task.title for item in handed_back] == ["Evening meal"]
    assert Assignment.objects.get(task=tomorrow).withdrawn_at is not None
    assert Assignment.objects.get(task=later).withdrawn_at is None
    asks = Delivery.objects.filter(idempotency_key__startswith="cant-cover-").order_by("id")
    assert list(asks.values_list("to", flat=True)) == [cast.helper.email, cast.paid_carer.email]
    body = asks[0].body
    assert "Evening meal" in body
    assert "Flu" in body
    assert "https://example.org/plan" in body


def test_the_help_request_leaves_out_the_plan_when_there_is_none(cast: Cast) -> None:
    _, body = help_request_message(person_name="Dad", asker_name="Olivia", items=[], time_zone="Europe/London")
    assert "emergency plan" not in body


def test_stand_ins_must_be_members_who_can_volunteer(cast: Cast) -> None:
    with pytest.raises(TaskError, match="members"):
        stand_ins_set(actor=cast.organiser, circle=cast.circle, user_ids=[cast.outsider.pk])
    with pytest.raises(TaskError, match="volunteer"):
        stand_ins_set(actor=cast.organiser, circle=cast.circle, user_ids=[cast.well_wisher.pk])


def test_an_unavailability_that_ends_before_it_starts_is_refused(cast: Cast) -> None:
    now = timezone.now()
    with pytest.raises(TaskError, match="after the start"):
        unavailability_declare(
            actor=cast.helper, circle=cast.circle, starts_at=now, ends_at=now - datetime.timedelta(hours=1)
        )


def test_a_standing_offer_is_asked_first(cast: Cast) -> None:
    day = circle_today() + datetime.timedelta(days=3)
    standing_offer_add(actor=cast.helper, circle=cast.circle, weekday=day.weekday(), part="evening")
    make_task(
        actor=cast.organiser, circle=cast.circle, title="Evening sit", start_date=day, start_time=datetime.time(19, 0)
    )
    make_task(
        actor=cast.organiser, circle=cast.circle, title="Morning lift", start_date=day, start_time=datetime.time(9, 0)
    )
    asks = Delivery.objects.filter(idempotency_key__startswith="offer-ask-")
    assert asks.count() == 1
    assert asks.get().to == cast.helper.email
    assert "Evening sit" in asks.get().subject


def test_when_someone_gives_up_a_place_those_who_usually_help_then_are_asked(cast: Cast) -> None:
    day = circle_today() + datetime.timedelta(days=8)
    standing_offer_add(actor=cast.paid_carer, circle=cast.circle, weekday=day.weekday(), part="evening")
    weekly = make_task(
        actor=cast.organiser,
        circle=cast.circle,
        title="Evening sit",
        start_date=day - datetime.timedelta(days=7),
        start_time=datetime.time(19, 0),
        rule="FREQ=WEEKLY",
    )
    first_asks = set(
        Delivery.objects.filter(idempotency_key__startswith="offer-ask-").values_list("idempotency_key", flat=True)
    )
    task_volunteer(actor=cast.helper, task=weekly, occurrence_date=day)

    assert task_withdraw(actor=cast.helper, task=weekly, occurrence_date=day, reason="Away")
    assert task_withdraw(actor=cast.helper, task=weekly, occurrence_date=day) is False

    asks = Delivery.objects.filter(idempotency_key__startswith="offer-ask-").exclude(idempotency_key__in=first_asks)
    assert [(ask.to, ask.idempotency_key.split("-")[3]) for ask in asks] == [(cast.paid_carer.email, f"{day:%Y%m%d}")]


def test_someone_going_is_not_asked_again_and_cant_cover_asks_offers_besides_the_stand_ins(cast: Cast) -> None:
    day = circle_today() + datetime.timedelta(days=2)
    for user in (cast.paid_carer, cast.person):
        standing_offer_add(actor=user, circle=cast.circle, weekday=day.weekday(), part="morning")
    stand_ins_set(actor=cast.organiser, circle=cast.circle, user_ids=[cast.paid_carer.pk])
    lift = make_task(
        actor=cast.organiser, circle=cast.circle, title="Lift", start_date=day, start_time=datetime.time(9, 0)
    )
    Delivery.objects.all().delete()
    task_volunteer(actor=cast.helper, task=lift, occurrence_date=day)
    now = timezone.now()

    unavailability_declare(
        actor=cast.helper, circle=cast.circle, starts_at=now, ends_at=now + datetime.timedelta(days=4)
    )

    offers = Delivery.objects.filter(idempotency_key__startswith="offer-ask-")
    assert [ask.to for ask in offers] == [cast.person.email]
    stand_ins = Delivery.objects.filter(idempotency_key__startswith="cant-cover-")
    assert [ask.to for ask in stand_ins] == [cast.paid_carer.email]
