"""Work after a response's answer: on the server's own threads, or in close() (carecircle/lib/after_response.py)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from carecircle.accounts.models import User
from carecircle.lib.after_response import THREADS_KEY, AfterResponseMiddleware, AfterResponseThreads, after_response


def _served(work: list[Callable[[], None]], threads: AfterResponseThreads | None = None) -> HttpResponse:
    """A request whose view leaves `work` for after its answer, through the middleware."""
    request = RequestFactory().post("/")
    if threads is not None:
        request.META[THREADS_KEY] = threads

    def view(_request: HttpRequest) -> HttpResponse:
        for piece in work:
            after_response(piece)
        return HttpResponse(b"done", status=201)

    response = AfterResponseMiddleware(view)(request)
    assert isinstance(response, HttpResponse)
    return response


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """As Django's test client closes a response: request_finished leaves the test's connection alone."""
    request_finished.disconnect(close_old_connections)
    yield
    request_finished.connect(close_old_connections)


def test_outside_a_request_the_work_runs_at_once() -> None:
    ran: list[str] = []
    after_response(lambda: ran.append("now"))
    assert ran == ["now"]


def test_without_the_server_s_threads_close_does_the_work_before_django_ends_the_request(connection_kept: None) -> None:
    """Django's test client and other WSGI servers: close() runs it, then request_finished gives the connection back."""
    order: list[str] = []

    def finished(**_kwargs: object) -> None:
        order.append("request_finished")

    request_finished.connect(finished)
    try:
        response = _served([lambda: order.append(f"work on {threading.current_thread().name}")])
        assert order == []
        response.close()
    finally:
        request_finished.disconnect(finished)

    assert order == [f"work on {threading.current_thread().name}", "request_finished"]


def test_with_the_server_s_threads_close_returns_before_the_work_is_done(connection_kept: None) -> None:
    threads = AfterResponseThreads(threads=1)
    release = threading.Event()
    ran: list[str] = []

    def work() -> None:
        release.wait(timeout=5)
        ran.append(threading.current_thread().name)

    response = _served([work], threads)
    response.close()  # the request's thread is free here, with the work still waiting
    assert ran == []
    release.set()
    threads.shutdown()

    assert len(ran) == 1
    assert ran[0].startswith("after-response")


def test_when_too_much_work_waits_the_request_s_own_thread_does_its_work(connection_kept: None) -> None:
    threads = AfterResponseThreads(threads=1, backlog=1)
    release = threading.Event()
    ran: list[str] = []

    def wait() -> None:
        release.wait(timeout=5)

    first = _served([wait], threads)
    first.close()
    second = _served([lambda: ran.append(threading.current_thread().name)], threads)
    second.close()
    release.set()
    threads.shutdown()

    assert ran == [threading.current_thread().name]


def test_work_that_fails_is_logged_and_the_rest_still_runs(
    caplog: pytest.LogCaptureFixture, connection_kept: None
) -> None:
    threads = AfterResponseThreads(threads=1)
    ran: list[str] = []

    def fails() -> None:
        raise RuntimeError("the database went away")

    with caplog.at_level(logging.ERROR, logger="carecircle.lib.after_response"):
        _served([fails, lambda: ran.append("second")], threads).close()
        threads.shutdown()

    assert ran == ["second"]
    assert [record.getMessage() for record in caplog.records] == ["Work after the response failed"]


@pytest.mark.django_db(transaction=True)
def test_the_threads_database_connection_is_handled_as_a_request_s() -> None:
    """Closed (given back to PostgreSQL's pool) after the work, as Django does after a request; SQLite's is kept."""
    User.objects.create_user("olivia@example.org", display_name="Olivia")
    threads = AfterResponseThreads(threads=1)
    counted: list[int] = []

    _served([lambda: counted.append(User.objects.count())], threads).close()
    left_open = threads._executor.submit(lambda: connection.connection is not None).result(timeout=5)
    threads.shutdown()

    assert counted == [1]
    kept = settings.DATABASES["default"]["CONN_MAX_AGE"] is None
    assert left_open is kept
