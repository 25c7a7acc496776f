"""Run several pieces of work at the same moment, each in its own thread with its own database connection.

For burst tests of limits and idempotency: every thread waits at one barrier, so the work really
overlaps; each closes its connections afterwards (the test database can then be flushed); an error
in any thread fails the test that called.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections


def at_once[T](works: list[Callable[[], T]], *, timeout: float = 60) -> list[T]:
    """Each work's result, in the order given."""
    start = threading.Barrier(len(works))
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(index: int, work: Callable[[], T]) -> None:
        try:
            start.wait()
            results[index] = work()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert errors == []
    assert len(results) == len(works), "a thread didn't finish in time"
    return [results[index] for index in range(len(works))]
