"""Creating, changing, cancelling tasks and volunteering for them, through the services."""

from __future__ import annotations

import datetime
import uuid

import pytest

from carecircle.audit.display import entry_sentence
from carecircle.audit.models import AuditEntry
from carecircle.lib.repeat_rule import Rule
from carecircle.realtime.models import CircleEvent
from carecircle.tasks.models import Assignment, OccurrenceChange, Status, Task
from carecircle.tasks.schedule import local_midnight_utc, task_occurrences
from carecircle.tasks.services import (
    TaskError,
    TaskFields,
    occurrence_cancel,
    occurrence_done,
    task_cancel,
    task_create,
    task_update,
    task_volunteer,
    task_withdraw,
)
from tests.cast import Cast
from tests.tasks.conftest import ZONE, circle_today, make_task, on_the_day, soon

pytestmark = pytest.mark.django_db


def fields(**values: object) -> TaskFields:
    base: dict[str, object] = {
        "title": "Sunday lunch visit",
        "start_date": soon(),
        "start_time": datetime.time(12, 30),
        "duration_minutes": 90,
        "time_zone": ZONE,
    }
    base.update(values)
    return TaskFields(**base)  # type: ignore[arg-type]


def test_it_creates_a_task_with_an_audit_sentence_and_an_event(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    entry = AuditEntry.objects.filter(action="tasks.created").get()
    assert entry_sentence(entry) == "Olivia Organiser added \u201cLift to hospital\u201d"
    event = CircleEvent.objects.filter(type="task.changed").latest("seq")
    assert event.data == {"task": task.pk}


def test_it_returns_the_same_task_for_a_retried_create(cast: Cast) -> None:
    client_id = uuid.uuid4()
    first = task_create(actor=cast.organiser, circle=cast.circle, fields=fields(), client_id=client_id)
    again = task_create(actor=cast.organiser, circle=cast.circle, fields=fields(), client_id=client_id)
    assert first.pk == again.pk
    assert Task.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"title": "  "}, "Give the task a title"),
        ({"title": "a\x00b"}, "null character"),
        ({"days_from_today": -2}, "has passed"),
        ({"people_needed": 0}, "between 1 and 20"),
        ({"people_needed": 5000}, "between 1 and 20"),
        ({"duration_minutes": 0}, "must end after it starts"),
        ({"time_zone": "Mars/Olympus"}, "isn't a time zone"),
        ({"rule": Rule.parse("FREQ=WEEKLY;BYDAY=MO")}, None),
    ],
)
def test_it_refuses_bad_input_with_a_clear_message(cast: Cast, values: dict[str, object], message: str | None) -> None:
    if message is None:
        # A weekly rule whose end date comes before the start never happens.
        start = soon(10)
        rule = Rule.parse(f"FREQ=WEEKLY;UNTIL={start - datetime.timedelta(days=3):%Y%m%d}")
        with pytest.raises(TaskError, match="before it starts"):
            task_create(actor=cast.organiser, circle=cast.circle, fields=fields(start_date=start, rule=rule))
        return
    if "days_from_today" in values:
        # Worked out when the test runs, not when it's collected: the two can be either side of midnight.
        values = {"start_date": circle_today() + datetime.timedelta(days=int(str(values["days_from_today"])))}
    with pytest.raises(TaskError, match=message):
        task_create(actor=cast.organiser, circle=cast.circle, fields=fields(**values))
    assert not Task.objects.exists()


def test_it_refuses_a_rule_with_no_occurrences(cast: Cast) -> None:
    start = datetime.date(2030, 2, 1)
    rule = Rule.parse("FREQ=MONTHLY;BYMONTHDAY=30;UNTIL=20300228")
    with pytest.raises(TaskError, match="never happens"):
        task_create(actor=cast.organiser, circle=cast.circle, fields=fields(start_date=start, rule=rule))


def test_it_refuses_an_absurd_count() -> None:
    with pytest.raises(ValueError, match="500"):
        Rule.parse("FREQ=DAILY;COUNT=1000")


def test_volunteering_fills_places_and_then_says_it_is_covered(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, people_needed=1)
    day = task.start_date
    task_volunteer(actor=cast.helper, task=task, occurrence_date=day)
    with pytest.raises(TaskError, match="covered"):
        task_volunteer(actor=cast.paid_carer, task=task, occurrence_date=day)
    assert Assignment.objects.filter(task=task, withdrawn_at__isnull=True).count() == 1
    entry = AuditEntry.objects.filter(action="tasks.volunteered").get()
    assert "Helper said they'll do \u201cLift to hospital\u201d on" in entry_sentence(entry)


def test_volunteering_twice_keeps_one_place(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, people_needed=2)
    first = task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)
    again = task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)
    assert first.pk == again.pk


def test_withdrawing_frees_the_place_and_keeps_the_reason(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)
    assert task_withdraw(actor=cast.helper, task=task, occurrence_date=task.start_date, reason="Car broke down")
    assignment = Assignment.objects.get(task=task)
    assert assignment.withdrawn_at is not None
    assert assignment.withdraw_reason == "Car broke down"
    task_volunteer(actor=cast.paid_carer, task=task, occurrence_date=task.start_date)
    entry = AuditEntry.objects.filter(action="tasks.withdrew").get()
    assert entry_sentence(entry).endswith("any more (Car broke down)")


def test_an_organiser_assigns_someone(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    task_volunteer(actor=cast.organiser, task=task, occurrence_date=task.start_date, user=cast.helper)
    entry = AuditEntry.objects.filter(action="tasks.assigned").get()
    assert entry_sentence(entry).startswith("Olivia Organiser asked Helper to do")


def test_nobody_volunteers_for_a_date_the_series_does_not_have(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, rule="FREQ=WEEKLY")
    with pytest.raises(TaskError, match="doesn't happen"):
        task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date + datetime.timedelta(days=1))


def test_skipping_one_occurrence_removes_only_that_one(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, rule="FREQ=WEEKLY;COUNT=4")
    second = task.start_date + datetime.timedelta(days=7)
    occurrence_cancel(actor=cast.organiser, task=task, occurrence_date=second)
    window = (
        local_midnight_utc(task.start_date, ZONE),
        local_midnight_utc(task.start_date + datetime.timedelta(days=40), ZONE),
    )
    found = task_occurrences(task, window_start=window[0], window_end=window[1], changes=task.changes.all())
    assert [item.original_date for item in found] == [
        task.start_date + datetime.timedelta(days=7 * n) for n in (0, 2, 3)
    ]


def test_a_cancelled_task_takes_no_volunteers(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    task_cancel(actor=cast.organiser, task=task, reason="Appointment moved")
    with pytest.raises(TaskError, match="cancelled"):
        task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)


def test_marking_done_keeps_how_it_went(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)
    with on_the_day(task.start_date):
        change = occurrence_done(
            actor=cast.helper, task=task, occurrence_date=task.start_date, how_it_went="Dad was cheerful"
        )
    assert change.how_it_went == "Dad was cheerful"
    with pytest.raises(TaskError, match="already done"):
        task_volunteer(actor=cast.paid_carer, task=task, occurrence_date=task.start_date)


def test_this_one_moves_a_single_occurrence(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, rule="FREQ=DAILY;COUNT=3")
    second = task.start_date + datetime.timedelta(days=1)
    task_update(
        actor=cast.organiser,
        task=task,
        fields=fields(title=task.title, start_date=second, start_time=datetime.time(15, 0), duration_minutes=30),
        scope="one",
        occurrence_date=second,
    )
    change = OccurrenceChange.objects.get(task=task, original_date=second)
    assert change.moved_time == datetime.time(15, 0)
    task.refresh_from_db()
    assert task.start_time == datetime.time(10, 30)


def test_this_and_following_splits_the_series_and_moves_people_going(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, rule="FREQ=WEEKLY;COUNT=6")
    third = task.start_date + datetime.timedelta(days=14)
    task_volunteer(actor=cast.helper, task=task, occurrence_date=third + datetime.timedelta(days=7))
    following = task_update(
        actor=cast.organiser,
        task=task,
        fields=fields(title="Lift to the day centre", start_date=third, start_time=datetime.time(9, 0), rule=None),
        scope="following",
        occurrence_date=third,
    )
    task.refresh_from_db()
    assert following.pk != task.pk
    assert Rule.parse(task.rule).until == third - datetime.timedelta(days=1)
    assert Rule.parse(following.rule).count == 4
    assert following.title == "Lift to the day centre"
    assert Assignment.objects.get().task_id == following.pk


def test_status_follows_places_filled(cast: Cast) -> None:
    from carecircle.tasks.schedule import occurrence_status

    task = make_task(actor=cast.organiser, circle=cast.circle, people_needed=2)
    assert occurrence_status(task, None, 1) == Status.NEEDS_HELP
    assert occurrence_status(task, None, 2) == Status.COVERED


def test_an_occurrence_can_be_marked_done_only_from_its_day_on(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, start_date=soon(12))
    task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)
    with on_the_day(task.start_date - datetime.timedelta(days=1), hour=23), pytest.raises(TaskError) as refused:
        occurrence_done(actor=cast.helper, task=task, occurrence_date=task.start_date)
    assert "It can be marked done from that day on" in str(refused.value)
    assert refused.value.status == 400
    with on_the_day(task.start_date, hour=0):
        assert occurrence_done(actor=cast.helper, task=task, occurrence_date=task.start_date).done_at is not None


def test_an_occurrence_moved_later_is_done_from_its_new_day(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, start_date=soon(3), rule="FREQ=WEEKLY")
    task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)
    later = task.start_date + datetime.timedelta(days=2)
    fields = TaskFields(
        title=task.title,
        start_date=later,
        start_time=task.start_time,
        duration_minutes=60,
        time_zone=ZONE,
        rule=Rule.parse("FREQ=WEEKLY"),
    )
    task_update(actor=cast.organiser, task=task, fields=fields, scope="one", occurrence_date=task.start_date)
    with on_the_day(task.start_date), pytest.raises(TaskError, match="marked done from that day on"):
        occurrence_done(actor=cast.helper, task=task, occurrence_date=task.start_date)
    with on_the_day(later):
        occurrence_done(actor=cast.helper, task=task, occurrence_date=task.start_date)


def test_done_with_nobody_going_asks_who_went_and_puts_them_down(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, start_date=soon(1))
    with on_the_day(task.start_date):
        with pytest.raises(TaskError, match="Say who went") as refused:
            occurrence_done(actor=cast.organiser, task=task, occurrence_date=task.start_date)
        assert refused.value.field == "who_went"
        with pytest.raises(TaskError, match="Choose someone in the circle"):
            occurrence_done(actor=cast.organiser, task=task, occurrence_date=task.start_date, who_went=cast.outsider)
        assert not OccurrenceChange.objects.filter(task=task, done_at__isnull=False).exists()
        occurrence_done(actor=cast.organiser, task=task, occurrence_date=task.start_date, who_went=cast.paid_carer)
    assert list(Assignment.objects.filter(task=task).values_list("user_id", flat=True)) == [cast.paid_carer.pk]
