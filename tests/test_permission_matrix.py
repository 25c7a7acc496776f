"""The permission matrix: every URL route, API operation and WebSocket route, for every member of the cast.

Each row names a URL (or API operation), how to request it, and the status each cast member must
get, in the order of COLUMNS. Each row is a test of its own, so xdist spreads them over its workers;
the world they run in is built once per worker and every request runs inside a savepoint that is
rolled back, so rows never change the data other requests see. A POST row sends a valid form
(WRITES) and checks that each allowed member's request wrote and no refused one did.
The rows live in tests/matrix/, one module per area (see its docstring for what a module may
define). Companion tests fail when a route, an operation or a WebSocket route has no row.
"""

from __future__ import annotations

import datetime
import functools
import importlib
import json
import pkgutil
import re
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.matrix
from carecircle.accounts.models import ApiToken, SignedInSession
from carecircle.accounts.services import api_token_create
from carecircle.circles.services import invitation_create
from carecircle.realtime.routing import websocket_urlpatterns
from tests.api.operations import api_operations, fill_path
from tests.cast import build_cast
from tests.conftest import at_test_clock, isolated_settings
from tests.matrix.base import COLUMNS, World, Write


def _areas() -> list[ModuleType]:
    names = sorted(info.name for info in pkgutil.iter_modules(tests.matrix.__path__) if info.name != "base")
    return [importlib.import_module(f"tests.matrix.{name}") for name in names]


AREAS = _areas()
WEB_MATRIX: dict[tuple[str, str], str] = {}
API_MATRIX: dict[tuple[str, str], str] = {}
API_BODIES: dict[str, Any] = {}
API_PATHS: dict[str, Any] = {}
WRITES: dict[str, Write] = {}
NO_WRITE: dict[str, str] = {}
WEBSOCKET_MATRIX: dict[str, str] = {}
for _area in AREAS:
    for _target, _source in (
        (WEB_MATRIX, "WEB"),
        (API_MATRIX, "API"),
        (API_BODIES, "API_BODIES"),
        (API_PATHS, "API_PATHS"),
        (WRITES, "WRITES"),
        (NO_WRITE, "NO_WRITE"),
        (WEBSOCKET_MATRIX, "WEBSOCKET"),
    ):
        _rows = getattr(_area, _source, {})
        _twice = set(_target) & set(_rows)
        assert not _twice, f"{_area.__name__} repeats rows: {_twice}"
        _target.update(_rows)


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The cast and everything the rows need, built once per worker and rolled back at the end."""
    media_root = tmp_path_factory.mktemp("matrix-media")
    # Built once, outside any test, so on the test clock's day (a minute before its tests start), or
    # a test at that clock would find the world's tasks months away from the pages' windows.
    with (
        at_test_clock(before=datetime.timedelta(minutes=1)),
        django_db_blocker.unblock(),
        override_settings(**isolated_settings(media_root)),
        transaction.atomic(),
    ):
        with TestCase.captureOnCommitCallbacks(execute=True):
            built = build_world(media_root)
        yield built
        transaction.set_rollback(True)


def build_world(media_root: Path) -> World:
    cast = build_cast()
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
    built = World(
        cast=cast,
        invitation=invitation,
        invitation_token=token,
        helper_membership=cast.membership("helper"),
        organiser_token=organiser_token,
        organiser_session=session,
        api_secrets=secrets,
        media_root=media_root,
    )
    for area in AREAS:
        prepare = getattr(area, "prepare", None)
        if prepare is not None:
            built.extra.update(prepare(built))
    return built


@pytest.fixture
def in_world(world: World, db: None, settings: Any) -> World:
    """The world, with the files it saved where this test's storage looks."""
    settings.MEDIA_ROOT = world.media_root
    return world


def tiny_jpeg() -> bytes:
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


def is_sign_in_redirect(response: Any) -> bool:
    return bool(response.status_code == 302 and response["Location"].startswith(reverse(django_settings.LOGIN_URL)))


def observe_page(world: World, name: str, method: str) -> tuple[tuple[int, ...], list[str]]:
    """Each column's status, and each write gone wrong (allowed yet unchanged, or refused yet changed)."""
    url = web_url(world, name)
    write = WRITES.get(name) if method == "POST" else None
    observed = []
    wrong = []
    for column in COLUMNS:
        client = web_client(world, column)
        with transaction.atomic():
            before = write.changes(world) if write else None
            form = write.data(world) if write else {}
            response = client.get(url) if method == "GET" else client.post(url, data=form)
            changed = write is not None and write.changes(world) != before
            transaction.set_rollback(True)
        observed.append(response.status_code)
        if write is None:
            continue
        allowed = response.status_code < 400 and not is_sign_in_redirect(response)
        if allowed and column not in write.unchanged_for and not changed:
            wrong.append(f"{column}: {response.status_code} but nothing changed")
        elif changed and not allowed:
            wrong.append(f"{column}: {response.status_code} yet it changed")
    return tuple(observed), wrong


def observe_api(world: World, method: str, url: str, body: Any) -> tuple[int, ...]:
    observed = []
    for column in COLUMNS:
        client = api_client(world, column)
        with transaction.atomic():
            if method == "GET":
                response = client.get(url)
            else:
                response = client.generic(method, url, data=json.dumps(body or {}), content_type="application/json")
            transaction.set_rollback(True)
        observed.append(response.status_code)
    return tuple(observed)


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


@functools.cache
def operation_paths() -> frozenset[str]:
    return frozenset(template for _, template, _ in api_operations())


def is_api_operation_url(route: str) -> bool:
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    return path in operation_paths() or path.rstrip("/") + "/" in operation_paths()


def rows(matrix: dict[tuple[str, str], str]) -> list[Any]:
    """One test per row, named like "tasks:create POST", for xdist to spread over its workers."""
    return [pytest.param(name, method, id=f"{name} {method}") for name, method in sorted(matrix)]


@pytest.mark.parametrize(("name", "method"), rows(WEB_MATRIX))
def test_page(in_world: World, name: str, method: str) -> None:
    expected = WEB_MATRIX[(name, method)]
    observed, wrong = observe_page(in_world, name, method)
    got = " ".join(map(str, observed))
    assert (got, wrong) == (expected, []), f"{name} {method}: expected {expected}, got {got}; {wrong}"


@pytest.mark.parametrize(("operation_id", "method"), rows(API_MATRIX))
def test_api_operation(in_world: World, operation_id: str, method: str) -> None:
    templates = {found: (verb, template) for verb, template, found in api_operations()}
    assert templates[operation_id][0] == method, f"{operation_id} is {templates[operation_id][0]}, not {method}"
    path_kwargs = in_world.kwargs() | (API_PATHS[operation_id](in_world) if operation_id in API_PATHS else {})
    url = fill_path(templates[operation_id][1], **path_kwargs)
    expected = API_MATRIX[(operation_id, method)]
    got = " ".join(map(str, observe_api(in_world, method, url, api_body(in_world, operation_id))))
    assert got == expected, f"{operation_id} {method}: expected {expected}, got {got}"


def test_the_api_documents_are_public(db: None) -> None:
    for name in sorted(API_DOCUMENT_URLS):
        assert Client().get(reverse(name)).status_code == 200, name


def route_problems(urls: list[tuple[str, str]], matrix: dict[tuple[str, str], str]) -> list[str]:
    """What's wrong between the routes and the rows: checked by route, not by name."""
    routes_by_name: dict[str, list[str]] = {}
    for name, route in urls:
        if name not in API_DOCUMENT_URLS and not is_api_operation_url(route):
            routes_by_name.setdefault(name, []).append(route)
    problems = [
        f"Give each of these routes its own URL name, and rows in tests/matrix: {routes}"
        for routes in routes_by_name.values()
        if len(routes) > 1
    ]
    problems += sorted(
        f"No {method} row in tests/matrix for {routes[0]} ({name})"
        for name, routes in routes_by_name.items()
        for method in ("GET", "POST")
        if (name, method) not in matrix
    )
    problems += [
        f"A row for {name}, which no route has" for name in sorted({n for n, _ in matrix} - set(routes_by_name))
    ]
    return problems


def test_every_route_has_rows_under_a_name_of_its_own() -> None:
    assert route_problems(all_urls(), WEB_MATRIX) == []


def test_a_second_route_reusing_a_url_name_is_caught() -> None:
    """Only one of two routes sharing a name would ever be requested by name, so both are reported."""
    reused = [*all_urls(), ("tasks:agenda", "circles/<int:circle_id>/tasks/everything/")]
    problems = route_problems(reused, WEB_MATRIX)
    assert len(problems) == 1
    assert "tasks/everything/" in problems[0]


def test_every_api_operation_has_a_row() -> None:
    operation_ids = {operation_id for operation_id, _ in API_MATRIX}
    missing = [operation_id for _, _, operation_id in api_operations() if operation_id not in operation_ids]
    assert not missing, f"API operations without a row in tests/matrix: {missing}"


def test_every_websocket_route_has_a_row() -> None:
    routes = {str(pattern.pattern) for pattern in websocket_urlpatterns}
    assert routes == set(WEBSOCKET_MATRIX), f"WebSocket routes {routes}, rows {set(WEBSOCKET_MATRIX)}"


def test_every_post_someone_may_use_sends_a_form_and_checks_its_write() -> None:
    """A POST row that isn't refused or turned away for every member needs WRITES (or NO_WRITE and why)."""
    refused = {403, 404, 405}
    usable = sorted(
        name
        for (name, method), expected in WEB_MATRIX.items()
        if method == "POST" and any(status not in refused for status in statuses(expected)[:-1])
    )
    missing = [name for name in usable if name not in WRITES and name not in NO_WRITE]
    assert not missing, f"POST rows without a valid form and a check of what it writes: {missing}"
    both = sorted(set(WRITES) & set(NO_WRITE))
    assert not both, f"In both WRITES and NO_WRITE: {both}"
    stray = sorted(set(WRITES) - {name for name, method in WEB_MATRIX if method == "POST"})
    assert not stray, f"WRITES for URL names without a POST row: {stray}"
