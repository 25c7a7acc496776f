"""The rota, visit log, "I can't cover", stand-ins and offers pages."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from carecircle.notifications.models import Delivery
from carecircle.tasks.models import Assignment, Category, StandIn, StandingOffer, VisitLog
from carecircle.tasks.services import task_volunteer
from tests.cast import Cast
from tests.circles.conftest import text_of
from tests.tasks.conftest import circle_today, make_task, on_the_day, wall_clock_now

pytestmark = pytest.mark.django_db


def test_a_paid_carer_logs_a_visit_and_the_family_sees_it_on_the_rota(cast: Cast, as_user: Any) -> None:
    today = circle_today()
    visit = make_task(
        actor=cast.organiser,
        circle=cast.circle,
        title="Morning call",
        category=Category.PAID_VISIT,
        start_date=today,
        start_time=datetime.time(0, 5),
    )
    task_volunteer(actor=cast.organiser, task=visit, occurrence_date=today, user=cast.paid_carer)
    url = reverse("tasks:visit_log", kwargs={"circle_id": cast.circle.pk, "task_id": visit.pk})
    client = as_user(cast.paid_carer)
    assert "Log the visit" in text_of(client.get(url + f"?on={today}"))
    response = client.post(
        url,
        {
            "on": today.isoformat(),
            "arrived_at": f"{today}T00:05",
            "left_at": f"{today}T00:35",
            "outcome": "concern",
            "notes": "Fell over",
        },
    )
    assert response.status_code == 302, text_of(response)
    assert VisitLog.objects.get().notes == "Fell over"
    assert Delivery.objects.filter(idempotency_key__startswith="visit-concern-").count() == 2
    rota = text_of(as_user(cast.helper).get(reverse("tasks:rota", kwargs={"circle_id": cast.circle.pk})))
    assert "Fell over" in rota
    assert "A concern" in rota


def test_the_visit_form_explains_times_that_make_no_sense(cast: Cast, as_user: Any) -> None:
    today = circle_today()
    # At noon: in the first half hour after midnight today's 00:30 is still in the future, and that
    # refusal would come first.
    with on_the_day(today):
        visit = make_task(actor=cast.organiser, circle=cast.circle, start_date=today, start_time=datetime.time(0, 5))
        url = reverse("tasks:visit_log", kwargs={"circle_id": cast.circle.pk, "task_id": visit.pk})
        response = as_user(cast.paid_carer).post(
            url,
            {"on": today.isoformat(), "arrived_at": f"{today}T00:30", "left_at": f"{today}T00:10", "outcome": "all_ok"},
        )
    assert response.status_code == 400
    assert "before the time you arrived" in text_of(response)


def test_i_cant_cover_from_the_page(cast: Cast, as_user: Any) -> None:
    StandIn.objects.create(circle=cast.circle, user=cast.paid_carer, rank=1)
    task = make_task(actor=cast.organiser, circle=cast.circle, start_date=circle_today() + datetime.timedelta(days=1))
    task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)
    url = reverse("tasks:away", kwargs={"circle_id": cast.circle.pk})
    client = as_user(cast.helper)
    assert "Paid Carer" in text_of(client.get(url))
    now = wall_clock_now()
    response = client.post(
        url,
        {
            "starts_at": f"{now:%Y-%m-%dT%H:%M}",
            "ends_at": f"{now + datetime.timedelta(days=3):%Y-%m-%dT%H:%M}",
            "note": "Flu",
        },
        follow=True,
    )
    assert "1 thing you were down for needs someone else" in text_of(response)
    assert "We've asked Paid Carer to step in." in text_of(response)
    assert "Nobody else is set to step in" not in text_of(response)
    assert Assignment.objects.get().withdrawn_at is not None
    assert Delivery.objects.get(idempotency_key__startswith="cant-cover-").to == cast.paid_carer.email


def test_organisers_rank_the_stand_ins(cast: Cast, as_user: Any) -> None:
    url = reverse("tasks:stand_ins", kwargs={"circle_id": cast.circle.pk})
    client = as_user(cast.organiser)
    response = client.post(url, {"place_1": str(cast.helper.pk), "place_2": str(cast.paid_carer.pk)})
    assert response.status_code == 302
    assert list(StandIn.objects.values_list("user_id", "rank")) == [(cast.helper.pk, 1), (cast.paid_carer.pk, 2)]
    refused = client.post(url, {"place_1": str(cast.outsider.pk)})
    assert refused.status_code == 400
    assert "Choose each stand-in from the list" in text_of(refused)


def test_a_helper_adds_and_removes_a_standing_offer(cast: Cast, as_user: Any) -> None:
    url = reverse("tasks:offers", kwargs={"circle_id": cast.circle.pk})
    client = as_user(cast.helper)
    assert client.post(url, {"weekday": "1", "part": "evening"}).status_code == 302
    offer = StandingOffer.objects.get()
    assert "Tuesday, evening" in text_of(client.get(url))
    client.post(url, {"action": "remove", "offer": str(offer.pk)})
    assert not StandingOffer.objects.exists()
    assert client.post(url, {"weekday": "9", "part": "evening"}).status_code == 400


def test_an_organiser_puts_a_paid_carer_on_every_visit_of_a_series(cast: Cast, as_user: Any) -> None:
    start = circle_today() + datetime.timedelta(days=1)
    visit = make_task(
        actor=cast.organiser,
        circle=cast.circle,
        title="Morning call",
        category=Category.PAID_VISIT,
        start_date=start,
        rule="FREQ=WEEKLY",
    )
    task_volunteer(actor=cast.helper, task=visit, occurrence_date=start + datetime.timedelta(days=7))
    url = reverse("tasks:assign", kwargs={"circle_id": cast.circle.pk, "task_id": visit.pk})
    response = as_user(cast.organiser).post(
        url, {"on": start.isoformat(), "member": cast.paid_carer.pk, "every": "on"}, follow=True
    )
    # Thirteen weeks from the first visit, except the week the helper already took.
    assert "is down for “Morning call” 12 times" in text_of(response)
    carer_days = set(Assignment.objects.filter(user=cast.paid_carer).values_list("occurrence_date", flat=True))
    assert start in carer_days
    assert start + datetime.timedelta(days=7) not in carer_days
    assert len(carer_days) == 12
    rota = text_of(as_user(cast.helper).get(reverse("tasks:rota", kwargs={"circle_id": cast.circle.pk})))
    assert "Paid Carer" in rota


def _visit_with_a_concern(cast: Cast) -> tuple[Any, datetime.date]:
    from django.utils import timezone

    from carecircle.tasks.rota_services import visit_log_create

    today = timezone.localdate()
    visit = make_task(
        actor=cast.organiser, circle=cast.circle, title="Morning visit", start_date=today, category=Category.PAID_VISIT
    )
    task_volunteer(actor=cast.paid_carer, task=visit, occurrence_date=today)
    arrived = timezone.now() - datetime.timedelta(minutes=30)
    visit_log_create(
        actor=cast.paid_carer,
        task=visit,
        occurrence_date=today,
        arrived_at=arrived,
        left_at=None,
        notes="A new bruise on his left arm; he says he slipped.",
        outcome="concern",
    )
    return visit, today


def test_a_concern_shows_on_the_visits_own_page(cast: Cast, as_user: Any) -> None:
    visit, today = _visit_with_a_concern(cast)
    url = reverse("tasks:detail", kwargs={"circle_id": cast.circle.pk, "task_id": visit.pk}) + f"?on={today}"
    page = text_of(as_user(cast.helper).get(url))
    assert '<h2 id="visit-logs-heading">The visit</h2>' in page
    assert "A concern" in page
    assert "A new bruise on his left arm" in page
    assert "How it went" not in page


def test_organisers_see_this_weeks_concerns_first_on_the_circle_home(cast: Cast, as_user: Any) -> None:
    visit, today = _visit_with_a_concern(cast)
    home = reverse("circles:home", kwargs={"circle_id": cast.circle.pk})
    page = text_of(as_user(cast.organiser).get(home))
    assert "Concerns from visits this week" in page
    assert "A new bruise on his left arm" in page
    assert f"/tasks/{visit.pk}/?on={today:%Y-%m-%d}" in page
    for other in (cast.helper, cast.paid_carer):
        assert "Concerns from visits" not in text_of(as_user(other).get(home))
