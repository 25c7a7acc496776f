"""What tasks tells people is in each recipient's language: titles, emails, texts and repeat patterns."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from carecircle.accounts.models import User
from carecircle.notifications.models import Delivery, Notification
from carecircle.notifications.sms_text import encoding_of, segments
from carecircle.tasks.answers import Answer, occurrence_answer
from carecircle.tasks.models import CATEGORY_DETAILS
from carecircle.tasks.reminders import reminders_send
from carecircle.tasks.services import TaskConflict, task_volunteer
from tests.api.conftest import token_client
from tests.cast import Cast
from tests.tasks.conftest import make_task, soon

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
DAY = datetime.date(2026, 7, 14)


def speaks(user: User, language: str, phone: str = "") -> None:
    user.language = language
    user.phone = phone
    user.save(update_fields=["language", "phone"])


def at(hour: int, minute: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "subject", "body", "title"),
    [
        ("cy", "Nodyn atgoffa: Lift to hospital, Maw 14 Gor am 10:30", "dywedoch chi y byddech", "Nodyn atgoffa:"),
        ("pl", "Przypomnienie: Lift to hospital, wt 14 lip o 10:30", "masz zadanie „Lift", "Przypomnienie:"),
        ("en-gb", "Reminder: Lift to hospital, Tue 14 Jul, 10:30", "you said you'll do", "Reminder:"),
    ],
)
def test_a_reminder_is_written_in_the_helpers_language_whoever_made_the_task(
    cast: Cast, django_capture_on_commit_callbacks, language: str, subject: str, body: str, title: str
) -> None:
    speaks(cast.helper, language, phone="+447700900123")
    with time_machine.travel(at(8, 0, DAY - datetime.timedelta(days=5)), tick=False):
        task = make_task(actor=cast.organiser, circle=cast.circle, start_date=DAY)
        with django_capture_on_commit_callbacks(execute=True):
            task_volunteer(actor=cast.helper, task=task, occurrence_date=DAY)
    # The organiser's page is English; the reminder still follows the helper.
    with translation.override("en-gb"), django_capture_on_commit_callbacks(execute=True):
        assert reminders_send(now=at(9, 31, DAY - datetime.timedelta(days=1))) == 1
    email = Delivery.objects.get(idempotency_key__startswith="reminder-", channel="email")
    assert email.subject == subject
    assert body in email.body
    text = Delivery.objects.get(idempotency_key__startswith="reminder-", channel="sms")
    assert text.body.startswith(subject)
    assert segments(text.body) <= 2
    told = Notification.objects.get(recipient=cast.helper, category="reminder")
    assert told.title == subject
    assert told.title.startswith(title)


def test_news_of_a_new_task_reaches_each_member_in_their_own_language(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:
    speaks(cast.helper, "cy", phone="+447700900123")
    speaks(cast.paid_carer, "pl")
    with django_capture_on_commit_callbacks(execute=True):
        make_task(actor=cast.organiser, circle=cast.circle, title="Shopping", start_date=datetime.date(2026, 12, 18))
    titles = dict(Notification.objects.filter(category="help_needed").values_list("recipient_id", "title"))
    assert titles[cast.helper.pk] == "Angen help: Shopping"
    assert titles[cast.paid_carer.pk] == "Potrzebna pomoc: Shopping"
    welsh_email = Delivery.objects.get(recipient_id=cast.helper.pk, channel="email", category="help_needed")
    assert "Dyddiad cychwyn: dydd Gwener 18 Rhagfyr. Allwch chi helpu?" in welsh_email.body
    polish = Notification.objects.get(recipient=cast.paid_carer, category="help_needed")
    assert polish.body == "Od: piątek, 18 grudnia. Czy możesz pomóc?"
    welsh_text = Delivery.objects.get(recipient_id=cast.helper.pk, channel="sms")
    assert welsh_text.body.startswith("Angen help: Shopping ")
    assert welsh_text.body.endswith(" i helpu.")
    assert "Atebwch YES " in welsh_text.body


@pytest.mark.parametrize("language", ["en-gb", "cy", "pl"])
def test_a_text_asking_for_help_stays_within_two_segments_with_its_reply_code_whole(
    cast: Cast, django_capture_on_commit_callbacks, language: str
) -> None:
    speaks(cast.helper, language, phone="+447700900123")
    long_title = "Collect the repeat prescription from the chemist on the high street and drop it round"
    with django_capture_on_commit_callbacks(execute=True):
        make_task(actor=cast.organiser, circle=cast.circle, title=long_title, start_date=soon(2))
    text = Delivery.objects.get(recipient_id=cast.helper.pk, channel="sms").body
    assert segments(text) <= 2
    reply = {"en-gb": r"Reply YES \d+ to help\.$", "cy": r"Atebwch YES \d+ i helpu\.$", "pl": r"Odpisz YES \d+\.$"}
    assert re.search(reply[language], text)
    assert re.search(r"https?://\S+/tasks/\d+/ ", text)  # the link is kept whole, the title is shortened instead
    # Our own words stay in plain GSM-7 letters, so only a name or title with "ł" or "ŵ" costs UCS-2.
    assert encoding_of(text) == "GSM-7"


def test_news_of_a_new_task_costs_one_text_segment_in_welsh_as_in_english(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:
    speaks(cast.helper, "cy", phone="+447700900123")
    speaks(cast.organiser, "en-gb", phone="+447700900125")
    with django_capture_on_commit_callbacks(execute=True):
        make_task(actor=cast.person, circle=cast.circle, title="Shopping", start_date=soon(2))
    texts = {text.recipient_id: text.body for text in Delivery.objects.filter(channel="sms", category="help_needed")}
    assert set(texts) == {cast.helper.pk, cast.organiser.pk}
    assert texts[cast.helper.pk].startswith("Angen help: Shopping")
    assert texts[cast.organiser.pk].startswith("Help needed: Shopping")
    assert [segments(body) for body in texts.values()] == [1, 1]


def test_the_apis_repeat_pattern_follows_the_requests_language(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=SU")
    client = token_client(cast.organiser)
    url = f"/api/v1/circles/{cast.circle.pk}/tasks/{task.pk}"
    # LocaleMiddleware leaves the last request's language active: the override puts it back after.
    with translation.override("en-gb"):
        said = {
            language: client.get(url, headers={"accept-language": language}).json()["rule_summary"]
            for language in ("en-GB", "cy", "pl")
        }
        rule = client.get(url, headers={"accept-language": "pl"}).json()["rule"]
    assert said == {
        "en-GB": "Every other Sunday at 10:30",
        "cy": "Bob yn ail ddydd Sul am 10:30",
        "pl": "Co drugą niedzielę o 10:30",
    }
    # The rule itself is for programs and never translated.
    assert rule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en-gb", "Lift to hospital on Tue 14 Jul has already started or passed, so nothing changed."),
        (
            "cy",
            "Mae Lift to hospital, Maw 14 Gor wedi dechrau neu wedi mynd heibio'n barod, felly does dim wedi newid.",
        ),
        ("pl", "Lift to hospital, wt 14 lip \u2013 już się zaczęło albo minęło, więc nic się nie zmieniło."),
    ],
)
def test_a_late_yes_is_refused_in_the_active_language(cast: Cast, language: str, expected: str) -> None:
    with time_machine.travel(at(8, 0, DAY - datetime.timedelta(days=5)), tick=False):
        task = make_task(actor=cast.organiser, circle=cast.circle, start_date=DAY)
    with (
        time_machine.travel(at(12, 0), tick=False),
        translation.override(language),
        pytest.raises(TaskConflict) as refused,
    ):
        occurrence_answer(actor=cast.helper, task=task, occurrence_date=DAY, answer=Answer.TAKE)
    assert str(refused.value) == expected


@pytest.mark.parametrize("language", ["cy", "pl"])
def test_every_detail_a_kind_of_task_asks_for_is_labelled_in_the_readers_language(language: str) -> None:
    labels = [label for details in CATEGORY_DETAILS.values() for label in details.values()]
    with translation.override("en-gb"):
        english = [str(label) for label in labels]
    with translation.override(language):
        translated = [str(label) for label in labels]
    assert [pair for pair in zip(english, translated, strict=True) if pair[0] == pair[1]] == []


@pytest.mark.parametrize(
    ("language", "hint"),
    [
        ("en-gb", "Kind of help: Lift."),
        ("cy", "Math o help: Lifft."),
        ("pl", "Rodzaj pomocy: Podwiezienie."),
    ],
)
def test_a_details_hint_names_its_kind_of_help_as_the_list_does(
    cast: Cast, as_user: Any, language: str, hint: str
) -> None:
    """ "Where to" is asked for a lift: its hint names the kind as "Kind of help" offers it, not "For lift."."""
    speaks(cast.organiser, language)
    page = as_user(cast.organiser).get(reverse("tasks:create", kwargs={"circle_id": cast.circle.pk}))
    text = page.content.decode()
    assert hint in text
    assert "For lift." not in text
