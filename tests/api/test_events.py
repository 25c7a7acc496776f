"""Live-event catch-up: what changed since a sequence number, ids only."""

from __future__ import annotations

from carecircle.circles.models import Circle
from carecircle.circles.services import circle_update
from carecircle.realtime.events import circle_event_record
from tests.api.conftest import API


def test_it_returns_the_events_after_the_given_number(well_wisher, organiser, circle, api_as):
    latest = Circle.objects.get(pk=circle.pk).event_seq
    circle_update(actor=organiser, circle=circle, person_name="Father", person_date_of_birth=None)

    response = api_as(well_wisher).get(f"{API}/circles/{circle.pk}/events?since={latest}")

    assert response.status_code == 200
    body = response.json()
    assert body["latest"] == latest + 1
    assert body["has_more"] is False
    assert [(event["seq"], event["type"], event["data"]) for event in body["events"]] == [
        (latest + 1, "circle.changed", {})
    ]


def test_events_carry_ids_and_never_content(helper, organiser, circle, api_as):
    circle_update(actor=organiser, circle=circle, person_name="Father", person_date_of_birth=None)

    body = api_as(helper).get(f"{API}/circles/{circle.pk}/events").json()

    assert "Father" not in str(body)
    assert all(isinstance(value, int) for event in body["events"] for value in event["data"].values())


def test_a_long_gap_is_returned_in_batches_of_five_hundred(helper, circle, api_as):
    for _ in range(501):
        circle_event_record(circle=circle, type="circle.changed")
    client = api_as(helper)

    first = client.get(f"{API}/circles/{circle.pk}/events").json()
    rest = client.get(f"{API}/circles/{circle.pk}/events?since={first['events'][-1]['seq']}").json()

    assert (len(first["events"]), first["has_more"]) == (500, True)
    assert rest["has_more"] is False
    assert rest["events"][-1]["seq"] == rest["latest"] == Circle.objects.get(pk=circle.pk).event_seq


def test_a_client_that_is_up_to_date_gets_no_events(helper, circle, api_as):
    latest = Circle.objects.get(pk=circle.pk).event_seq

    body = api_as(helper).get(f"{API}/circles/{circle.pk}/events?since={latest}").json()

    assert body == {"latest": latest, "has_more": False, "gap": False, "events": []}


def test_since_must_be_a_whole_number_from_zero(helper, circle, api_as):
    client = api_as(helper)

    negative = client.get(f"{API}/circles/{circle.pk}/events?since=-1")
    words = client.get(f"{API}/circles/{circle.pk}/events?since=yesterday")

    assert negative.json()["errors"] == [{"field": "since", "message": "Enter a number no smaller than 0."}]
    assert words.json()["errors"] == [{"field": "since", "message": "Enter a whole number."}]


def test_an_outsider_does_not_find_the_events(outsider, circle, api_as):
    assert api_as(outsider).get(f"{API}/circles/{circle.pk}/events").status_code == 404
