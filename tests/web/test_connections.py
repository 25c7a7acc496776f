"""A page served by Django's WSGI handler keeps its thread's SQLite connection from one request to the next.

Opening an SQLite connection (with its PRAGMAs) cost more CPU than the rest of a signed-in page, and
the test client never closes connections, so this goes through the handler and the request signals
the server uses (docs/architecture/serving.md, "Connections").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from io import BytesIO
from typing import Any, cast

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.db.backends.signals import connection_created
from django.test import Client
from django.urls import reverse

from tests.cast import Cast, build_cast

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL's connections come from the pool (tests/lib/test_database.py)"
)


@pytest.fixture
def committed_cast(transactional_db: None) -> Cast:
    """The cast in committed rows, so that requests run in autocommit as they do when served."""
    return build_cast()


def _serve(handler: WSGIHandler, path: str, cookie: str) -> int:
    """One GET through the WSGI handler, read and closed as a server does (that ends the request)."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "HTTP_COOKIE": cookie,
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(b""),
        "wsgi.errors": BytesIO(),
    }
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], object]:
        statuses.append(status)
        return lambda data: None

    response = handler(environ, start_response)
    b"".join(cast(Iterable[bytes], response))
    response.close()  # Sends request_finished.
    return int(statuses[0].split()[0])


def test_signed_in_pages_open_no_new_sqlite_connection(committed_cast: Cast) -> None:
    client = Client()
    client.force_login(committed_cast.helper)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    handler = WSGIHandler()
    assert _serve(handler, reverse("circles:list"), cookie) == 200
    kept = connection.connection
    opened: list[object] = []

    def count(sender: object, **kwargs: object) -> None:
        opened.append(sender)

    connection_created.connect(count)
    try:
        for path in (reverse("circles:list"), reverse("web:accessibility"), reverse("accounts:profile")):
            assert _serve(handler, path, cookie) == 200
    finally:
        connection_created.disconnect(count)

    assert opened == []
    assert kept is not None
    assert connection.connection is kept
