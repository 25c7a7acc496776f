"""The daily or weekly digest email: once per member per period, at 08:00 on their clock, never empty."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client

from carecircle.accounts.models import User
from carecircle.circles.models import Role
from carecircle.circles.services import membership_change, membership_remove
from carecircle.notifications.digest import digest_moment, digests_send
from carecircle.notifications.models import (
    Delivery,
    DeliveryStatus,
    Digest,
    Notification,
    NotificationPreference,
    NotificationSettings,
)
from carecircle.notifications.notify import notify
from carecircle.orgs.models import OrganisationStaff
from carecircle.orgs.services import organisation_staff_add
from tests.bursts import at_once
from tests.cast import Cast, make_user

UTC = datetime.UTC
# New York is on daylight time (UTC-4) from 8 March 2026: 08:00 there is 12:00 UTC on these days.
TUESDAY_8AM_NEW_YORK = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
MONDAY_NOON_NEW_YORK = datetime.datetime(2026, 3, 9, 16, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[Any]:
    """The code's clock, moved by each test; never the hour the test happens to run."""
    with time_machine.travel(MONDAY_NOON_NEW_YORK, tick=False) as traveller:
        yield traveller


@pytest.fixture
def send(django_capture_on_commit_callbacks: Any) -> Any:
    """Queue the due digests and run what the commit hands the worker (the sends)."""

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            queued: int = digests_send()
        return queued

    return run


def digest_mode(user: User, mode: str = Digest.DAILY, *, weekday: int = 0, time_zone: str = "America/New_York") -> None:
    User.objects.filter(pk=user.pk).update(time_zone=time_zone)
    NotificationSettings.objects.update_or_create(user=user, defaults={"digest": mode, "digest_weekday": weekday})


def digests_of(user: User) -> list[Delivery]:
    return list(Delivery.objects.filter(recipient=user, category="digest").order_by("id"))


def test_news_waits_for_the_digest_and_comes_once_at_8am_on_the_members_clock(
    cast: Cast, clock: Any, send: Any
) -> None:
    digest_mode(cast.helper)
    notify(category="news", circle=cast.circle, key="news-1", title="Dad is home from hospital", body="All well.")
    notify(category="thanks", circle=cast.circle, key="thanks-1", title="Olivia thanked you", user_ids=[cast.helper.pk])
    # Nothing emailed at once: both wait for the digest.
    assert not Delivery.objects.filter(recipient=cast.helper).exists()

    clock.move_to(TUESDAY_8AM_NEW_YORK - datetime.timedelta(minutes=1))
    assert send() == 0
    clock.move_to(TUESDAY_8AM_NEW_YORK)
    assert send() >= 1
    [digest] = digests_of(cast.helper)
    assert digest.status == DeliveryStatus.SENT
    assert digest.to == cast.helper.email
    assert digest.subject == "CareCircle today: 2 new things"
    assert "Dad is home from hospital" in digest.body
    assert "All well." in digest.body
    assert "Olivia thanked you" in digest.body
    # Grouped by circle, then by category in the preferences page's order; times on the member's clock.
    assert digest.body.index(f"== {cast.circle.person_name} ==") < digest.body.index("News updates")
    assert digest.body.index("News updates") < digest.body.index("Thanks")
    assert "Mon 9 Mar, 12:00" in digest.body
    assert "Change how often: http" in digest.body
    assert "/notifications/preferences/when/#digest" in digest.body
    assert "<h2" in digest.html_body
    assert "Dad is home from hospital" in digest.html_body
    assert 'name="viewport"' in digest.html_body
    assert digest.headers["List-Unsubscribe"].startswith("<http")
    assert digest.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [sent] = [message for message in mail.outbox if message.to == [cast.helper.email]]
    assert sent.subject == digest.subject
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert isinstance(sent, EmailMultiAlternatives)
    assert sent.alternatives[0][1] == "text/html"

    # Run again, and the next morning with nothing new: nothing more is sent.
    assert send() == 0
    clock.move_to(TUESDAY_8AM_NEW_YORK + datetime.timedelta(days=1))
    assert send() == 0
    assert len(digests_of(cast.helper)) == 1


def test_urgent_news_is_still_emailed_at_once_in_digest_mode(cast: Cast, clock: Any, send: Any) -> None:
    digest_mode(cast.organiser)
    notify(category="checkin", circle=cast.circle, key="struggling-1", title="Dad is finding it hard")
    assert Delivery.objects.filter(idempotency_key=f"struggling-1-email-{cast.organiser.pk}").exists()
    clock.move_to(TUESDAY_8AM_NEW_YORK)
    send()
    assert digests_of(cast.organiser) == []


def test_an_empty_period_sends_nothing_but_the_next_period_still_comes(cast: Cast, clock: Any, send: Any) -> None:
    digest_mode(cast.helper)
    clock.move_to(TUESDAY_8AM_NEW_YORK)
    assert send() == 0
    notify(category="news", circle=cast.circle, key="news-2", title="Garden tidied")
    clock.move_to(TUESDAY_8AM_NEW_YORK + datetime.timedelta(days=1, minutes=10))
    send()
    [digest] = digests_of(cast.helper)
    assert "Garden tidied" in digest.body
    assert digest.idempotency_key == f"digest-{cast.helper.pk}-2026-03-11"


def test_what_the_member_read_in_the_app_is_left_out(cast: Cast, clock: Any, send: Any) -> None:
    digest_mode(cast.helper)
    notify(category="news", circle=cast.circle, key="news-3", title="Read already")
    notify(category="news", circle=cast.circle, key="news-4", title="Not read yet")
    Notification.objects.filter(key=f"news-3-{cast.helper.pk}").update(read_at=MONDAY_NOON_NEW_YORK)
    clock.move_to(TUESDAY_8AM_NEW_YORK)
    send()
    [digest] = digests_of(cast.helper)
    assert "Not read yet" in digest.body
    assert "Read already" not in digest.body


def test_the_digest_follows_the_email_choice_even_with_the_app_turned_off(
    cast: Cast, clock: Any, send: Any, as_user: Any
) -> None:
    digest_mode(cast.helper)
    NotificationPreference.objects.create(user=cast.helper, category="news", channel="app", enabled=False)
    NotificationPreference.objects.create(user=cast.helper, category="thanks", channel="email", enabled=False)
    notify(category="news", circle=cast.circle, key="news-app-off", title="Dad is home from hospital")
    notify(category="thanks", circle=cast.circle, key="thanks-no-email", title="Olivia thanked you")

    # Nothing about the news in the app: not listed, not counted.
    client = as_user(cast.helper)
    assert client.get("/notifications/unread/").json()["unread"] == 1
    assert "Dad is home from hospital" not in client.get("/notifications/").content.decode()
    clock.move_to(TUESDAY_8AM_NEW_YORK)
    send()

    [digest] = digests_of(cast.helper)
    assert "Dad is home from hospital" in digest.body
    # Thanks stay in the app, but email was turned off for them, so they stay out of the digest.
    assert "Olivia thanked you" not in digest.body
    assert digest.subject == "CareCircle today: 1 new thing"


def test_nothing_the_member_has_since_lost_access_to(cast: Cast, clock: Any, send: Any) -> None:
    digest_mode(cast.helper)
    digest_mode(cast.paid_carer)
    notify(
        category="help_needed",
        circle=cast.circle,
        key="ask-1",
        title="Can you take Dad to the dentist?",
        capability="tasks.volunteer",
    )
    # The helper becomes a well-wisher (who can't volunteer here); the paid carer leaves the circle.
    membership_change(actor=cast.organiser, member=cast.membership("helper"), role=Role.WELL_WISHER)
    membership_remove(actor=cast.organiser, member=cast.membership("paid_carer"))
    clock.move_to(TUESDAY_8AM_NEW_YORK)
    send()
    assert digests_of(cast.helper) == []
    assert digests_of(cast.paid_carer) == []


def test_a_weekly_digest_comes_on_the_chosen_day(cast: Cast, clock: Any, send: Any) -> None:
    digest_mode(cast.helper, Digest.WEEKLY, weekday=3, time_zone="Europe/London")
    notify(category="news", circle=cast.circle, key="news-5", title="Weekly news")
    # Thursday 12 March 2026, 08:00 in London (GMT) is 08:00 UTC.
    thursday = datetime.datetime(2026, 3, 12, 8, 0, tzinfo=UTC)
    clock.move_to(thursday - datetime.timedelta(seconds=1))
    send()
    assert digests_of(cast.helper) == []
    clock.move_to(thursday)
    send()
    [digest] = digests_of(cast.helper)
    assert digest.subject == "CareCircle this week: 1 new thing"
    assert digest_moment(mode=Digest.WEEKLY, weekday=0, time_zone="Europe/London", now=thursday) == (
        datetime.datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    )


def test_the_8am_moment_follows_daylight_saving_on_the_members_clock() -> None:
    # London moves to summer time on 29 March 2026: 08:00 is 08:00 UTC the day before, 07:00 UTC on it.
    before = digest_moment(
        mode=Digest.DAILY, weekday=0, time_zone="Europe/London", now=datetime.datetime(2026, 3, 28, 9, tzinfo=UTC)
    )
    after = digest_moment(
        mode=Digest.DAILY, weekday=0, time_zone="Europe/London", now=datetime.datetime(2026, 3, 29, 9, tzinfo=UTC)
    )
    assert before == datetime.datetime(2026, 3, 28, 8, tzinfo=UTC)
    assert after == datetime.datetime(2026, 3, 29, 7, tzinfo=UTC)


def test_the_digests_one_click_link_stops_it_but_not_urgent_news(cast: Cast, clock: Any, send: Any) -> None:
    digest_mode(cast.organiser)
    notify(category="news", circle=cast.circle, key="news-6", title="First")
    clock.move_to(TUESDAY_8AM_NEW_YORK)
    send()
    [digest] = digests_of(cast.organiser)
    stop = digest.headers["List-Unsubscribe"].strip("<>").removeprefix("http://testserver")
    stop = stop[stop.index("/notifications/stop/") :]
    page = Client().get(stop)
    assert page.status_code == 200
    assert "digest email" in page.content.decode()
    assert Client().post(stop, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert not NotificationPreference.objects.get(user=cast.organiser, category="news", channel="email").enabled
    assert not NotificationPreference.objects.filter(user=cast.organiser, category="checkin").exists()

    notify(category="news", circle=cast.circle, key="news-7", title="Second")
    notify(category="checkin", circle=cast.circle, key="struggling-2", title="Struggling")
    clock.move_to(TUESDAY_8AM_NEW_YORK + datetime.timedelta(days=1))
    send()
    assert len(digests_of(cast.organiser)) == 1
    assert Delivery.objects.filter(idempotency_key=f"struggling-2-email-{cast.organiser.pk}").exists()


def test_no_digest_to_an_address_that_is_failing(cast: Cast, clock: Any, send: Any) -> None:
    digest_mode(cast.helper)
    notify(category="news", circle=cast.circle, key="news-8", title="News")
    NotificationSettings.objects.filter(user=cast.helper).update(email_failing_since=MONDAY_NOON_NEW_YORK)
    clock.move_to(TUESDAY_8AM_NEW_YORK)
    send()
    assert digests_of(cast.helper) == []


def test_the_preferences_page_saves_the_weekly_day(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.helper)
    response = client.post(
        "/notifications/preferences/", {"on": ["news.email"], "digest": "weekly", "digest_weekday": "4"}
    )
    assert response.status_code == 302
    row = NotificationSettings.objects.get(user=cast.helper)
    assert (row.digest, row.digest_weekday) == ("weekly", 4)
    bad = client.post("/notifications/preferences/", {"digest": "weekly", "digest_weekday": "9"})
    assert bad.status_code == 400
    assert "day of the week" in bad.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_concurrent_runs_sends_each_digest_once() -> None:
    from carecircle.circles.services import circle_create
    from tests.cast import invite_and_join

    with time_machine.travel(MONDAY_NOON_NEW_YORK, tick=False) as clock:
        organiser = make_user("olive")
        circle = circle_create(actor=organiser, person_name="Mum", relationship="daughter")
        members = [make_user(f"member{number}") for number in range(4)]
        for member in members:
            invite_and_join(inviter=organiser, circle=circle, user=member, role=Role.HELPER)
            digest_mode(member)
        notify(category="news", circle=circle, key="burst-news", title="Mum's new chair came")
        clock.move_to(TUESDAY_8AM_NEW_YORK)
        at_once([digests_send] * 8)

    for member in members:
        [digest] = digests_of(member)
        assert digest.status == DeliveryStatus.SENT
        assert len([message for message in mail.outbox if message.to == [member.email]]) == 1


def test_the_worker_books_one_chain_of_digest_runs_however_many_start(db: None, settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    from carecircle.notifications.tasks import DIGEST_TASK_PATH, digests_schedule_ensure

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert digests_schedule_ensure() is True
    assert digests_schedule_ensure() is False
    assert DBTaskResult.objects.filter(task_path=DIGEST_TASK_PATH).count() == 1


def test_organisation_work_waits_for_the_digest_like_circle_news(cast: Cast, clock: Any, send: Any) -> None:
    """A member of staff in digest mode gets "a referral is no longer yours" in the digest, not at once (issue 11).

    It is listed after the circles under its own heading, in the member's language, and still
    counted in the app; someone who turned its email off doesn't find it in the digest.
    """
    from carecircle.notifications.account_notices import notify_account

    User.objects.filter(pk=cast.org_staff.pk).update(language="cy")
    cast.org_staff.refresh_from_db()
    digest_mode(cast.org_staff)
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    organisation_staff_add(actor=None, organisation=organisation, user=cast.helper, job_title="Volunteer")
    digest_mode(cast.helper)
    NotificationPreference.objects.create(
        user=cast.helper, category="organisation_work", channel="email", enabled=False
    )

    def told(user: User, key: str) -> bool:
        return notify_account(
            user_id=user.pk,
            category="organisation_work",
            key=key,
            render=lambda: ("A referral you were given is no longer yours", "Helping Hands gave it to someone else."),
            url="/orgs/",
        )

    assert told(cast.org_staff, "given-away-1") is True
    assert told(cast.helper, "given-away-2") is True
    notify(category="news", circle=cast.circle, key="news-1", title="Dad is home", user_ids=[cast.helper.pk])
    # Nothing emailed now; still in the app.
    assert not Delivery.objects.filter(recipient__in=[cast.org_staff, cast.helper]).exists()
    assert Notification.objects.get(recipient=cast.org_staff).in_app is True

    clock.move_to(TUESDAY_8AM_NEW_YORK)
    send()
    [digest] = digests_of(cast.org_staff)
    assert digest.status == DeliveryStatus.SENT
    assert "Helping Hands gave it to someone else." in digest.body
    # Under the category's own name, in Welsh, with no second heading repeating it.
    heading = "== Atgyfeiriadau a gwaith i sefydliad =="
    assert heading in digest.body
    assert digest.body.count("Atgyfeiriadau a gwaith i sefydliad") == 1
    assert "<h3" not in digest.html_body
    # The helper turned organisation work's email off: their digest has the circle news only.
    [helper_digest] = digests_of(cast.helper)
    assert "Dad is home" in helper_digest.body
    assert "no longer yours" not in helper_digest.body
    assert not Notification.objects.filter(held_for_digest=True).exists()


def test_organisation_work_is_emailed_at_once_without_a_digest(cast: Cast, clock: Any) -> None:
    from carecircle.notifications.account_notices import notify_account

    assert notify_account(
        user_id=cast.org_staff.pk,
        category="organisation_work",
        key="given-away-3",
        render=lambda: ("A referral you were given is no longer yours", "It went to someone else."),
        url="",
    )
    [email] = Delivery.objects.filter(recipient=cast.org_staff, channel="email")
    assert email.subject == "A referral you were given is no longer yours"
    assert Notification.objects.get(recipient=cast.org_staff).held_for_digest is False
