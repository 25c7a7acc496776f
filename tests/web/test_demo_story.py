"""The demo tells the README's story: Priya's daily visits are covered, "I can't cover" has a real
stand-in for each of those who cover, and the record names Dad properly."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command

from carecircle.circles.access import access_circle
from carecircle.circles.models import Circle
from carecircle.notifications.models import Delivery
from carecircle.records.access import access_record
from carecircle.records.exports import essentials_for
from carecircle.tasks.models import Category, StandIn, Status, Task, VisitLog
from carecircle.tasks.rota_services import unavailability_declare
from carecircle.tasks.selectors import occurrences_for

LONDON = ZoneInfo("Europe/London")


def load_demo(settings, at: datetime.datetime) -> Circle:
    settings.DEBUG = True
    with time_machine.travel(at, tick=False):
        call_command("demo", verbosity=0)
    return Circle.objects.get(person_name="Dad")


def test_the_paid_carer_covers_every_morning_visit_and_logs_this_one(db, settings):
    dad = load_demo(settings, datetime.datetime(2026, 12, 7, 10, 0, tzinfo=LONDON))
    organiser = dad.memberships.get(user__email="organiser@demo.carecircle.test").user
    visits = Task.objects.get(circle=dad, category=Category.PAID_VISIT)
    start = datetime.datetime(2026, 12, 7, tzinfo=LONDON)
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, tzinfo=LONDON), tick=False):
        items = [
            item
            for item in occurrences_for(
                accesses=[access_circle(user=organiser, circle_id=dad.pk)],
                window_start=start,
                window_end=start + datetime.timedelta(days=14),
            )
            if item.task.pk == visits.pk
        ]
    assert len(items) == 14
    assert all(item.status != Status.NEEDS_HELP for item in items)
    assert {a.user.email for item in items for a in item.going} == {"paidcarer@demo.carecircle.test"}
    assert items[0].status == Status.DONE
    assert VisitLog.objects.get(task=visits).notes.startswith("Ate porridge")


def test_before_the_visit_nothing_is_logged_or_done(db, settings):
    dad = load_demo(settings, datetime.datetime(2026, 12, 7, 6, 30, tzinfo=LONDON))
    visits = Task.objects.get(circle=dad, category=Category.PAID_VISIT)
    assert not VisitLog.objects.filter(task=visits).exists()
    assert not visits.changes.filter(done_at__isnull=False).exists()


def test_i_cant_cover_reaches_a_stand_in_who_is_someone_else(db, settings, django_capture_on_commit_callbacks):
    dad = load_demo(settings, datetime.datetime(2026, 12, 7, 10, 0, tzinfo=LONDON))
    ranked = list(StandIn.objects.filter(circle=dad).order_by("rank").values_list("user__email", flat=True))
    assert ranked == ["helper@demo.carecircle.test", "paidcarer@demo.carecircle.test"]
    tom = dad.memberships.get(user__email="helper@demo.carecircle.test").user
    morning = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=LONDON)
    with time_machine.travel(morning, tick=False), django_capture_on_commit_callbacks(execute=True):
        _, handed_back = unavailability_declare(
            actor=tom, circle=dad, starts_at=morning, ends_at=morning + datetime.timedelta(hours=48), note="Flu"
        )
    assert sorted(item.task.title for item in handed_back) == ["Lift to the eye clinic", "Weekly shop"]
    asked = set(Delivery.objects.filter(idempotency_key__startswith="cant-cover-").values_list("to", flat=True))
    assert asked == {"paidcarer@demo.carecircle.test"}


def test_the_record_names_dad_properly(db, settings):
    dad = load_demo(settings, datetime.datetime(2026, 12, 7, 10, 0, tzinfo=LONDON))
    nurse = dad.memberships.get(user__email="professional@demo.carecircle.test").user
    essentials = essentials_for(access_record(user=nurse, circle_id=dad.pk))
    assert essentials.full_name == "Arthur James Bennett"
    assert essentials.identity["nhs_number"] == "943 476 5919"
