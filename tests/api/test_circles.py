"""Circles: list, start (idempotently), read and change."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from carecircle.circles.models import Circle, Membership
from carecircle.circles.services import membership_add_directly
from tests.api.conftest import API


def test_the_list_holds_your_circles_with_your_role(helper, api_as):
    response = api_as(helper).get(f"{API}/circles")

    assert response.status_code == 200
    assert response.json() == [
        {"id": Circle.objects.get(person_name="Dad").pk, "person_name": "Dad", "role": "helper", "relationship": "son"}
    ]


def test_the_list_leaves_out_circles_you_are_not_in(outsider, api_as):
    names = [circle["person_name"] for circle in api_as(outsider).get(f"{API}/circles").json()]

    assert names == ["Auntie Jo"]


def test_starting_a_circle_makes_you_its_organiser(helper, api_as):
    response = api_as(helper).post(
        f"{API}/circles",
        {"person_name": "  Gran  ", "relationship": "grandson", "person_date_of_birth": "1941-05-02"},
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["person_name"] == "Gran"
    assert body["role"] == "organiser"
    assert body["person_date_of_birth"] == "1941-05-02"
    assert "members.manage" in body["capabilities"]
    assert Membership.objects.get(circle_id=body["id"], user=helper).relationship == "grandson"


def test_you_can_start_a_circle_about_yourself(helper, api_as):
    response = api_as(helper).post(
        f"{API}/circles", {"person_name": "Me", "joining_as": "person"}, content_type="application/json"
    )

    assert response.status_code == 201
    assert response.json()["role"] == "person"
    assert "consent.manage" in response.json()["capabilities"]


def test_a_retry_with_the_same_client_id_returns_the_same_circle(helper, api_as):
    client = api_as(helper)
    payload = {"person_name": "Gran", "client_id": str(uuid.uuid4())}

    first = client.post(f"{API}/circles", payload, content_type="application/json")
    retry = client.post(f"{API}/circles", payload, content_type="application/json")

    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json()["id"] == retry.json()["id"]
    assert Circle.objects.filter(person_name="Gran").count() == 1


def test_different_people_may_send_the_same_client_id(helper, paid_carer, api_as):
    payload = {"person_name": "Gran", "client_id": str(uuid.uuid4())}

    first = api_as(helper).post(f"{API}/circles", payload, content_type="application/json")
    second = api_as(paid_carer).post(f"{API}/circles", payload, content_type="application/json")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]


def test_a_client_id_of_a_circle_you_have_left_is_refused(helper, organiser, api_as):
    client = api_as(helper)
    payload = {"person_name": "Gran", "client_id": str(uuid.uuid4())}
    circle_id = client.post(f"{API}/circles", payload, content_type="application/json").json()["id"]
    membership_add_directly(actor=helper, circle=Circle.objects.get(pk=circle_id), user=organiser, role="organiser")
    assert client.post(f"{API}/circles/{circle_id}/leave").status_code == 204

    response = client.post(f"{API}/circles", payload, content_type="application/json")

    assert response.status_code == 409
    assert "client_id" in response.json()["detail"]


def test_a_circle_shows_your_role_and_what_you_may_do(well_wisher, circle, api_as):
    response = api_as(well_wisher).get(f"{API}/circles/{circle.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "well_wisher"
    assert body["relationship"] == "aunt"
    assert "circle.view" in body["capabilities"]
    assert "members.view" not in body["capabilities"]
    assert body["latest_event"] == Circle.objects.get(pk=circle.pk).event_seq > 0


def test_an_outsider_gets_the_same_404_as_for_a_circle_that_does_not_exist(outsider, circle, api_as):
    client = api_as(outsider)

    hidden = client.get(f"{API}/circles/{circle.pk}")
    missing = client.get(f"{API}/circles/{circle.pk + 1000}")

    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content == b'{"detail": "Not found."}'


def test_an_organiser_can_rename_the_circle(organiser, circle, api_as):
    response = api_as(organiser).patch(
        f"{API}/circles/{circle.pk}", {"person_name": "Father"}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["person_name"] == "Father"
    circle.refresh_from_db()
    assert circle.person_name == "Father"


def test_a_change_keeps_the_fields_it_does_not_mention(organiser, circle, api_as):
    client = api_as(organiser)
    client.patch(f"{API}/circles/{circle.pk}", {"person_date_of_birth": "1950-01-31"}, content_type="application/json")

    response = client.patch(f"{API}/circles/{circle.pk}", {"person_name": "Father"}, content_type="application/json")

    assert response.json()["person_date_of_birth"] == "1950-01-31"
    cleared = client.patch(
        f"{API}/circles/{circle.pk}", {"person_date_of_birth": None}, content_type="application/json"
    )
    assert cleared.json()["person_date_of_birth"] is None
    assert cleared.json()["person_name"] == "Father"


def test_a_helper_cannot_change_the_circle(helper, circle, api_as):
    response = api_as(helper).patch(
        f"{API}/circles/{circle.pk}", {"person_name": "Father"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert "circle.edit" in response.json()["detail"]
    circle.refresh_from_db()
    assert circle.person_name == "Dad"


def test_an_outsider_cannot_change_the_circle(outsider, circle, api_as):
    response = api_as(outsider).patch(
        f"{API}/circles/{circle.pk}", {"person_name": "Father"}, content_type="application/json"
    )

    assert response.status_code == 404


def test_the_name_is_required_and_limited_in_length(helper, organiser, circle, api_as):
    blank = api_as(helper).post(f"{API}/circles", {"person_name": " "}, content_type="application/json")
    long = api_as(helper).post(f"{API}/circles", {"person_name": "x" * 81}, content_type="application/json")
    null = api_as(organiser).patch(f"{API}/circles/{circle.pk}", {"person_name": None}, content_type="application/json")

    assert blank.json()["errors"] == [{"field": "person_name", "message": "This can't be empty."}]
    assert long.json()["errors"] == [{"field": "person_name", "message": "Use at most 80 characters."}]
    assert null.status_code == 422
    assert null.json()["errors"][0]["field"] == "person_name"


def test_a_date_of_birth_in_the_future_is_refused(organiser, circle, api_as):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    response = api_as(organiser).patch(
        f"{API}/circles/{circle.pk}", {"person_date_of_birth": tomorrow}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "person_date_of_birth", "message": "The date of birth can't be in the future."}
    ]


def test_text_with_a_null_character_is_refused(helper, api_as):
    response = api_as(helper).post(f"{API}/circles", {"person_name": "Gr\x00an"}, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "person_name", "message": "Remove the null character from the text: text can't contain it."}
    ]
    assert not Circle.objects.filter(person_name__startswith="Gr").exists()


def test_a_date_of_birth_must_be_sent_as_a_date_not_a_number(organiser, api_as):
    client = api_as(organiser)
    for value in (0, 19420630, "30/06/1942"):
        response = client.post(
            f"{API}/circles", {"person_name": "Mum", "person_date_of_birth": value}, content_type="application/json"
        )
        assert response.status_code == 422, value
        assert "1942-06-30" in response.json()["errors"][0]["message"]
    assert not Circle.objects.filter(person_name="Mum").exists()


def test_the_district_is_kept_as_the_first_part_of_the_postcode_and_can_be_removed(organiser, circle, api_as):
    client = api_as(organiser)
    given = client.patch(f"{API}/circles/{circle.pk}", {"person_district": "ll11 2ab"}, content_type="application/json")
    assert given.status_code == 200
    assert given.json()["person_district"] == "LL11"

    renamed = client.patch(f"{API}/circles/{circle.pk}", {"person_name": "Father"}, content_type="application/json")
    assert renamed.json()["person_district"] == "LL11"

    removed = client.patch(f"{API}/circles/{circle.pk}", {"person_district": ""}, content_type="application/json")
    assert removed.json()["person_district"] == ""
    circle.refresh_from_db()
    assert circle.person_district == ""


def test_a_district_that_isnt_a_postcode_is_refused(organiser, circle, api_as):
    response = api_as(organiser).patch(
        f"{API}/circles/{circle.pk}", {"person_district": "Wrexham"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "person_district",
            "message": "Enter the first part of a UK postcode, like LL11 or CF10, or leave it empty.",
        }
    ]
    circle.refresh_from_db()
    assert circle.person_district == ""
