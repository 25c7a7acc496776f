"""Each `carecircle serve` process warms what its first request would pay, before it serves (web/warm_up.py)."""

from __future__ import annotations

import gc
import logging
import os
import threading

import pytest
import uvicorn
from django.db import connection
from django.template import engines
from django.template.loaders.cached import Loader as CachedLoader
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches, get_resolver
from django.utils.translation import trans_real

from carecircle.web import warm_up
from carecircle.web.management.commands import serve
from tests.web.test_commands import counts

# Templates the circle home and a conversation draw on their first view.
FIRST_PAGE_TEMPLATES = ("circles/home.html", "web/base.html", "conversations/family.html")


def cached_loader() -> CachedLoader:
    loader = engines["django"].engine.template_loaders[0]  # type: ignore[attr-defined]
    assert isinstance(loader, CachedLoader), "production settings (DEBUG off) cache templates"
    return loader


@pytest.fixture
def cold_process():
    """Forget what earlier tests in this process loaded: compiled templates, catalogues, reverse tables."""
    cached_loader().reset()
    trans_real._translations = {}  # type: ignore[attr-defined]
    clear_url_caches()
    yield
    clear_url_caches()


def test_it_compiles_the_first_pages_templates_and_loads_every_language(transactional_db, cold_process, settings):
    assert not cached_loader().get_template_cache

    took = warm_up.warm_up_process()

    compiled = set(cached_loader().get_template_cache)
    assert set(FIRST_PAGE_TEMPLATES) <= compiled
    assert len(compiled) > 100  # every template of the project, not only a few named ones
    assert {code for code, _name in settings.LANGUAGES} <= set(trans_real._translations)  # type: ignore[attr-defined]
    assert get_resolver()._populated  # type: ignore[attr-defined]
    assert set(took) == {name for name, _step in warm_up.STEPS}


def test_every_project_template_compiles_while_warming(transactional_db, cold_process, caplog):
    with caplog.at_level(logging.WARNING, logger="carecircle.web.warm_up"):
        warm_up.warm_up_process()

    assert not [record.getMessage() for record in caplog.records]


def test_it_reads_and_writes_nothing_but_select(transactional_db, cold_process, cast):
    before = counts()

    with CaptureQueriesContext(connection) as queries:
        warm_up.warm_up_process()

    assert queries.captured_queries, "the database connection is opened"
    assert all(query["sql"].lstrip().upper().startswith("SELECT") for query in queries.captured_queries)
    assert counts() == before


def test_a_failing_step_is_logged_and_the_others_still_run(transactional_db, cold_process, settings, caplog):
    # A cache nobody listens on: the cache step fails as it would with Redis down.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }

    with caplog.at_level(logging.INFO, logger="carecircle.web.warm_up"):
        warm_up.warm_up_process()

    assert "Warming up cache failed" in caplog.text
    assert "circles/home.html" in cached_loader().get_template_cache  # a later step
    assert "Warmed up in" in caplog.text


def test_a_slow_warm_up_lets_the_process_serve_after_the_bound(transactional_db, monkeypatch, caplog):
    released = threading.Event()
    monkeypatch.setattr(warm_up, "STEPS", [("waiting", lambda: released.wait(30))])
    try:
        with caplog.at_level(logging.WARNING, logger="carecircle.web.warm_up"):
            finished = warm_up.warm_up_in_background_bounded(seconds=0.05)
    finally:
        released.set()

    assert finished is False
    assert "serving before it ends" in caplog.text


def test_only_serve_asks_for_it(monkeypatch):
    monkeypatch.delenv(warm_up.WARM_UP_VARIABLE, raising=False)
    assert warm_up.wanted() is False  # tests, management commands, `carecircle run`

    monkeypatch.setenv(warm_up.WARM_UP_VARIABLE, "true")
    assert warm_up.wanted() is True


@pytest.mark.parametrize(("setting", "expected"), [(None, "true"), ("false", "false"), ("true", "true")])
def test_serve_warms_its_processes_unless_switched_off(monkeypatch, setting, expected):
    seen = {}

    def run(application: str, **config: object) -> None:
        # uvicorn is the outside world here: record what its processes would inherit, serve nothing.
        seen["warm"] = os.environ[warm_up.WARM_UP_VARIABLE]

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setattr(serve, "collect_static_if_missing", lambda command: None)
    monkeypatch.delenv(warm_up.WARM_UP_VARIABLE, raising=False)
    if setting is None:
        monkeypatch.delenv("WARM_UP", raising=False)
    else:
        monkeypatch.setenv("WARM_UP", setting)

    serve.Command().handle(host="127.0.0.1", port=1, workers=1, no_access_log=True)

    assert seen == {"warm": expected}


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()


def test_what_warming_left_is_set_aside_from_garbage_collection(monkeypatch, unfrozen):
    """The first full collection would otherwise walk every warmed template and pattern (a pause of 150 to 230 ms)."""
    monkeypatch.setattr(warm_up, "warm_up_in_background_bounded", lambda: True)
    monkeypatch.setenv(warm_up.WARM_UP_VARIABLE, "true")
    gc.unfreeze()

    warm_up.warm_up_if_wanted()

    assert gc.get_freeze_count() > 0


def test_nothing_is_set_aside_when_not_warming(monkeypatch, unfrozen):
    monkeypatch.delenv(warm_up.WARM_UP_VARIABLE, raising=False)
    gc.unfreeze()

    warm_up.warm_up_if_wanted()

    assert gc.get_freeze_count() == 0
