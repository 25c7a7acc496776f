"""Members: who is in a circle, changing roles, removing people and leaving."""

from __future__ import annotations

from carecircle.accounts.models import User
from carecircle.circles.models import Membership
from tests.api.conftest import API


def _member_id(circle, user: User) -> int:
    return Membership.objects.get(circle=circle, user=user).pk


def test_an_organiser_sees_everyone_with_contact_details(organiser, circle, api_as):
    response = api_as(organiser).get(f"{API}/circles/{circle.pk}/members")

    assert response.status_code == 200
    members = response.json()
    assert len(members) == 6
    helper = next(member for member in members if member["role"] == "helper")
    assert helper["email"] == "helper@example.org"
    assert helper["relationship"] == "son"
    assert [member["display_name"] for member in members if member["is_you"]] == ["Olivia Organiser"]


def test_a_paid_carer_sees_the_members_without_contact_details(paid_carer, circle, api_as):
    response = api_as(paid_carer).get(f"{API}/circles/{circle.pk}/members")

    assert response.status_code == 200
    assert {member["email"] for member in response.json()} == {None}
    assert {member["phone"] for member in response.json()} == {None}


def test_a_helper_sees_contact_details_by_default(helper, circle, api_as):
    emails = {member["email"] for member in api_as(helper).get(f"{API}/circles/{circle.pk}/members").json()}

    assert "organiser@example.org" in emails


def test_a_well_wisher_may_not_see_the_member_list(well_wisher, circle, api_as):
    response = api_as(well_wisher).get(f"{API}/circles/{circle.pk}/members")

    assert response.status_code == 403
    assert "members.view" in response.json()["detail"]


def test_an_outsider_does_not_find_the_member_list(outsider, circle, api_as):
    assert api_as(outsider).get(f"{API}/circles/{circle.pk}/members").status_code == 404


def test_an_organiser_can_change_a_members_role_and_relationship(organiser, helper, circle, api_as):
    response = api_as(organiser).patch(
        f"{API}/circles/{circle.pk}/members/{_member_id(circle, helper)}",
        {"role": "organiser", "relationship": "eldest son"},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["role"] == "organiser"
    member = Membership.objects.get(circle=circle, user=helper)
    assert (member.role, member.relationship) == ("organiser", "eldest son")


def test_an_unknown_role_is_refused_with_the_choices(organiser, helper, circle, api_as):
    response = api_as(organiser).patch(
        f"{API}/circles/{circle.pk}/members/{_member_id(circle, helper)}",
        {"role": "boss"},
        content_type="application/json",
    )

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "role"
    assert error["message"].startswith("Choose one of 'person', 'organiser'")


def test_a_helper_cannot_change_roles(helper, well_wisher, circle, api_as):
    response = api_as(helper).patch(
        f"{API}/circles/{circle.pk}/members/{_member_id(circle, well_wisher)}",
        {"role": "helper"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert Membership.objects.get(circle=circle, user=well_wisher).role == "well_wisher"


def test_the_last_organiser_cannot_step_down(organiser, circle, api_as):
    response = api_as(organiser).patch(
        f"{API}/circles/{circle.pk}/members/{_member_id(circle, organiser)}",
        {"role": "helper"},
        content_type="application/json",
    )

    assert response.status_code == 409
    assert response.json()["detail"].startswith("A circle needs at least one organiser")


def test_a_circle_has_only_one_person(organiser, helper, circle, api_as):
    response = api_as(organiser).patch(
        f"{API}/circles/{circle.pk}/members/{_member_id(circle, helper)}",
        {"role": "person"},
        content_type="application/json",
    )

    assert response.status_code == 409


def test_a_member_of_another_circle_is_not_found(organiser, outsider, circle, cast, api_as):
    other_member = _member_id(cast.other_circle, outsider)

    response = api_as(organiser).patch(
        f"{API}/circles/{circle.pk}/members/{other_member}", {"role": "helper"}, content_type="application/json"
    )

    assert response.status_code == 404
    assert Membership.objects.get(pk=other_member).role == "organiser"


def test_an_organiser_can_remove_someone(organiser, well_wisher, circle, api_as):
    response = api_as(organiser).delete(f"{API}/circles/{circle.pk}/members/{_member_id(circle, well_wisher)}")

    assert response.status_code == 204
    assert not Membership.objects.filter(circle=circle, user=well_wisher).exists()
    assert api_as(well_wisher).get(f"{API}/circles/{circle.pk}").status_code == 404


def test_a_helper_cannot_remove_anyone(helper, well_wisher, circle, api_as):
    response = api_as(helper).delete(f"{API}/circles/{circle.pk}/members/{_member_id(circle, well_wisher)}")

    assert response.status_code == 403
    assert Membership.objects.filter(circle=circle, user=well_wisher).exists()


def test_a_member_can_leave(helper, circle, api_as):
    client = api_as(helper)

    response = client.post(f"{API}/circles/{circle.pk}/leave")

    assert response.status_code == 204
    assert client.get(f"{API}/circles/{circle.pk}").status_code == 404


def test_the_only_organiser_cannot_leave(organiser, circle, api_as):
    response = api_as(organiser).post(f"{API}/circles/{circle.pk}/leave")

    assert response.status_code == 409
    assert "only organiser" in response.json()["detail"]
    assert Membership.objects.filter(circle=circle, user=organiser).exists()


def test_an_outsider_cannot_leave_a_circle_they_are_not_in(outsider, circle, api_as):
    assert api_as(outsider).post(f"{API}/circles/{circle.pk}/leave").status_code == 404
