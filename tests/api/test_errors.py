"""Bad input gets a 4xx answer in the one error shape: never a 500, never a stack trace."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.test import Client

from carecircle.circles.models import Circle, Membership
from tests.api.conftest import API
from tests.api.operations import HTTP_METHODS, api_operations, fill_path

BAD_BODIES = [
    "",
    "{",
    "null",
    "[]",
    '"text"',
    "12",
    "{}",
    '{"person_name": {"nested": true}}',
    '{"name": "\\u0000", "token": "\\u0000", "person_name": "\\u0000", "grants": {"\\u0000": []}}',
    '{"name": "\\ud800", "person_name": "\\ud800", "token": "\\ud800"}',
    '{"role": null, "channel": null, "email": null, "phone": null, "expires_in_days": 1e309}',
    '{"client_id": "x", "person_date_of_birth": "0000-00-00", "expires_in_days": 99999999999999999999999}',
]


def test_a_body_that_is_not_json_is_a_400(helper, api_as):
    response = api_as(helper).post(f"{API}/circles", "{person_name: Gran", content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request body isn't valid JSON. Send a JSON object with Content-Type: application/json."
    }


def test_a_body_that_is_not_an_object_is_a_422(helper, api_as):
    response = api_as(helper).post(f"{API}/circles", "[]", content_type="application/json")

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body", "message": "Send a JSON object."}]


def test_an_unknown_field_is_refused_rather_than_ignored(organiser, circle, api_as):
    response = api_as(organiser).patch(
        f"{API}/circles/{circle.pk}", {"name": "Father"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"
    assert Circle.objects.get(pk=circle.pk).person_name == "Dad"


def test_a_null_character_in_an_invitation_token_is_refused(helper, api_as):
    response = api_as(helper).post(
        f"{API}/invitations/accept", '{"token": "ab\\u0000"}', content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "token"


def test_text_is_measured_as_sent_before_its_spaces_are_trimmed(helper, api_as):
    """The schema's maxLength (80 for a token's name) is about what a client sends."""
    too_long = api_as(helper).post(f"{API}/tokens", {"name": "\n" + "a" * 80}, content_type="application/json")
    trimmed = api_as(helper).post(f"{API}/tokens", {"name": "  Lift rota  "}, content_type="application/json")

    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "name"
    assert trimmed.status_code == 201
    assert trimmed.json()["name"] == "Lift rota"


def test_an_id_too_big_for_the_database_is_a_422(helper, api_as):
    response = api_as(helper).get(f"{API}/circles/{2**63}")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "circle_id"


def test_a_lone_surrogate_is_refused_as_text(helper, api_as):
    response = api_as(helper).post(f"{API}/circles", '{"person_name": "Gr\\ud800an"}', content_type="application/json")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "person_name", "message": "This text isn't valid Unicode: check how it was encoded."}
    ]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_no_operation_fails_on_bad_input(organiser, circle, api_as, body):
    client = api_as(organiser)
    ids = {
        "circle_id": circle.pk,
        "member_id": Membership.objects.filter(circle=circle, role="helper").get().pk,
        "invitation_id": circle.invitations.first().pk,
        "token_id": 1,
    }
    answers = {}
    for method, path, operation_id in api_operations():
        response = client.generic(method, fill_path(path, **ids), body, content_type="application/json")
        answers[operation_id] = response.status_code
        if response.status_code >= 400:
            assert set(response.json()) <= {"detail", "errors"}, operation_id

    assert {operation_id: status for operation_id, status in answers.items() if status >= 500} == {}


def test_a_wrong_method_is_answered_in_json_with_the_methods_that_work(helper, api_as):
    response = api_as(helper).delete(f"{API}/circles")

    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert response["Allow"] == "GET, POST"
    assert response.json() == {"detail": "This address doesn't accept DELETE. It accepts GET and POST."}


def test_every_api_address_answers_every_wrong_method_in_json(db):
    order = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    accepted: dict[str, set[str]] = defaultdict(set)
    for method, path, _ in api_operations():
        accepted[path].add(method)
    client = Client()

    for path, methods in accepted.items():
        allowed = [method for method in order if method in methods]
        words = allowed[0] if len(allowed) == 1 else ", ".join(allowed[:-1]) + " and " + allowed[-1]
        for wrong in sorted({method.upper() for method in HTTP_METHODS} - methods):
            response = client.generic(wrong, fill_path(path))

            assert response.status_code == 405, (wrong, path)
            assert response["Allow"] == ", ".join(allowed), (wrong, path)
            assert response.json() == {"detail": f"This address doesn't accept {wrong}. It accepts {words}."}
