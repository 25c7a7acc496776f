"""GET /me and personal API tokens."""

from __future__ import annotations

from django.test import Client

from carecircle.accounts.models import ApiToken
from carecircle.accounts.services import api_token_create
from carecircle.audit.models import AuditEntry
from tests.api.conftest import API


def test_me_describes_the_signed_in_account(helper, api_as):
    response = api_as(helper).get(f"{API}/me")

    assert response.status_code == 200
    me = response.json()
    assert me["id"] == helper.pk
    assert me["display_name"] == "Helper"
    assert me["time_zone"] == "Europe/London"


def test_creating_a_token_returns_its_secret_once(helper, api_as):
    client = api_as(helper)

    created = client.post(f"{API}/tokens", {"name": "Home Assistant"}, content_type="application/json")

    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "Home Assistant"
    assert body["secret"].startswith(body["prefix"])
    listed = client.get(f"{API}/tokens").json()
    assert body["id"] in [token["id"] for token in listed]
    assert all("secret" not in token for token in listed)


def test_a_new_token_works_at_once(helper, api_as):
    secret = api_as(helper).post(f"{API}/tokens", {"name": "Phone"}, content_type="application/json").json()["secret"]

    response = Client(headers={"Authorization": f"Bearer {secret}"}).get(f"{API}/me")

    assert response.json()["id"] == helper.pk


def test_creating_a_token_is_audited(helper, api_as):
    api_as(helper).post(f"{API}/tokens", {"name": "Phone"}, content_type="application/json")

    assert AuditEntry.objects.filter(actor=helper, action="token.created", data__name="Phone").exists()


def test_a_token_needs_a_name_of_sensible_length(helper, api_as):
    client = api_as(helper)

    empty = client.post(f"{API}/tokens", {"name": "   "}, content_type="application/json")
    long = client.post(f"{API}/tokens", {"name": "x" * 81}, content_type="application/json")

    assert empty.status_code == 422
    assert empty.json()["errors"] == [{"field": "name", "message": "This can't be empty."}]
    assert long.status_code == 422
    assert long.json()["errors"] == [{"field": "name", "message": "Use at most 80 characters."}]


def test_the_token_list_shows_only_your_own_tokens(helper, organiser, api_as):
    api_token_create(actor=organiser, name="Organiser's laptop")

    names = [token["name"] for token in api_as(helper).get(f"{API}/tokens").json()]

    assert "Organiser's laptop" not in names


def test_revoking_a_token_stops_it_working(helper, api_as):
    token, secret = api_token_create(actor=helper, name="Old script")

    response = api_as(helper).delete(f"{API}/tokens/{token.pk}")

    assert response.status_code == 204
    assert Client(headers={"Authorization": f"Bearer {secret}"}).get(f"{API}/me").status_code == 401
    listed = {item["id"]: item for item in api_as(helper).get(f"{API}/tokens").json()}
    assert listed[token.pk]["active"] is False


def test_a_token_can_revoke_itself(helper):
    token, secret = api_token_create(actor=helper, name="Script")
    client = Client(headers={"Authorization": f"Bearer {secret}"})

    assert client.delete(f"{API}/tokens/{token.pk}").status_code == 204
    assert client.get(f"{API}/me").status_code == 401


def test_someone_elses_token_is_not_found(helper, organiser, api_as):
    token, _ = api_token_create(actor=organiser, name="Organiser's laptop")

    response = api_as(helper).delete(f"{API}/tokens/{token.pk}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert ApiToken.objects.get(pk=token.pk).is_active
