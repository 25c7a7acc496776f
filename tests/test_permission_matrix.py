"""The permission matrix: every URL and every API operation, for every member of the cast.

Each row names a URL (or API operation), how to request it, and the status each cast member must
get, in the order of COLUMNS. Every request runs inside a savepoint that is rolled back, so rows
never change the data other requests see and allowed writes are exercised for real.
A companion test fails when a URL or an operation exists that has no row here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from carecircle.accounts.models import ApiToken, SignedInSession
from carecircle.accounts.services import api_token_create
from carecircle.circles.models import Invitation, Membership
from carecircle.circles.services import invitation_create
from tests.api.operations import api_operations, fill_path
from tests.cast import Cast

COLUMNS = (
    "person",
    "organiser",
    "helper",
    "paid_carer",
    "professional",
    "well_wisher",
    "org_staff",
    "outsider",
    "anonymous",
)


@dataclass
class World:
    """The cast plus the ids and secrets the rows need."""

    cast: Cast
    invitation: Invitation
    invitation_token: str
    helper_membership: Membership
    organiser_token: ApiToken
    organiser_session: SignedInSession
    api_secrets: dict[str, str]

    def kwargs(self) -> dict[str, Any]:
        return {
            "circle_id": self.cast.circle.pk,
            "member_id": self.helper_membership.pk,
            "invitation_id": self.invitation.pk,
            "token": self.invitation_token,
            "token_id": self.organiser_token.pk,
        }


@pytest.fixture
def world(cast: Cast, settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    invitation, token = invitation_create(
        actor=cast.organiser, circle=cast.circle, role="helper", channel="link", name="Priya"
    )
    assert token is not None
    secrets = {}
    for name in COLUMNS[:-1]:
        _, secret = api_token_create(actor=cast.user(name), name="matrix")
        secrets[name] = secret
    organiser_token = ApiToken.objects.filter(user=cast.organiser).first()
    assert organiser_token is not None
    session = SignedInSession.objects.create(user=cast.organiser, session_key="matrix-organiser-session")
    # A photo, so that the photo URL is checked for who may see it rather than for "no photo".
    cast.circle.person_photo.save("dad.jpg", ContentFile(tiny_jpeg()), save=False)
    cast.circle.save(update_fields=["person_photo"])
    return World(
        cast=cast,
        invitation=invitation,
        invitation_token=token,
        helper_membership=cast.membership("helper"),
        organiser_token=organiser_token,
        organiser_session=session,
        api_secrets=secrets,
    )


def tiny_jpeg() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "JPEG")
    return buffer.getvalue()


def web_client(world: World, name: str) -> Client:
    client = Client()
    if name != "anonymous":
        client.force_login(world.cast.user(name))
    return client


def api_client(world: World, name: str) -> Client:
    if name == "anonymous":
        return Client()
    return Client(headers={"Authorization": f"Bearer {world.api_secrets[name]}"})


def statuses(text: str) -> tuple[int, ...]:
    values = tuple(int(part) for part in text.split())
    assert len(values) == len(COLUMNS), f"{text!r} needs {len(COLUMNS)} statuses"
    return values


def observe(
    world: World, make_client: Callable[[World, str], Client], method: str, url: str, body: Any
) -> tuple[int, ...]:
    observed = []
    for name in COLUMNS:
        client = make_client(world, name)
        with transaction.atomic():
            if method == "GET":
                response = client.get(url)
            elif make_client is api_client:
                response = client.generic(method, url, data=json_body(body), content_type="application/json")
            else:
                response = client.post(url, data=body or {})
            transaction.set_rollback(True)
        observed.append(response.status_code)
    return tuple(observed)


def json_body(body: Any) -> str:
    import json

    return json.dumps(body if body is not None else {})


API_BODIES: dict[str, Any] = {
    "token_create": {"name": "Another"},
    "circle_create": {"person_name": "Mum", "relationship": "son"},
    "circle_update": {"person_name": "Dad"},
    "member_update": {"relationship": "son"},
    "invitation_create": {"role": "helper", "channel": "link"},
    "invitation_accept": "TOKEN",
    "consent_update": {"grants": {"well_wisher": ["updates.read"]}},
}


def api_body(world: World, operation_id: str) -> Any:
    body = API_BODIES.get(operation_id)
    if body == "TOKEN":
        return {"token": world.invitation_token}
    return body


def all_urls() -> list[tuple[str, str]]:
    """(namespaced name, route) of every URL Django resolves."""

    def walk(patterns: list[Any], namespace: str, route: str) -> list[tuple[str, str]]:
        found = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                found += walk(pattern.url_patterns, inner, route + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                found.append((f"{namespace}{pattern.name}", route + str(pattern.pattern)))
        return found

    return walk(get_resolver().url_patterns, "", "")


def web_urls() -> list[tuple[str, str]]:
    """(namespaced name, route) of every page URL, the API's excluded."""
    return [(name, route) for name, route in all_urls() if not name.startswith("api:")]


def web_url(world: World, name: str) -> str:
    route = dict(all_urls())[name]
    kwargs = world.kwargs()
    if name == "accounts:session_sign_out":
        return reverse(name, kwargs={"pk": world.organiser_session.pk})
    if name == "accounts:token_revoke":
        return reverse(name, kwargs={"pk": world.organiser_token.pk})
    if name == "accounts:verify_email":
        return reverse(name, kwargs={"token": "not-a-real-token"})
    if name == "accounts:password_reset_confirm":
        return reverse(name, kwargs={"uidb64": "MQ", "token": "set-password"})
    wanted = {key: value for key, value in kwargs.items() if f":{key}>" in route}
    return reverse(name, kwargs=wanted)


# Columns: person, organiser, helper, paid_carer, professional, well_wisher, org_staff, outsider, anonymous.
# Circle pages: outsiders and organisation staff (no accepted referral) get 404, members without the
# capability 403. POSTs with an empty form reach validation (400) only for those allowed to act.
WEB_MATRIX: dict[tuple[str, str], str] = {
    ("web:home", "GET"): "302 302 302 302 302 302 302 302 200",
    ("web:home", "POST"): "405 405 405 405 405 405 405 405 405",
    ("web:healthz", "GET"): "200 200 200 200 200 200 200 200 200",
    ("web:healthz", "POST"): "405 405 405 405 405 405 405 405 405",
    ("web:ping", "GET"): "200 200 200 200 200 200 200 200 200",
    ("web:ping", "POST"): "405 405 405 405 405 405 405 405 405",
    ("accounts:signup", "GET"): "302 302 302 302 302 302 302 302 200",
    ("accounts:signup", "POST"): "400 400 400 400 400 400 400 400 400",
    ("accounts:login", "GET"): "302 302 302 302 302 302 302 302 200",
    ("accounts:login", "POST"): "400 400 400 400 400 400 400 400 400",
    ("accounts:logout", "GET"): "405 405 405 405 405 405 405 405 405",
    ("accounts:logout", "POST"): "302 302 302 302 302 302 302 302 302",
    ("accounts:verify_email_resend", "GET"): "405 405 405 405 405 405 405 405 405",
    ("accounts:verify_email_resend", "POST"): "302 302 302 302 302 302 302 302 302",
    ("accounts:verify_email", "GET"): "400 400 400 400 400 400 400 400 400",
    ("accounts:verify_email", "POST"): "400 400 400 400 400 400 400 400 400",
    ("accounts:password_reset", "GET"): "200 200 200 200 200 200 200 200 200",
    ("accounts:password_reset", "POST"): "400 400 400 400 400 400 400 400 400",
    ("accounts:password_reset_sent", "GET"): "200 200 200 200 200 200 200 200 200",
    ("accounts:password_reset_sent", "POST"): "405 405 405 405 405 405 405 405 405",
    ("accounts:password_reset_complete", "GET"): "200 200 200 200 200 200 200 200 200",
    ("accounts:password_reset_complete", "POST"): "405 405 405 405 405 405 405 405 405",
    ("accounts:password_reset_confirm", "GET"): "400 400 400 400 400 400 400 400 400",
    ("accounts:password_reset_confirm", "POST"): "400 400 400 400 400 400 400 400 400",
    ("accounts:password_change", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:password_change", "POST"): "400 400 400 400 400 400 400 400 302",
    ("accounts:profile", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:profile", "POST"): "400 400 400 400 400 400 400 400 302",
    ("accounts:sessions", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:sessions", "POST"): "405 405 405 405 405 405 405 405 302",
    ("accounts:sessions_sign_out_others", "GET"): "405 405 405 405 405 405 405 405 405",
    ("accounts:sessions_sign_out_others", "POST"): "302 302 302 302 302 302 302 302 302",
    ("accounts:session_sign_out", "GET"): "405 405 405 405 405 405 405 405 405",
    ("accounts:session_sign_out", "POST"): "404 302 404 404 404 404 404 404 302",
    ("accounts:tokens", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:tokens", "POST"): "400 400 400 400 400 400 400 400 302",
    ("accounts:token_revoke", "GET"): "405 405 405 405 405 405 405 405 405",
    ("accounts:token_revoke", "POST"): "404 302 404 404 404 404 404 404 302",
    ("circles:list", "GET"): "200 200 200 200 200 200 200 200 302",
    ("circles:list", "POST"): "405 405 405 405 405 405 405 405 405",
    ("circles:create", "GET"): "200 200 200 200 200 200 200 200 302",
    ("circles:create", "POST"): "400 400 400 400 400 400 400 400 302",
    ("circles:home", "GET"): "200 200 200 200 200 200 404 404 302",
    ("circles:home", "POST"): "405 405 405 405 405 405 405 405 405",
    ("circles:edit", "GET"): "200 200 403 403 403 403 404 404 302",
    ("circles:edit", "POST"): "400 400 403 403 403 403 404 404 302",
    ("circles:photo", "GET"): "200 200 200 200 200 200 404 404 302",
    ("circles:photo", "POST"): "405 405 405 405 405 405 405 405 405",
    ("circles:photo_change", "GET"): "405 405 405 405 405 405 405 405 405",
    ("circles:photo_change", "POST"): "400 400 403 403 403 403 404 404 302",
    ("circles:photo_remove", "GET"): "405 405 405 405 405 405 405 405 405",
    ("circles:photo_remove", "POST"): "302 302 403 403 403 403 404 404 302",
    ("circles:members", "GET"): "200 200 200 200 200 403 404 404 302",
    ("circles:members", "POST"): "405 405 405 405 405 405 405 405 405",
    ("circles:members_fragment", "GET"): "200 200 200 200 200 403 404 404 302",
    ("circles:members_fragment", "POST"): "405 405 405 405 405 405 405 405 405",
    ("circles:member_edit", "GET"): "200 200 403 403 403 403 404 404 302",
    ("circles:member_edit", "POST"): "400 400 403 403 403 403 404 404 302",
    ("circles:member_remove", "GET"): "200 200 403 403 403 403 404 404 302",
    ("circles:member_remove", "POST"): "302 302 403 403 403 403 404 404 302",
    ("circles:leave", "GET"): "200 200 200 200 200 200 404 404 302",
    ("circles:leave", "POST"): "302 409 302 302 302 302 404 404 302",
    ("circles:invite", "GET"): "200 200 403 403 403 403 404 404 302",
    ("circles:invite", "POST"): "400 400 403 403 403 403 404 404 302",
    ("circles:invitation_revoke", "GET"): "405 405 405 405 405 405 405 405 405",
    ("circles:invitation_revoke", "POST"): "302 302 403 403 403 403 404 404 302",
    ("circles:consent", "GET"): "200 200 200 200 200 200 404 404 302",
    ("circles:consent", "POST"): "302 403 403 403 403 403 404 404 302",
    ("circles:invitation", "GET"): "200 200 200 200 200 200 200 200 200",
    ("circles:invitation", "POST"): "200 200 200 200 200 200 302 302 302",
    ("audit:circle_log", "GET"): "200 200 403 403 403 403 404 404 302",
    ("audit:circle_log", "POST"): "405 405 405 405 405 405 405 405 405",
    ("realtime:events", "GET"): "200 200 200 200 200 200 404 404 404",
    ("realtime:events", "POST"): "405 405 405 405 405 405 405 405 405",
    ("notifications:outbox", "GET"): "404 404 404 404 404 404 404 404 404",
    ("notifications:outbox", "POST"): "405 405 405 405 405 405 405 405 405",
    ("api:api-root", "GET"): "404 404 404 404 404 404 404 404 404",
    ("api:api-root", "POST"): "404 404 404 404 404 404 404 404 404",
}

# API: 401 without credentials, 404 for outsiders, 403 without the capability; writes use valid bodies.
API_MATRIX: dict[tuple[str, str], str] = {
    ("circle_list", "GET"): "200 200 200 200 200 200 200 200 401",
    ("circle_create", "POST"): "201 201 201 201 201 201 201 201 401",
    ("circle_get", "GET"): "200 200 200 200 200 200 404 404 401",
    ("circle_update", "PATCH"): "200 200 403 403 403 403 404 404 401",
    ("audit_list", "GET"): "200 200 403 403 403 403 404 404 401",
    ("consent_get", "GET"): "200 200 200 200 200 200 404 404 401",
    ("consent_update", "PUT"): "200 403 403 403 403 403 404 404 401",
    ("event_list", "GET"): "200 200 200 200 200 200 404 404 401",
    ("invitation_list", "GET"): "200 200 403 403 403 403 404 404 401",
    ("invitation_create", "POST"): "201 201 403 403 403 403 404 404 401",
    ("invitation_revoke", "DELETE"): "204 204 403 403 403 403 404 404 401",
    ("circle_leave", "POST"): "204 409 204 204 204 204 404 404 401",
    ("member_list", "GET"): "200 200 200 200 200 403 404 404 401",
    ("member_remove", "DELETE"): "204 204 403 403 403 403 404 404 401",
    ("member_update", "PATCH"): "200 200 403 403 403 403 404 404 401",
    ("invitation_accept", "POST"): "200 200 200 200 200 200 200 200 401",
    ("me_get", "GET"): "200 200 200 200 200 200 200 200 401",
    ("token_list", "GET"): "200 200 200 200 200 200 200 200 401",
    ("token_create", "POST"): "201 201 201 201 201 201 201 201 401",
    ("token_revoke", "DELETE"): "404 204 404 404 404 404 404 404 401",
}

# The pages of the API's own documentation, public by design.
API_DOCUMENT_URLS = {"api:openapi-json", "api:openapi-view"}


def operation_paths() -> set[str]:
    return {template for _, template, _ in api_operations()}


def is_api_operation_url(route: str) -> bool:
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    return path in operation_paths() or path.rstrip("/") + "/" in operation_paths()


def test_every_page_gives_each_member_the_expected_status(world: World) -> None:
    mismatches = []
    for (name, method), expected in WEB_MATRIX.items():
        observed = observe(world, web_client, method, web_url(world, name), None)
        if observed != statuses(expected):
            mismatches.append(f"{name} {method}: expected {expected}, got {' '.join(map(str, observed))}")
    assert not mismatches, "\n".join(mismatches)


def test_every_api_operation_gives_each_member_the_expected_status(world: World) -> None:
    templates = {operation_id: (method, template) for method, template, operation_id in api_operations()}
    mismatches = []
    for (operation_id, method), expected in API_MATRIX.items():
        assert templates[operation_id][0] == method, f"{operation_id} is {templates[operation_id][0]}, not {method}"
        url = fill_path(templates[operation_id][1], **world.kwargs())
        observed = observe(world, api_client, method, url, api_body(world, operation_id))
        if observed != statuses(expected):
            mismatches.append(f"{operation_id} {method}: expected {expected}, got {' '.join(map(str, observed))}")
    assert not mismatches, "\n".join(mismatches)


def test_the_api_documents_are_public(world: World) -> None:
    for name in sorted(API_DOCUMENT_URLS):
        assert Client().get(reverse(name)).status_code == 200, name


def test_no_url_or_operation_is_missing_from_the_matrix() -> None:
    page_names = {name for name, _ in WEB_MATRIX}
    missing_pages = [
        name
        for name, route in all_urls()
        if name not in page_names and name not in API_DOCUMENT_URLS and not is_api_operation_url(route)
    ]
    assert not missing_pages, f"URLs without a row in WEB_MATRIX: {missing_pages}"
    operation_ids = {operation_id for operation_id, _ in API_MATRIX}
    missing_operations = [op for _, _, op in api_operations() if op not in operation_ids]
    assert not missing_operations, f"API operations without a row in API_MATRIX: {missing_operations}"
    for name in page_names:
        assert (name, "GET") in WEB_MATRIX, f"{name} needs a GET row"
        assert (name, "POST") in WEB_MATRIX, f"{name} needs a POST row"
