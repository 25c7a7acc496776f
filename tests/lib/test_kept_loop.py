"""One kept event loop per process for async work from synchronous code (carecircle/lib/kept_loop.py)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from carecircle.lib.kept_loop import kept_loop, run_kept


async def _where() -> tuple[asyncio.AbstractEventLoop, str]:
    return asyncio.get_running_loop(), threading.current_thread().name


def test_every_call_from_every_thread_runs_on_the_same_kept_loop() -> None:
    seen: list[tuple[asyncio.AbstractEventLoop, str]] = [run_kept(_where(), timeout=5)]
    thread = threading.Thread(target=lambda: seen.append(run_kept(_where(), timeout=5)))
    thread.start()
    thread.join()

    assert seen[0] == seen[1]
    assert seen[0][0] is kept_loop()
    assert seen[0][1] == "kept-loop"


def test_the_coroutine_s_exception_reaches_the_caller() -> None:
    async def fails() -> None:
        raise ValueError("Redis said no")

    with pytest.raises(ValueError, match="Redis said no"):
        run_kept(fails(), timeout=5)


def test_a_coroutine_that_takes_too_long_stops_the_wait() -> None:
    with pytest.raises(TimeoutError):
        run_kept(asyncio.sleep(5), timeout=0.05)


def test_the_kept_loop_s_own_thread_is_refused_rather_than_waiting_for_itself() -> None:
    async def nested() -> None:
        run_kept(asyncio.sleep(0), timeout=1)

    with pytest.raises(RuntimeError, match="kept loop's own thread"):
        run_kept(nested(), timeout=5)
