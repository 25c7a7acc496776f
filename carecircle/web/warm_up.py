"""Warm an app process before it serves: what its first request would otherwise load, compile or open.

Measured (docs/performance.md, "Each process warmed before it serves"): a fresh process's first
message POST took ≈ 110 to 150 ms against ≈ 40 ms for the next, and its first circle home ≈ 150 to
180 ms against ≈ 9 ms. The first POST loaded the Welsh and Polish catalogues (a message's title is
put in every language); the first page built the template engine, compiled its templates and walked
the source tree for the pages' release mark; the first request of all imported the URLconf. Each
`carecircle serve` process warms as it imports the application (carecircle/asgi.py), before uvicorn
accepts a connection; `carecircle run`, the worker, tests and other commands don't.

Only reads: no row is written, nothing is sent, no job or delivery runs; the database is asked
`SELECT 1` outside any transaction. Each step's failure is logged and the others still run, and the
whole is bounded by WARM_UP_SECONDS: a process never fails to start, or waits long, for warming.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_backends
from django.core.cache import cache
from django.db import connections
from django.http.request import split_domain_port
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.template.backends.django import DjangoTemplates
from django.template.loaders.cached import Loader as CachedLoader
from django.template.loaders.filesystem import Loader as FilesystemLoader
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse
from django.utils import formats, translation
from django.utils.module_loading import import_string
from django.utils.translation import trans_real

from carecircle.lib.env import env_bool, env_int

logger = logging.getLogger(__name__)

# Set by `carecircle serve` for its processes (on unless WARM_UP=false); read at the application's import.
WARM_UP_VARIABLE = "CARECIRCLE_WARM_UP"
# Warming took ≈ 1 to 2 s here, most of it importing the URLconf; a process serves after this at most.
DEFAULT_WARM_UP_SECONDS = 10
PACKAGE = Path(__file__).resolve().parent.parent


def wanted() -> bool:
    """Whether this process should warm before serving: `serve` asks for it through the environment."""
    return env_bool(WARM_UP_VARIABLE, False)


def warm_up_in_background_bounded(seconds: float | None = None) -> bool:
    """Warm this process on a thread of its own, waiting at most WARM_UP_SECONDS; True if it finished.

    A thread, because uvicorn imports the application inside its running event loop, where Django
    refuses database calls; the wait keeps the loop (and so the accepting of connections) until the
    warming ends or the bound passes. Past the bound the process serves and the thread goes on.
    """
    if seconds is None:
        seconds = env_int("WARM_UP_SECONDS", DEFAULT_WARM_UP_SECONDS)
    thread = threading.Thread(target=warm_up_process, name="warm-up", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        logger.warning("Warming up took more than %s s: serving before it ends.", seconds)
        return False
    return True


def warm_up_process() -> dict[str, float]:
    """Run every warming step, each failure logged and the rest still run; returns each step's ms."""
    took: dict[str, float] = {}
    for name, step in STEPS:
        started = time.perf_counter()
        try:
            step()
        except Exception:
            logger.exception("Warming up %s failed; the process serves without it.", name)
        took[name] = round((time.perf_counter() - started) * 1000, 1)
    logger.info("Warmed up in %.0f ms: %s", sum(took.values()), took)
    return took


def load_catalogues() -> None:
    """Every language's catalogue: a message's title and a notification are put in all of them."""
    for code, _name in settings.LANGUAGES:
        trans_real.translation(code)


def resolve_urls() -> None:
    """Import every view module through the URLconf and build its reverse table in each language."""
    resolvers = list(every_resolver(get_resolver()))
    patterns = [pattern for resolver in resolvers for pattern in resolver.url_patterns]
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for resolver in resolvers:
                resolver.reverse_dict  # noqa: B018  # built per language on first use
            for pattern in patterns:
                pattern.pattern.regex  # noqa: B018  # compiled per language on first resolve
    # The Host header's pattern, compiled on the first request's host check.
    split_domain_port("127.0.0.1:8000")


def reverse_in_every_namespace() -> None:
    """Try one name in every namespace in each language: each namespace reverses through a resolver of its own."""
    names = list(every_namespace(get_resolver(), ""))
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for name in names:
                try:
                    reverse(name)
                except NoReverseMatch:
                    continue  # the name wants arguments; the namespace's resolver is built all the same


def every_namespace(resolver: URLResolver, prefix: str) -> Iterator[str]:
    """One `namespace:name` for each namespace below `resolver`, nested ones included."""
    for namespace, (_pattern, below) in resolver.namespace_dict.items():
        names = [name for name in below.reverse_dict if isinstance(name, str)]
        if names:
            yield f"{prefix}{namespace}:{names[0]}"
        yield from every_namespace(below, f"{prefix}{namespace}:")


def every_resolver(resolver: URLResolver) -> Iterator[URLResolver]:
    """A resolver and every one included below it: each namespace builds its own reverse table."""
    yield resolver
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from every_resolver(pattern)


def compile_templates() -> None:
    """Compile every template of the project into the cached loader, as pages would on first use."""
    failed = []
    for name in template_names():
        for engine in engines.all():
            try:
                engine.get_template(name)
            except TemplateDoesNotExist:
                continue
            except TemplateSyntaxError:
                failed.append(name)
    if failed:
        logger.warning("Templates that did not compile while warming up: %s", ", ".join(sorted(failed)))


def template_names() -> Iterator[str]:
    """The project's own template names (not Django's or other packages') that a cached loader would keep.

    With DEBUG on templates are read again on every request, so there is nothing to keep.
    """
    seen = set()
    for engine in engines.all():
        loaders = getattr(getattr(engine, "engine", None), "template_loaders", [])
        for loader in loaders:
            for inner in loader.loaders if isinstance(loader, CachedLoader) else []:
                if not isinstance(inner, FilesystemLoader):
                    continue
                for folder in inner.get_dirs():
                    root = Path(folder).resolve()
                    if not root.is_relative_to(PACKAGE):
                        continue
                    for path in sorted(root.rglob("*")):
                        name = path.relative_to(root).as_posix()
                        if path.is_file() and name not in seen:
                            seen.add(name)
                            yield name


def fill_process_caches() -> None:
    """Values kept per process whose first computation a page would pay (the release mark walks every file)."""
    from carecircle.circles.conditional import release

    release()


def import_configured_modules() -> None:
    """Import what settings name and Django imports on a request's first use.

    Sessions and their serializer, messages, sign-in, the templates' context processors, and each
    language's date and number formats.
    """
    import_module(settings.SESSION_ENGINE)
    import_string(settings.SESSION_SERIALIZER)
    import_string(settings.MESSAGE_STORAGE)
    get_backends()
    for engine in engines.all():
        if isinstance(engine, DjangoTemplates):
            engine.engine.template_context_processors  # noqa: B018  # imported on first use
    for code, _name in settings.LANGUAGES:
        formats.get_format("DATE_FORMAT", code)


def open_cache() -> None:
    """Open the cache's connection (Redis keeps one pool per process) by reading a key nobody writes."""
    cache.get(f"warm-up:{uuid.uuid4().hex}")


def open_database() -> None:
    """Open the database connection (and PostgreSQL's pool) with a read outside any transaction.

    The connection is given back at once: requests run on other threads, which take theirs from the
    pool (PostgreSQL) or open their own (SQLite).
    """
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()


def start_kept_loop() -> None:
    """Start the loop live events are published from (lib/kept_loop.py), so the first message doesn't."""
    from carecircle.lib.kept_loop import kept_loop

    kept_loop()


STEPS: list[tuple[str, Callable[[], None]]] = [
    ("catalogues", load_catalogues),
    ("urls", resolve_urls),
    ("namespaces", reverse_in_every_namespace),
    ("modules", import_configured_modules),
    ("cache", open_cache),
    ("templates", compile_templates),
    ("caches", fill_process_caches),
    ("database", open_database),
    ("kept loop", start_kept_loop),
]


def warm_up_if_wanted() -> None:
    """Warm this process when `serve` asked for it (never under `run`, tests or management commands)."""
    if wanted():
        warm_up_in_background_bounded()
        set_aside_from_garbage_collection()


def set_aside_from_garbage_collection() -> None:
    """Move what the process holds after warming out of the collector's reach (`gc.freeze`).

    Warming leaves every template, URL pattern and catalogue alive for the life of the process, and
    Python's full collection walks every live container object. Measured (docs/performance.md,
    "The first live message after warming"), the first full collection then fell inside the first
    message a process sent or delivered and held its event loop for 150 to 230 ms. A collection
    first drops what warming left as garbage; the rest is never walked again. Later objects are
    collected as before.
    """
    gc.collect()
    gc.freeze()
