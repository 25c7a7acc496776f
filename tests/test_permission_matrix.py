"""The permission matrix: every URL and every API operation, for every member of the cast.

Each row names a URL (or API operation), how to request it, and the status each cast member must
get, in the order of COLUMNS. Every request runs inside a savepoint that is rolled back, so rows
never change the data other requests see and allowed writes are exercised for real.
The rows live in tests/matrix/, one module per area (see its docstring for what a module may
define). A companion test fails when a URL or an operation exists that has no row.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.matrix
from carecircle.accounts.models import ApiToken, SignedInSession
from carecircle.accounts.services import api_token_create
from carecircle.circles.services import invitation_create
from tests.api.operations import api_operations, fill_path
from tests.cast import Cast
from tests.matrix.base import COLUMNS, World


def _areas() -> list[ModuleType]:
    names = sorted(info.name for info in pkgutil.iter_modules(tests.matrix.__path__) if info.name != "base")
    return [importlib.import_module(f"tests.matrix.{name}") for name in names]


AREAS = _areas()
WEB_MATRIX: dict[tuple[str, str], str] = {}
API_MATRIX: dict[tuple[str, str], str] = {}
API_BODIES: dict[str, Any] = {}
for _area in AREAS:
    for _target, _source in ((WEB_MATRIX, "WEB"), (API_MATRIX, "API"), (API_BODIES, "API_BODIES")):
        _rows = getattr(_area, _source, {})
        _twice = set(_target) & set(_rows)
        assert not _twice, f"{_area.__name__} repeats rows: {_twice}"
        _target.update(_rows)


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
    world = World(
        cast=cast,
        invitation=invitation,
        invitation_token=token,
        helper_membership=cast.membership("helper"),
        organiser_token=organiser_token,
        organiser_session=session,
        api_secrets=secrets,
    )
    for area in AREAS:
        prepare = getattr(area, "prepare", None)
        if prepare is not None:
            world.extra.update(prepare(world))
    return world


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


def api_body(world: World, operation_id: str) -> Any:
    body = API_BODIES.get(operation_id)
    return body(world) if callable(body) else body


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
    for area in AREAS:
        special = getattr(area, "url", None)
        found = special(world, name) if special else None
        if found is not None:
            return str(found)
    route = dict(all_urls())[name]
    wanted = {key: value for key, value in world.kwargs().items() if f":{key}>" in route}
    return reverse(name, kwargs=wanted)


# The pages of the API's own documentation, public by design: the index at /api/v1/ points to the others.
API_DOCUMENT_URLS = {"api:index", "api:openapi-json", "api:openapi-view"}


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
