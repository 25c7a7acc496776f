"""Giving up the rest of a stay under way: the days before stay theirs, the rest needs help again.

On the page, through the API, from an email's "I can't" and by texting NO (docs/architecture/tasks.md).
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
from carecircle.notifications.sms_text import PLAIN
from carecircle.tasks.answers import Answer, Outcome, occurrence_answer
from carecircle.tasks.email_actions import CANT, action_token
from carecircle.tasks.models import Assignment, Decline, ReplyCode, Task
from carecircle.tasks.rota_services import unavailability_declare
from carecircle.tasks.services import TaskConflict, task_volunteer, task_withdraw
from tests.api.conftest import token_client
from tests.bursts import at_once
from tests.cast import Cast, build_cast
from tests.tasks.conftest import ZONE, make_task, on_the_day, stay_taken_by_helper
from tests.web.test_sms_inbound import AUTH_TOKEN, HELPER_MOBILE, last_reply, twilio_text

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo(ZONE)
FRIDAY = datetime.date(2026, 12, 4)
SATURDAY = FRIDAY + datetime.timedelta(days=1)
MONDAY = FRIDAY + datetime.timedelta(days=3)


def at(day: datetime.date, hour: int, minute: int = 0) -> time_machine.travel:
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON), tick=False)


@pytest.fixture(autouse=True)
def providers(settings: Any) -> None:
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN


def weekend_stay(cast: Cast) -> Task:
    """ "Stay with Dad", Friday 18:00 to Monday 10:00, one person, taken by the helper before it began."""
    cast.helper.phone = HELPER_MOBILE
    cast.helper.save(update_fields=["phone"])
    return stay_taken_by_helper(
        cast,
        began=FRIDAY,
        start_time=datetime.time(18),
        duration_minutes=(3 * 24 - 8) * 60,
        made_on=FRIDAY - datetime.timedelta(days=3),
    )


def going(task: Task) -> list[int]:
    return list(Assignment.objects.filter(task=task, withdrawn_at__isnull=True).values_list("user_id", flat=True))


def withdrawals(task: Task) -> int:
    return Assignment.objects.filter(task=task, withdrawn_at__isnull=False).count()


def page(user: User, task: Task) -> str:
    client = Client()
    client.force_login(user)
    url = reverse("tasks:detail", kwargs={"circle_id": task.circle_id, "task_id": task.pk})
    response = client.get(url, {"on": FRIDAY.isoformat()})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def told(user: User, prefix: str) -> Delivery:
    delivery = Delivery.objects.filter(recipient=user, idempotency_key__startswith=prefix).first()
    assert delivery is not None, f"{user.display_name} wasn't told ({prefix})"
    return delivery


def test_on_the_page_giving_up_a_stay_under_way_keeps_the_days_before(cast: Cast) -> None:
    stay = weekend_stay(cast)
    with at(SATURDAY, 9, 15):
        shown = page(cast.helper, stay)
        assert (
            "This has already begun. If you give it up now, the rest of it, from Saturday 5 December, goes back to "
            "needing help. The days before stay yours." in shown
        )
        client = Client()
        client.force_login(cast.helper)
        url = reverse("tasks:withdraw", kwargs={"circle_id": stay.circle_id, "task_id": stay.pk})
        answer = client.post(url, {"on": FRIDAY.isoformat(), "reason": "Back hurts"}, follow=True)
        assert answer.status_code == 200
        assert (
            "You've given up the rest of “Stay with Dad”, from Saturday 5 December. Thank you for Friday."
            in html.unescape(answer.content.decode())
        )
        assert going(stay) == []
        organisers_page = page(cast.organiser, stay)
        assert f"{cast.helper.display_name} helped on Friday, then gave up the rest: Back hurts" in organisers_page
        assert "Needs help" in organisers_page
        # Anyone who can help may take on what's left.
        assert "If you take it on now, you're down for the rest of it, until Monday 7 December." in page(
            cast.paid_carer, stay
        )
    to_organiser = told(cast.organiser, "task-gave-up-")
    assert f"{cast.helper.display_name} has given up the rest of Stay with Dad, from Saturday 5 December" in (
        to_organiser.subject
    )
    ask = told(cast.paid_carer, "stay-rest-")
    assert ask.category == "help_needed"
    assert "needs someone from Saturday 5 December until Monday 7 December" in ask.body
    assert f"{cast.helper.display_name} has been there until now and can't do the rest." in ask.body
    assert "I'll do it: http" in ask.body
    # The one who gave up isn't asked to take it back, and the organiser hears once.
    assert not Delivery.objects.filter(recipient=cast.helper, idempotency_key__startswith="stay-rest-").exists()
    assert Delivery.objects.filter(recipient=cast.organiser, idempotency_key__startswith="task-gave-up-").count() == 1


def test_the_api_gives_up_the_rest_and_asks_everyone(cast: Cast) -> None:
    stay = weekend_stay(cast)
    url = f"/api/v1/circles/{cast.circle.pk}/tasks/{stay.pk}/withdraw"
    with at(MONDAY - datetime.timedelta(days=1), 8):  # Sunday morning
        answer = token_client(cast.helper).post(url, {"on": FRIDAY.isoformat()}, content_type="application/json")
    assert answer.status_code == 200
    assert answer.json()["status"] == "needs_help"
    assert going(stay) == []
    assert "from Sunday 6 December" in told(cast.organiser, "task-gave-up-").subject
    assert "needs someone from Sunday 6 December until Monday 7 December" in told(cast.paid_carer, "stay-rest-").body


def test_an_emails_i_cant_gives_up_the_rest_once(cast: Cast) -> None:
    stay = weekend_stay(cast)
    with at(SATURDAY, 0, 10):
        token = action_token(user_id=cast.helper.pk, task=stay, occurrence_date=FRIDAY, action=CANT)
        url = reverse("tasks:email_action", kwargs={"token": token})
        confirm = Client().get(url)
        assert confirm.status_code == 200
        assert (
            "If you give it up now, the rest of it, from Saturday 5 December, goes back to needing help. "
            "The days before stay yours." in html.unescape(confirm.content.decode())
        )
        assert going(stay) == [cast.helper.pk]  # Opening the link changes nothing.
        done = Client().post(url)
        assert done.status_code == 200
        assert (
            "You've given up the rest of “Stay with Dad”, from Saturday 5 December. Thank you for Friday."
            in html.unescape(done.content.decode())
        )
        again = Client().post(url)
        assert again.status_code == 410
        # Another "I can't" link from an older email says the same, and changes nothing more.
        second = action_token(user_id=cast.helper.pk, task=stay, occurrence_date=FRIDAY, action=CANT)
        repeat = Client().post(reverse("tasks:email_action", kwargs={"token": second}))
        assert "from Saturday 5 December. Thank you for Friday." in html.unescape(repeat.content.decode())
    assert going(stay) == []
    assert withdrawals(stay) == 1
    assert not Decline.objects.filter(task=stay).exists()


def test_a_text_no_gives_up_the_rest_and_the_same_text_again_says_the_same(cast: Cast) -> None:
    stay = weekend_stay(cast)
    code = ReplyCode.objects.get(task=stay, occurrence_date=FRIDAY).code
    client = Client()
    with at(MONDAY - datetime.timedelta(days=1), 7):  # Sunday
        assert twilio_text(client, HELPER_MOBILE, f"NO {code}").status_code == 200
        first = last_reply(HELPER_MOBILE)
        twilio_text(client, HELPER_MOBILE, f"NO {code}")
        second = last_reply(HELPER_MOBILE)
    assert first == "You've given up the rest of Stay with Dad on Fri 4 Dec, from Sun 6 Dec. Thank you for Fri to Sat."
    assert second == first
    assert going(stay) == []
    assert withdrawals(stay) == 1
    assert Delivery.objects.filter(recipient=cast.organiser, idempotency_key__startswith="task-gave-up-").count() == 1


def test_giving_up_on_the_first_evening_thanks_for_the_time_given(cast: Cast) -> None:
    stay = weekend_stay(cast)
    with at(FRIDAY, 21):
        answered = occurrence_answer(actor=cast.helper, task=stay, occurrence_date=FRIDAY, answer=Answer.CANT)
    assert answered.outcome == Outcome.GAVE_UP_REST
    assert answered.rest_from == FRIDAY
    assert "needs someone from Friday 4 December until Monday 7 December" in told(cast.paid_carer, "stay-rest-").body
    code = ReplyCode.objects.get(task=stay, occurrence_date=FRIDAY).code
    with at(FRIDAY, 21, 5):
        twilio_text(Client(), HELPER_MOBILE, f"NO {code}")
    assert last_reply(HELPER_MOBILE) == (
        "You've given up the rest of Stay with Dad on Fri 4 Dec, from Fri 4 Dec. Thank you for the time you gave."
    )


def test_someone_not_going_who_cant_is_not_asked_again_and_a_finished_stay_is_refused(cast: Cast) -> None:
    stay = weekend_stay(cast)
    with at(SATURDAY, 10):
        answered = occurrence_answer(actor=cast.paid_carer, task=stay, occurrence_date=FRIDAY, answer=Answer.CANT)
    assert answered.outcome == Outcome.DECLINED
    assert going(stay) == [cast.helper.pk]
    with at(MONDAY, 10, 1), pytest.raises(TaskConflict, match="ended on Monday 7 December"):
        occurrence_answer(actor=cast.helper, task=stay, occurrence_date=FRIDAY, answer=Answer.CANT)
    assert going(stay) == [cast.helper.pk]


ENDED = "Stay with Dad ended on Monday 7 December, so nobody can give it up now. Nothing changed."


def test_a_stay_that_has_ended_cant_be_given_up_on_any_path(cast: Cast) -> None:
    """Page, API (the helper, or an organiser taking them off), email link and text: 409 and one sentence."""
    stay = weekend_stay(cast)
    code = ReplyCode.objects.get(task=stay, occurrence_date=FRIDAY).code
    withdraw_url = reverse("tasks:withdraw", kwargs={"circle_id": stay.circle_id, "task_id": stay.pk})
    api_url = f"/api/v1/circles/{cast.circle.pk}/tasks/{stay.pk}/withdraw"
    with at(MONDAY, 9, 59):
        assert "I can't any more" in page(cast.helper, stay)
    with at(MONDAY, 10):  # The minute it ends.
        assert "I can't any more" not in page(cast.helper, stay)
        client = Client()
        client.force_login(cast.helper)
        on_page = client.post(withdraw_url, {"on": FRIDAY.isoformat(), "reason": "Back hurts"})
        assert on_page.status_code == 409
        assert ENDED in html.unescape(on_page.content.decode())
        by_api = token_client(cast.helper).post(api_url, {"on": FRIDAY.isoformat()}, content_type="application/json")
        assert by_api.status_code == 409
        assert by_api.json()["detail"] == ENDED
        taken_off = token_client(cast.organiser).post(
            api_url, {"on": FRIDAY.isoformat(), "user_id": cast.helper.pk}, content_type="application/json"
        )
        assert taken_off.status_code == 409
        assert taken_off.json()["detail"] == ENDED
        token = action_token(user_id=cast.helper.pk, task=stay, occurrence_date=FRIDAY, action=CANT)
        by_email = Client().post(reverse("tasks:email_action", kwargs={"token": token}))
        assert by_email.status_code == 409
        assert ENDED in html.unescape(by_email.content.decode())
        twilio_text(Client(), HELPER_MOBILE, f"NO {code}")
        assert last_reply(HELPER_MOBILE) == ENDED
    assert going(stay) == [cast.helper.pk]
    assert withdrawals(stay) == 0
    assert not Delivery.objects.filter(idempotency_key__startswith="task-gave-up-").exists()
    assert not Delivery.objects.filter(idempotency_key__startswith="stay-rest-").exists()


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("cy", "Daeth Stay with Dad i ben (dydd Llun 7 Rhagfyr), felly does neb yn gallu rhoi'r gorau iddo nawr."),
        (
            "pl",
            "Zadanie „Stay with Dad” zakończyło się (poniedziałek, 7 grudnia), więc nie można już z niego zrezygnować.",
        ),
    ],
)
def test_a_stay_that_has_ended_is_refused_in_welsh_and_polish(cast: Cast, language: str, sentence: str) -> None:
    stay = weekend_stay(cast)
    cast.helper.language = language
    cast.helper.save(update_fields=["language"])
    code = ReplyCode.objects.get(task=stay, occurrence_date=FRIDAY).code
    with at(MONDAY, 11):
        twilio_text(Client(), HELPER_MOBILE, f"NO {code}")
        token = action_token(user_id=cast.helper.pk, task=stay, occurrence_date=FRIDAY, action=CANT)
        refused = Client(headers={"accept-language": language}).post(
            reverse("tasks:email_action", kwargs={"token": token})
        )
    assert refused.status_code == 409
    assert sentence.translate(PLAIN) in last_reply(HELPER_MOBILE)  # a text's quotes are plain ones
    assert sentence in html.unescape(refused.content.decode())
    assert going(stay) == [cast.helper.pk]


@pytest.mark.parametrize(
    ("language", "text", "email"),
    [
        (
            "cy",
            "Rydych chi wedi rhoi'r gorau i weddill Stay with Dad, Gwe 4 Rhag (o'r dyddiad hwn ymlaen: Sad 5 Rhag). "
            "Diolch am eich help: Gwe.",
            "Rydych chi wedi rhoi'r gorau i weddill “Stay with Dad” (o'r dyddiad hwn ymlaen: dydd Sadwrn 5 Rhagfyr). "
            "Diolch am eich help: dydd Gwener.",
        ),
        (
            "pl",
            "Zrezygnowano z reszty: Stay with Dad, pt 4 gru (od dnia: sob 5 gru). Dziękujemy za pomoc: pt.",
            "Zrezygnowano z reszty zadania „Stay with Dad” (od dnia: sobota, 5 grudnia). Dziękujemy za pomoc: piątek.",
        ),
    ],
)
def test_giving_up_the_rest_is_said_in_welsh_and_polish(cast: Cast, language: str, text: str, email: str) -> None:
    stay = weekend_stay(cast)
    cast.helper.language = language
    cast.helper.save(update_fields=["language"])
    code = ReplyCode.objects.get(task=stay, occurrence_date=FRIDAY).code
    with at(SATURDAY, 9):
        twilio_text(Client(), HELPER_MOBILE, f"NO {code}")
        token = action_token(user_id=cast.helper.pk, task=stay, occurrence_date=FRIDAY, action=CANT)
        done = Client(headers={"accept-language": language}).post(
            reverse("tasks:email_action", kwargs={"token": token})
        )
    assert text in last_reply(HELPER_MOBILE)
    assert email in html.unescape(done.content.decode())


@pytest.mark.django_db(transaction=True)
def test_a_text_and_an_email_giving_up_at_once_give_one_outcome() -> None:
    """A text's NO and the email's "I can't" at the same moment (SQLite and PostgreSQL)."""
    cast = build_cast()
    stay = weekend_stay(cast)

    def give_up() -> str:
        answered = occurrence_answer(actor=cast.helper, task=stay, occurrence_date=FRIDAY, answer=Answer.CANT)
        return f"{answered.outcome} {answered.rest_from}"

    with at(SATURDAY, 12):
        results = at_once([give_up, give_up])
    assert results == [f"{Outcome.GAVE_UP_REST} {SATURDAY}"] * 2
    assert going(stay) == []
    assert withdrawals(stay) == 1
    assert Delivery.objects.filter(recipient=cast.organiser, idempotency_key__startswith="task-gave-up-").count() == 1
    assert Delivery.objects.filter(recipient=cast.paid_carer, idempotency_key__startswith="stay-rest-").count() == 1
    assert not Delivery.objects.filter(recipient=cast.helper, idempotency_key__startswith="stay-rest-").exists()


def test_the_rest_is_asked_of_those_away_only_before_it_not_of_those_away_during_it(cast: Cast) -> None:
    """Away on the first evening only: free for the rest, so asked. Away on Sunday: can't do the rest, not asked."""
    stay = weekend_stay(cast)
    sunday = SATURDAY + datetime.timedelta(days=1)
    with on_the_day(FRIDAY - datetime.timedelta(days=3), 9):
        unavailability_declare(
            actor=cast.paid_carer,
            circle=cast.circle,
            starts_at=datetime.datetime.combine(FRIDAY, datetime.time(17), tzinfo=LONDON),
            ends_at=datetime.datetime.combine(FRIDAY, datetime.time(23), tzinfo=LONDON),
        )
        unavailability_declare(
            actor=cast.organiser,
            circle=cast.circle,
            starts_at=datetime.datetime.combine(sunday, datetime.time(10), tzinfo=LONDON),
            ends_at=datetime.datetime.combine(sunday, datetime.time(20), tzinfo=LONDON),
        )
    with at(SATURDAY, 9, 15):
        occurrence_answer(actor=cast.helper, task=stay, occurrence_date=FRIDAY, answer=Answer.CANT)
    assert "needs someone from Saturday 5 December" in told(cast.paid_carer, "stay-rest-").body
    assert not Delivery.objects.filter(recipient=cast.organiser, idempotency_key__startswith="stay-rest-").exists()
    # The organiser still hears that the rest was given up; only the ask to take it on is left out.
    assert told(cast.organiser, "task-gave-up-")


def test_the_api_shows_the_days_covered_before_the_rest_was_given_up(cast: Cast) -> None:
    stay = weekend_stay(cast)
    url = f"/api/v1/circles/{cast.circle.pk}/tasks/{stay.pk}/withdraw"
    helper = {"user_id": cast.helper.pk, "name": cast.helper.display_name}
    with at(MONDAY - datetime.timedelta(days=1), 8):  # Sunday morning: Friday and Saturday were covered.
        answer = token_client(cast.helper).post(url, {"on": FRIDAY.isoformat()}, content_type="application/json")
        assert answer.status_code == 200
        assert answer.json()["covered"] == [{**helper, "first_day": "2026-12-04", "last_day": "2026-12-05"}]
        listed = token_client(cast.paid_carer).get(
            f"/api/v1/circles/{cast.circle.pk}/occurrences", {"start": FRIDAY.isoformat(), "end": MONDAY.isoformat()}
        )
    assert listed.status_code == 200
    [occurrence] = [item for item in listed.json() if item["task_id"] == stay.pk]
    assert occurrence["covered"] == [{**helper, "first_day": "2026-12-04", "last_day": "2026-12-05"}]
    assert occurrence["going"] == []


def test_the_api_shows_no_days_covered_when_given_up_on_the_first_evening_or_before(cast: Cast) -> None:
    stay = weekend_stay(cast)
    url = f"/api/v1/circles/{cast.circle.pk}/tasks/{stay.pk}/withdraw"
    with at(FRIDAY, 21):
        answer = token_client(cast.helper).post(url, {"on": FRIDAY.isoformat()}, content_type="application/json")
    assert answer.status_code == 200
    assert answer.json()["covered"] == []
    with at(SATURDAY, 9):
        task_volunteer(actor=cast.paid_carer, task=stay, occurrence_date=FRIDAY)
    with at(SATURDAY, 10):
        taken = token_client(cast.paid_carer).post(url, {"on": FRIDAY.isoformat()}, content_type="application/json")
    # Taken on and given up the same Saturday: no whole day of theirs, so nothing is credited.
    assert taken.json()["covered"] == []


def test_the_list_reads_the_days_covered_in_one_query_however_many_stays(cast: Cast) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def listed() -> int:
        with CaptureQueriesContext(connection) as queries, at(MONDAY - datetime.timedelta(days=1), 9):
            answer = token_client(cast.organiser).get(
                f"/api/v1/circles/{cast.circle.pk}/occurrences",
                {"start": FRIDAY.isoformat(), "end": MONDAY.isoformat()},
            )
        assert answer.status_code == 200
        return len(queries)

    first = weekend_stay(cast)
    with at(SATURDAY, 9):
        occurrence_answer(actor=cast.helper, task=first, occurrence_date=FRIDAY, answer=Answer.CANT)
    one = listed()
    second = weekend_stay(cast)
    with at(SATURDAY, 9):
        occurrence_answer(actor=cast.helper, task=second, occurrence_date=FRIDAY, answer=Answer.CANT)
    assert listed() == one


def test_the_openapi_document_describes_the_days_covered() -> None:
    from carecircle.api.api import api

    schemas = api.get_openapi_schema()["components"]["schemas"]
    covered = schemas["OccurrenceOut"]["properties"]["covered"]
    assert covered["items"] == {"$ref": "#/components/schemas/CoveredOut"}
    assert "gave up part way" in covered["description"]
    assert set(schemas["CoveredOut"]["required"]) == {"user_id", "name", "first_day", "last_day"}


def test_an_organiser_taking_someone_off_a_stay_under_way_tells_them_which_days_stay_theirs(cast: Cast) -> None:
    """In the helper's own time zone: 08:00 on Sunday in London is 17:00 in Tokyo."""
    stay = weekend_stay(cast)
    cast.helper.time_zone = "Asia/Tokyo"
    cast.helper.save(update_fields=["time_zone"])
    url = f"/api/v1/circles/{cast.circle.pk}/tasks/{stay.pk}/withdraw"
    with at(MONDAY - datetime.timedelta(days=1), 8):
        answer = token_client(cast.organiser).post(
            url,
            {"on": FRIDAY.isoformat(), "user_id": cast.helper.pk, "reason": "Sam will take over"},
            content_type="application/json",
        )
    assert answer.status_code == 200
    assert answer.json()["status"] == "needs_help"
    assert going(stay) == []
    organiser = cast.organiser.display_name
    email = Delivery.objects.get(recipient=cast.helper, idempotency_key__startswith="task-taken-off-", channel="email")
    assert email.category == "reminder"
    assert email.subject == f"{organiser} has taken you off the rest of Stay with Dad, from Sunday 6 December"
    assert (
        f"{organiser} took you off the rest of “Stay with Dad” for {cast.circle.person_name} on Sun 6 Dec, 17:00 "
        "(your time). It needs help again from Sunday 6 December."
    ) in email.body
    assert "The days you covered, Friday to Saturday, stay yours. Thank you." in email.body
    assert "Their note: Sam will take over" in email.body
    text = Delivery.objects.get(recipient=cast.helper, idempotency_key__startswith="task-taken-off-", channel="sms")
    assert text.body.startswith(f"{organiser} has taken you off the rest of Stay with Dad, from Sunday 6 December")
    # The organisers hear as before, and everyone else is asked to take on the rest.
    assert told(cast.paid_carer, "stay-rest-")
    assert not Delivery.objects.filter(recipient=cast.organiser, idempotency_key__startswith="task-taken-off-").exists()


def test_taken_off_on_the_first_evening_is_thanked_for_the_time_given(cast: Cast) -> None:
    stay = weekend_stay(cast)
    url = f"/api/v1/circles/{cast.circle.pk}/tasks/{stay.pk}/withdraw"
    with at(FRIDAY, 21, 30):
        token_client(cast.organiser).post(
            url, {"on": FRIDAY.isoformat(), "user_id": cast.helper.pk}, content_type="application/json"
        )
    email = Delivery.objects.get(recipient=cast.helper, idempotency_key__startswith="task-taken-off-", channel="email")
    assert "took you off “Stay with Dad”" in email.body
    assert "on Fri 4 Dec, 21:30 (your time). It needs help again from Friday 4 December." in email.body
    assert "Thank you for the time you gave." in email.body
    assert "The days you covered" not in email.body


def test_giving_up_yourself_sends_no_taken_off_message_and_before_it_began_names_no_days(cast: Cast) -> None:
    """Taken off a stay that hasn't begun, the helper hears it as for any task (tests/tasks/test_take_off.py)."""
    stay = weekend_stay(cast)
    with at(SATURDAY, 9):
        occurrence_answer(actor=cast.helper, task=stay, occurrence_date=FRIDAY, answer=Answer.CANT)
    with at(FRIDAY - datetime.timedelta(days=1), 9):
        later = make_task(
            actor=cast.organiser,
            circle=cast.circle,
            title="Next stay",
            start_date=MONDAY + datetime.timedelta(days=4),
            start_time=datetime.time(18),
            duration_minutes=2 * 24 * 60,
        )
        task_volunteer(actor=cast.helper, task=later, occurrence_date=MONDAY + datetime.timedelta(days=4))
        task_withdraw(
            actor=cast.organiser, task=later, occurrence_date=MONDAY + datetime.timedelta(days=4), user=cast.helper
        )
    taken_off = Delivery.objects.get(idempotency_key__startswith="task-taken-off-", channel="email")
    assert taken_off.recipient == cast.helper
    assert taken_off.subject == f"{cast.organiser.display_name} has taken you off Next stay on Friday 11 December"
    assert "The days you covered" not in taken_off.body


@pytest.mark.parametrize(
    ("language", "subject", "covered"),
    [
        (
            "cy",
            "Mae {name} wedi eich tynnu oddi ar weddill Stay with Dad (o'r dyddiad hwn ymlaen: dydd Sul 6 Rhagfyr)",
            "Mae'r dyddiau y buoch chi'n helpu (dydd Gwener \u2013 dydd Sadwrn) yn dal i gyfrif i chi. Diolch.",
        ),
        (
            "pl",
            "Osoba {name} wypisała Cię z reszty zadania Stay with Dad (od dnia: niedziela, 6 grudnia)",
            "Dni Twojej pomocy (piątek \u2013 sobota) nadal się liczą. Dziękujemy.",
        ),
    ],
)
def test_being_taken_off_is_said_in_welsh_and_polish(cast: Cast, language: str, subject: str, covered: str) -> None:
    stay = weekend_stay(cast)
    cast.helper.language = language
    cast.helper.save(update_fields=["language"])
    with at(MONDAY - datetime.timedelta(days=1), 8):
        task_withdraw(actor=cast.organiser, task=stay, occurrence_date=FRIDAY, user=cast.helper)
    email = Delivery.objects.get(recipient=cast.helper, idempotency_key__startswith="task-taken-off-", channel="email")
    assert email.subject == subject.format(name=cast.organiser.display_name)
    assert covered in email.body


def test_someone_who_took_over_part_way_is_thanked_only_for_their_own_days(cast: Cast) -> None:
    """The helper gives up on Saturday; the paid carer takes over then and gives up on Sunday: Saturday is theirs."""
    stay = weekend_stay(cast)
    with at(SATURDAY, 9):
        occurrence_answer(actor=cast.helper, task=stay, occurrence_date=FRIDAY, answer=Answer.CANT)
        occurrence_answer(actor=cast.paid_carer, task=stay, occurrence_date=FRIDAY, answer=Answer.TAKE)
    with at(SATURDAY + datetime.timedelta(days=1), 9):
        client = Client()
        client.force_login(cast.paid_carer)
        url = reverse("tasks:withdraw", kwargs={"circle_id": stay.circle_id, "task_id": stay.pk})
        answer = client.post(url, {"on": FRIDAY.isoformat(), "reason": ""}, follow=True)
        assert (
            "You've given up the rest of “Stay with Dad”, from Sunday 6 December. Thank you for Saturday."
            in html.unescape(answer.content.decode())
        )
        again = occurrence_answer(actor=cast.paid_carer, task=stay, occurrence_date=FRIDAY, answer=Answer.CANT)
        organisers_page = page(cast.organiser, stay)
    assert (again.first_day, again.rest_from) == (SATURDAY, SATURDAY + datetime.timedelta(days=1))
    assert f"{cast.paid_carer.display_name} helped on Saturday, then gave up the rest" in organisers_page
    assert f"{cast.helper.display_name} helped on Friday, then gave up the rest" in organisers_page
