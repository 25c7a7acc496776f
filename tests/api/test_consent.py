"""Consent: what each role may see and do, and who decides."""

from __future__ import annotations

from typing import Any

from carecircle.circles.models import Circle
from carecircle.circles.services import membership_remove
from tests.api.conftest import API


def _roles(body: dict[str, Any]) -> dict[str, list[str]]:
    return {role["role"]: role["granted"] for role in body["roles"]}


def test_every_member_can_see_who_decides_and_what_is_granted(well_wisher, circle, api_as):
    response = api_as(well_wisher).get(f"{API}/circles/{circle.pk}/consent")

    assert response.status_code == 200
    body = response.json()
    assert body["decided_by"] == "person"
    assert body["deciders"] == ["Person"]
    assert body["can_change"] is False
    assert "members.contact" in _roles(body)["helper"]
    assert "members.contact" not in _roles(body)["paid_carer"]
    helper_options = next(role["available"] for role in body["roles"] if role["role"] == "helper")
    assert {"key": "members.invite", "label": "Invite new people", "group": "People"} in helper_options


def test_an_outsider_does_not_find_the_consent_settings(outsider, circle, api_as):
    assert api_as(outsider).get(f"{API}/circles/{circle.pk}/consent").status_code == 404


def test_the_person_can_change_what_a_role_may_see(person, helper, circle, api_as):
    response = api_as(person).put(
        f"{API}/circles/{circle.pk}/consent",
        {"grants": {"helper": ["members.view", "updates.read"]}},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert _roles(response.json())["helper"] == ["members.view", "updates.read"]
    capabilities = api_as(helper).get(f"{API}/circles/{circle.pk}").json()["capabilities"]
    assert "members.view" in capabilities
    assert "members.contact" not in capabilities


def test_roles_left_out_keep_their_settings(person, circle, api_as):
    client = api_as(person)
    client.put(
        f"{API}/circles/{circle.pk}/consent",
        {"grants": {"paid_carer": ["updates.read"]}},
        content_type="application/json",
    )

    response = client.put(
        f"{API}/circles/{circle.pk}/consent", {"grants": {"helper": ["updates.read"]}}, content_type="application/json"
    )

    assert _roles(response.json())["paid_carer"] == ["updates.read"]
    assert Circle.objects.get(pk=circle.pk).consent["paid_carer"] == ["updates.read"]


def test_organisers_may_not_change_consent_while_the_person_is_a_member(organiser, circle, api_as):
    response = api_as(organiser).put(
        f"{API}/circles/{circle.pk}/consent", {"grants": {"helper": []}}, content_type="application/json"
    )

    assert response.status_code == 403
    assert "consent.manage" in response.json()["detail"]
    assert Circle.objects.get(pk=circle.pk).consent["helper"]


def test_organisers_decide_when_the_person_is_not_a_member(person, organiser, cast, circle, api_as):
    membership_remove(actor=person, member=cast.membership("person"))
    client = api_as(organiser)

    body = client.get(f"{API}/circles/{circle.pk}/consent").json()
    response = client.put(
        f"{API}/circles/{circle.pk}/consent", {"grants": {"helper": []}}, content_type="application/json"
    )

    assert (body["decided_by"], body["deciders"], body["can_change"]) == ("organisers", ["Olivia Organiser"], True)
    assert response.status_code == 200
    assert _roles(response.json())["helper"] == []


def test_an_unknown_role_or_capability_is_refused(person, circle, api_as):
    client = api_as(person)

    role = client.put(f"{API}/circles/{circle.pk}/consent", {"grants": {"boss": []}}, content_type="application/json")
    capability = client.put(
        f"{API}/circles/{circle.pk}/consent",
        {"grants": {"helper": ["members.manage"]}},
        content_type="application/json",
    )

    assert role.status_code == capability.status_code == 400
    assert role.json() == {"detail": "There is no role called 'boss'."}
    assert capability.json() == {"detail": "Helper cannot be given 'members.manage'."}


def test_grants_must_be_a_mapping_of_lists(person, circle, api_as):
    response = api_as(person).put(
        f"{API}/circles/{circle.pk}/consent", {"grants": {"helper": "everything"}}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "grants.helper", "message": "Send a list."}]
