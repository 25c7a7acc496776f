"""What is in Dad's demo circle: tasks, the shared record and conversations, made through the services.

Each area is filled only while it is empty, so running `carecircle demo` again changes nothing, and
a database from an older demo gains the areas it lacks. Dates are relative to today, so the demo
always has something coming up.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.circles.access import access_circle
from carecircle.circles.models import Circle
from carecircle.conversations.models import Message, ReactionKind
from carecircle.conversations.selectors import ConversationAccess, conversation_access_for
from carecircle.conversations.services import (
    checkin_post,
    family_conversation,
    message_post,
    news_conversation,
    reaction_set,
)
from carecircle.lib.repeat_rule import Rule
from carecircle.records.models import RecordEntry
from carecircle.records.sections import SECTION_BY_KEY
from carecircle.records.services import entry_create
from carecircle.tasks.models import Category, Task, VisitOutcome
from carecircle.tasks.rota_services import stand_ins_set, task_assign_series, visit_log_create
from carecircle.tasks.services import TaskFields, occurrence_done, task_create, task_volunteer

ZONE = "Europe/London"


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def demo_tasks(*, circle: Circle, people: dict[str, User]) -> int:
    if Task.objects.filter(circle=circle).exists():
        return 0
    organiser, helper, carer = people["organiser"], people["helper"], people["paidcarer"]

    def task(title: str, day: int, at: datetime.time | None, minutes: int, **more: Any) -> Task:
        fields = TaskFields(
            title=title, start_date=_days(day), start_time=at, duration_minutes=minutes, time_zone=ZONE, **more
        )
        return task_create(actor=organiser, circle=circle, fields=fields)

    clinic = task(
        "Lift to the eye clinic",
        2,
        datetime.time(9, 30),
        120,
        category=Category.LIFT,
        details={"destination": "Royal Eye Hospital, main entrance"},
        address="12 Station Road, Leeds LS1 4AB",
        notes="He needs the wheelchair from the boot.",
    )
    task(
        "Sunday lunch",
        0,
        datetime.time(12, 30),
        90,
        category=Category.MEAL,
        details={"dietary_notes": "Soft food; no nuts."},
        rule=Rule.parse("FREQ=WEEKLY;BYDAY=SU"),
    )
    shopping = task(
        "Weekly shop",
        1,
        datetime.time(10, 0),
        60,
        category=Category.SHOPPING,
        details={"shopping_list": "Milk, bread, bananas, tea bags"},
        rule=Rule.parse("FREQ=WEEKLY;COUNT=12"),
    )
    visits = task(
        "Morning visit: breakfast and medicines",
        0,
        datetime.time(8, 0),
        45,
        category=Category.PAID_VISIT,
        rule=Rule.parse("FREQ=DAILY"),
    )
    task("Sit with Dad while Olivia is at work", 3, datetime.time(13, 0), 180, category=Category.VISIT, people_needed=2)
    task("Renew the blue badge", 5, None, 1440, category=Category.PAPERWORK, private=True)
    task_volunteer(actor=helper, task=clinic, occurrence_date=clinic.start_date)
    task_volunteer(actor=helper, task=shopping, occurrence_date=shopping.start_date)
    # Priya from the agency does every morning visit (the rota's "every time"), so the calendar
    # shows them covered; today's is logged once it has happened.
    task_assign_series(actor=organiser, task=visits, user=carer, from_date=visits.start_date)
    _log_this_mornings_visit(visits=visits, carer=carer)
    # "I can't cover" asks Tom first, then the agency: each has a stand-in who isn't themselves.
    stand_ins_set(actor=organiser, circle=circle, user_ids=[helper.pk, carer.pk])
    return 6


def _log_this_mornings_visit(*, visits: Task, carer: User) -> None:
    zone = ZoneInfo(ZONE)
    arrived = datetime.datetime.combine(visits.start_date, datetime.time(8, 5), tzinfo=zone)
    left = arrived + datetime.timedelta(minutes=40)
    if timezone.now() < left:
        return  # Loaded before the visit is over: nothing to log yet.
    visit_log_create(
        actor=carer,
        task=visits,
        occurrence_date=visits.start_date,
        arrived_at=arrived,
        left_at=left,
        notes="Ate porridge, took his tablets, in good spirits.",
        outcome=VisitOutcome.ALL_OK,
    )
    occurrence_done(actor=carer, task=visits, occurrence_date=visits.start_date)


RECORD = (
    (
        "about",
        {
            "full_name": "Arthur James Bennett",
            "preferred_name": "Arthur (Dad to the family)",
            "date_of_birth": "1941-03-09",
            "nhs_number": "9434765919",
            "gp_practice": "Riverside Surgery, Leeds",
            "address": "4 Mill Lane, Leeds LS6 2AB",
            "what_matters": "Seeing the grandchildren, his garden, and staying in his own home.",
            "routines": "Up at 7, porridge, the paper. A nap after lunch.",
            "likes": "Cricket on the radio, strong tea, crosswords.",
            "dislikes": "Being rushed; loud television.",
            "communication": "Hard of hearing on the left: speak on his right side.",
            "when_anxious": "Sit with him, talk about the garden, a cup of tea.",
        },
    ),
    ("conditions", {"name": "Type 2 diabetes", "notes": "Diet and tablets."}),
    ("conditions", {"name": "Macular degeneration", "notes": "Left eye worse."}),
    ("allergies", {"substance": "Penicillin", "reaction": "Rash and swelling", "severity": "severe"}),
    (
        "medications",
        {
            "name": "Metformin",
            "strength": "500 mg",
            "dose": "1 tablet",
            "schedule": "Twice a day with food",
            "reason": "Diabetes",
            "prescriber": "Dr Hughes",
        },
    ),
    (
        "medications",
        {
            "name": "Amlodipine",
            "strength": "5 mg",
            "dose": "1 tablet",
            "schedule": "Every morning",
            "reason": "Blood pressure",
            "prescriber": "Dr Hughes",
        },
    ),
    (
        "contacts",
        {"name": "Riverside Surgery", "role": "gp", "phone": "+441130000000", "email": "reception@riverside.example"},
    ),
    ("contacts", {"name": "Home Help Ltd", "role": "agency", "phone": "+441130000001"}),
    ("notes", {"mood": "good", "eating": "Good appetite", "text": "Watched the cricket with Tom.", "weight": "72.5"}),
    (
        "emergency",
        {
            "if_main_carer_cant": "Call Tom first, then Home Help Ltd (Priya) for an extra visit.",
            "stand_ins": "Tom (son), then Priya at Home Help Ltd. Jean (sister) can sit with him.",
            "where_things_are": "Medicines in the kitchen cupboard; documents in the bureau.",
        },
    ),
)


def demo_record(*, circle: Circle, people: dict[str, User]) -> int:
    if RecordEntry.objects.filter(circle=circle).exists():
        return 0
    for section, values in RECORD:
        entry_create(actor=people["organiser"], circle=circle, section=SECTION_BY_KEY[section], values=values)
    return len(RECORD)


def demo_conversations(*, circle: Circle, people: dict[str, User]) -> int:
    if Message.objects.filter(circle=circle).exists():
        return 0
    organiser, helper, aunt = people["organiser"], people["helper"], people["wellwisher"]

    def where(user: User, news: bool = False) -> ConversationAccess:
        access = access_circle(user=user, circle_id=circle.pk)
        conversation = news_conversation(circle=circle) if news else family_conversation(circle=circle)
        return conversation_access_for(access, conversation)

    message_post(actor=organiser, where=where(organiser), body="The eye clinic moved Dad's appointment to Thursday.")
    message_post(
        actor=helper, where=where(helper), body="I've put my name down for the lift. **I'll bring the wheelchair.**"
    )
    update = message_post(
        actor=organiser,
        where=where(organiser, news=True),
        title="How Dad's doing this week",
        body="He's been out in the garden twice and the new tablets suit him. Thank you all.",
    ).message
    reaction_set(actor=aunt, where=where(aunt, news=True), message=update, kind=ReactionKind.HEART, on=True)
    message_post(actor=aunt, where=where(aunt, news=True), body="Lovely news. Give him my love, Jean")
    checkin_post(
        actor=organiser,
        access=access_circle(user=organiser, circle_id=circle.pk),
        feeling=3,
        note="Tired this week, but managing.",
        audience="family",
    )
    return 5


def demo_content_load(*, circle: Circle, people: dict[str, User]) -> int:
    """Fill whichever of the areas is still empty; returns how many things were made."""
    return (
        demo_tasks(circle=circle, people=people)
        + demo_record(circle=circle, people=people)
        + demo_conversations(circle=circle, people=people)
    )
