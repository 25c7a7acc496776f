"""Authentication: personal tokens, browser sessions with CSRF, and 401 for everyone else."""

from __future__ import annotations

from django.test import Client

from carecircle.accounts.models import ApiToken
from carecircle.accounts.services import api_token_create, api_token_revoke
from tests.api.conftest import API
from tests.api.operations import api_operations, fill_path

# Django accepts the cookie's 32-character secret itself as the header's token.
CSRF_SECRET = "k7Qm2ZpX9vLr4TnB8cWd3YsF6hJa1GeU"


def test_it_accepts_a_personal_token(helper):
    _, secret = api_token_create(actor=helper, name="Script")
    client = Client(headers={"Authorization": f"Bearer {secret}"})

    response = client.get(f"{API}/me")

    assert response.status_code == 200
    assert response.json()["email"] == helper.email


def test_it_records_when_a_token_was_last_used(helper):
    token, secret = api_token_create(actor=helper, name="Script")
    Client(headers={"Authorization": f"Bearer {secret}"}).get(f"{API}/me")

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_refuses_a_revoked_token(helper):
    token, secret = api_token_create(actor=helper, name="Script")
    api_token_revoke(actor=helper, token=token)

    response = Client(headers={"Authorization": f"Bearer {secret}"}).get(f"{API}/me")

    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_it_refuses_a_made_up_token(cast):
    response = Client(headers={"Authorization": "Bearer cc_not-a-real-token"}).get(f"{API}/me")

    assert response.status_code == 401
    assert response.json()["detail"].startswith("This API token isn't valid")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_refuses_another_authorization_scheme(helper):
    response = Client(headers={"Authorization": "Basic aGVscGVyOnNlY3JldA=="}).get(f"{API}/me")

    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_a_wrong_token_is_refused_even_with_a_session(helper):
    client = Client(headers={"Authorization": "Bearer cc_wrong"})
    client.force_login(helper)

    assert client.get(f"{API}/me").status_code == 401


def test_it_stores_only_a_hash_of_the_secret(helper, api_as):
    response = api_as(helper).post(f"{API}/tokens", {"name": "Laptop"}, content_type="application/json")

    secret = response.json()["secret"]
    assert not ApiToken.objects.filter(secret_hash=secret).exists()
    assert not ApiToken.objects.filter(prefix=secret).exists()


def test_every_operation_answers_401_without_credentials(cast):
    client = Client()
    answers = {
        operation_id: client.generic(method, fill_path(path), "{}", content_type="application/json").status_code
        for method, path, operation_id in api_operations()
    }

    assert answers == dict.fromkeys(answers, 401)
    assert len(answers) >= 20


def test_a_signed_out_answer_is_json_in_the_error_shape(cast):
    response = Client().get(f"{API}/circles")

    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail"}


def test_a_session_can_read(helper):
    client = Client(enforce_csrf_checks=True)
    client.force_login(helper)

    response = client.get(f"{API}/circles")

    assert response.status_code == 200
    assert [circle["person_name"] for circle in response.json()] == ["Dad"]


def test_a_session_must_pass_the_csrf_check_to_change_anything(helper):
    client = Client(enforce_csrf_checks=True)
    client.force_login(helper)

    response = client.post(f"{API}/circles", {"person_name": "Gran"}, content_type="application/json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert [circle["person_name"] for circle in client.get(f"{API}/circles").json()] == ["Dad"]


def test_a_session_with_the_csrf_token_can_change_things(helper):
    client = Client(enforce_csrf_checks=True)
    client.force_login(helper)
    client.cookies["csrftoken"] = CSRF_SECRET

    response = client.post(
        f"{API}/circles", {"person_name": "Gran"}, content_type="application/json", headers={"X-CSRFToken": CSRF_SECRET}
    )

    assert response.status_code == 201


def test_a_token_needs_no_csrf_token(helper):
    _, secret = api_token_create(actor=helper, name="Script")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})

    response = client.post(f"{API}/circles", {"person_name": "Gran"}, content_type="application/json")

    assert response.status_code == 201
