"""Shared fixtures: the named cast, isolated cache and channel-layer namespaces, immediate tasks."""

from __future__ import annotations

import contextlib
import datetime
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from carecircle.accounts.models import User
from carecircle.lib.channel_layers import KINDS, redis_channel_layer
from tests.cast import CAST_NAMES, PASSWORD, Cast, build_cast
from tests.servers import private_redis_server

# Playwright's sync API runs an event loop in the test thread; the ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Hypothesis's per-example deadline (200 ms) measures how busy a shared two-core machine is, not the
# code: an example describing a repeat rule failed once under load and passed alone. Time budgets are
# asserted by the budget tests and benchmarks instead.
hypothesis_settings.register_profile("carecircle", deadline=None)
hypothesis_settings.load_profile("carecircle")


def isolated_settings(media_root: Path) -> dict[str, Any]:
    """Settings for a test of its own: a fresh cache and channel-layer namespace, immediate tasks."""
    # Argon2 is deliberately slow; tests/accounts/test_password_storage.py checks the real setting.
    namespace = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{uuid.uuid4().hex[:8]}"
    caches = dict(django_settings.CACHES)
    caches["default"] = {**caches["default"], "KEY_PREFIX": namespace}
    layers: dict[str, Any] = dict(django_settings.CHANNEL_LAYERS)
    if "CONFIG" in layers["default"]:
        layers["default"] = {
            **layers["default"],
            "CONFIG": {**layers["default"]["CONFIG"], "prefix": f"{namespace}:channels"},
        }
    return {
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "MEDIA_ROOT": media_root,
        "CACHES": caches,
        "CHANNEL_LAYERS": layers,
        "TASKS": {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
        "STORAGES": {
            **django_settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        "WHITENOISE_USE_FINDERS": True,
    }


@pytest.fixture(autouse=True)
def _isolated_services(settings: Any, tmp_path: Path) -> None:
    """Each test gets its own cache and channel-layer namespace, and runs background tasks at once."""
    for name, value in isolated_settings(tmp_path / "media").items():
        setattr(settings, name, value)


# With Redis (CI's PostgreSQL + Redis run) live tests that ask for `channel_layer_kind` run once
# per Redis layer; without it, once on the in-memory layer.
LAYER_KINDS = sorted(KINDS) if os.environ.get("REDIS_URL") else ["in-memory"]


@pytest.fixture(params=LAYER_KINDS)
def channel_layer_kind(request: pytest.FixtureRequest, settings: Any, _isolated_services: None) -> str:
    """The channel layer this test's consumers and server processes use (tests/servers.py passes it on)."""
    kind: str = request.param
    if kind in KINDS:
        prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
        settings.CHANNEL_LAYERS = {"default": redis_channel_layer(settings.REDIS_URL, prefix=prefix, kind=kind)}
    return kind


# `make test-clock` sets this to an instant (ISO 8601, UTC) at which the machine's date and London's
# differ, e.g. 2026-07-14T23:30:00+00:00 in British Summer Time; every test then starts there.
TEST_CLOCK = os.environ.get("CARECIRCLE_TEST_CLOCK", "")


@contextlib.contextmanager
def at_test_clock(before: datetime.timedelta = datetime.timedelta(0)) -> Iterator[None]:
    """The clock at CARECIRCLE_TEST_CLOCK (less `before`) and running, or the real clock when it isn't set."""
    if not TEST_CLOCK:
        yield
        return
    with time_machine.travel(datetime.datetime.fromisoformat(TEST_CLOCK) - before, tick=True):
        yield


@pytest.fixture(autouse=True)
def _test_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Start each test at CARECIRCLE_TEST_CLOCK when it's set, so no test depends on the hour it runs."""
    # A test that starts another process (a worker, a server) can't move that process's clock.
    if request.node.get_closest_marker("real_clock"):
        yield
        return
    with at_test_clock():
        yield


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts and ends in English: a request in Welsh leaves its language active in the thread."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _reset_channel_layers() -> Iterator[None]:
    from channels.layers import channel_layers

    from carecircle.realtime.consumers import circle_members

    channel_layers.backends.clear()
    # The live consumers' shared answers about who is in which circle belong to one test.
    circle_members.clear()
    yield
    channel_layers.backends.clear()
    circle_members.clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def cast(db: None, django_capture_on_commit_callbacks: Any) -> Cast:
    with django_capture_on_commit_callbacks(execute=True):
        return build_cast()


@pytest.fixture
def second_helper(cast: Cast) -> User:
    """A second helper of the cast's circle, for "a change by anyone else shows at once"."""
    from carecircle.circles.models import Role
    from tests.cast import invite_and_join, make_user

    user = make_user("second_helper", display_name="Harry Helper")
    invite_and_join(inviter=cast.organiser, circle=cast.circle, user=user, role=Role.HELPER)
    return user


def _cast_member(name: str) -> Any:
    @pytest.fixture
    def member(cast: Cast) -> User:
        return cast.user(name)

    member.__name__ = name
    return member


for _name in CAST_NAMES:
    globals()[_name] = _cast_member(_name)


@pytest.fixture
def circle(cast: Cast) -> Any:
    return cast.circle


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def signed_in(cast: Cast, role: str) -> Client:
    """A client whose session is saved already (a first request writes it)."""
    from django.urls import reverse

    client = client_for(cast.user(role))
    assert client.get(reverse("circles:list")).status_code == 200
    return client


@pytest.fixture
def as_user() -> Any:
    """as_user(user) → a test client signed in as that user (None: signed out)."""
    return client_for


@pytest.fixture
def private_redis() -> Iterator[tuple[int, Any]]:
    """A throwaway Redis to kill and restart (tests/servers.py); skipped where redis-server is missing."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server isn't installed")
    with private_redis_server() as found:
        yield found
