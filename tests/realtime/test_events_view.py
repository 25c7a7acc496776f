"""GET /circles/<id>/events?since=N: what a reconnecting client missed, as ids only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carecircle.circles.models import Circle
from carecircle.circles.services import circle_update
from carecircle.realtime.models import CircleEvent
from carecircle.realtime.selectors import CATCH_UP_LIMIT


def url(circle: Circle) -> str:
    return f"/circles/{circle.pk}/events"


def add_events(circle: Circle, count: int) -> None:
    """Bulk events for limits and query counts (the services add them one change at a time)."""
    circle.refresh_from_db()
    first = circle.event_seq + 1
    CircleEvent.objects.bulk_create(
        CircleEvent(circle=circle, seq=seq, type="task.changed", data={"task": seq})
        for seq in range(first, first + count)
    )
    Circle.objects.filter(pk=circle.pk).update(event_seq=first + count - 1)
    circle.refresh_from_db()


@pytest.mark.parametrize("name", ["person", "organiser", "helper", "paid_carer", "professional", "well_wisher"])
def test_it_gives_every_member_the_events_since_a_number(cast, as_user, name):
    response = as_user(cast.user(name)).get(url(cast.circle), {"since": 2})

    assert response.status_code == 200
    body = response.json()
    cast.circle.refresh_from_db()
    assert set(body) == {"events", "latest", "has_more", "gap"}
    assert [event["seq"] for event in body["events"]] == list(range(3, cast.circle.event_seq + 1))
    assert body["latest"] == cast.circle.event_seq
    assert body["has_more"] is False
    assert all(event["circle"] == cast.circle.pk for event in body["events"])


def test_it_starts_from_the_beginning_without_since(cast, as_user):
    body = as_user(cast.organiser).get(url(cast.circle)).json()

    assert body["events"][0] == {"type": "circle.created", "circle": cast.circle.pk, "seq": 1}


def test_it_carries_ids_only(cast, as_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        circle_update(actor=cast.organiser, circle=cast.circle, person_name="Papa Joe", person_date_of_birth=None)
    cast.circle.refresh_from_db()

    body = as_user(cast.helper).get(url(cast.circle), {"since": cast.circle.event_seq - 1}).json()

    assert body["events"] == [{"type": "circle.changed", "circle": cast.circle.pk, "seq": cast.circle.event_seq}]
    assert "Papa Joe" not in str(body)


def test_it_is_empty_when_the_client_is_up_to_date(cast, as_user):
    cast.circle.refresh_from_db()

    body = as_user(cast.helper).get(url(cast.circle), {"since": cast.circle.event_seq}).json()

    assert body == {"events": [], "latest": cast.circle.event_seq, "has_more": False, "gap": False}


def test_it_sends_at_most_500_and_says_more_remain(cast, as_user):
    add_events(cast.circle, CATCH_UP_LIMIT + 20)
    client = as_user(cast.helper)

    first = client.get(url(cast.circle), {"since": 0}).json()
    assert len(first["events"]) == CATCH_UP_LIMIT == 500
    assert first["has_more"] is True
    assert first["latest"] == cast.circle.event_seq

    rest = client.get(url(cast.circle), {"since": first["events"][-1]["seq"]}).json()
    assert rest["events"][-1]["seq"] == cast.circle.event_seq
    assert rest["has_more"] is False


def test_its_query_count_does_not_grow_with_the_events(cast, as_user):
    client = as_user(cast.helper)
    client.get(url(cast.circle))  # The session's first request records it; count from the second.
    with CaptureQueriesContext(connection) as few:
        client.get(url(cast.circle))
    add_events(cast.circle, 300)
    with CaptureQueriesContext(connection) as many:
        client.get(url(cast.circle))

    assert len(many) == len(few) <= 5


@pytest.mark.parametrize("since", ["abc", "-1", "1.5", "", " 3", "1e3", "9" * 19, "٣"])
def test_a_bad_since_is_a_400_that_says_what_to_send(cast, as_user, since):
    response = as_user(cast.helper).get(url(cast.circle), {"since": since})

    assert response.status_code == 400
    assert "since must be a whole number" in response.json()["detail"]


def test_outsiders_get_404_as_if_the_circle_did_not_exist(cast, as_user):
    outsider = as_user(cast.outsider)

    assert outsider.get(url(cast.circle)).status_code == 404
    assert outsider.get("/circles/999999/events").status_code == 404
    # Even a bad since doesn't tell an outsider that the circle exists.
    assert outsider.get(url(cast.circle), {"since": "abc"}).status_code == 404


def test_signed_out_visitors_get_404(cast, as_user):
    response = as_user(None).get(url(cast.circle))

    assert response.status_code == 404
    assert response.json() == {"detail": "No such circle."}


def test_org_staff_without_a_referral_get_404(cast, as_user):
    assert as_user(cast.org_staff).get(url(cast.circle)).status_code == 404


def test_it_answers_only_get(cast, as_user):
    assert as_user(cast.helper).post(url(cast.circle)).status_code == 405


def test_it_is_never_cached(cast, as_user):
    response = as_user(cast.helper).get(url(cast.circle))

    assert "no-store" in response["Cache-Control"]
