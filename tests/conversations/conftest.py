"""Fixtures for conversations: a member's standing in the family conversation and the news, tiny photos."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from carecircle.accounts.models import User
from carecircle.circles.access import access_circle
from carecircle.conversations import selectors, services
from carecircle.conversations.selectors import ConversationAccess
from tests.cast import Cast

# The live-event fixtures: committed cast, in-process WebSocket clients, and two real server processes.
from tests.realtime.conftest import connect, live_cast, websocket_app  # noqa: F401
from tests.realtime.test_two_servers import two_servers  # noqa: F401


def family_of(cast: Cast, user: User) -> ConversationAccess:
    access = access_circle(user=user, circle_id=cast.circle.pk)
    return selectors.conversation_access_for(access, services.family_conversation(circle=cast.circle))


def news_of(cast: Cast, user: User) -> ConversationAccess:
    access = access_circle(user=user, circle_id=cast.circle.pk)
    return selectors.conversation_access_for(access, services.news_conversation(circle=cast.circle))


def jpeg_with_location(size: tuple[int, int] = (40, 30)) -> bytes:
    """A JPEG whose EXIF says where it was taken (GPS) and which camera took it."""
    picture = Image.new("RGB", size, "orange")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Ltd"  # Make
    gps = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    exif[0x8825] = gps
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


@pytest.fixture
def events(django_capture_on_commit_callbacks: Any) -> Any:
    """Run a block and collect the live events it published after commit."""
    return django_capture_on_commit_callbacks


@pytest.fixture
def search_index(db: None) -> None:
    """The full-text index of migration 0002 (the test database is built without migrations)."""
    import importlib

    from django.db import connection

    migration = importlib.import_module("carecircle.conversations.migrations.0002_search")
    statements = {"sqlite": migration.SQLITE_FORWARD, "postgresql": migration.POSTGRES_FORWARD}
    with connection.cursor() as cursor:
        for statement in statements[connection.vendor]:
            cursor.execute(statement)
