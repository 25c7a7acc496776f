"""Conditional GET for circle pages: an ETag that changes whenever the page could, and a 304 otherwise.

A reload on a phone then costs one small 304 instead of the page. The ETag is a hash of everything a
circle page depends on (docs/architecture/circles-pages.md):

- the circle's event sequence: every service that changes what a circle page shows records a
  circle event (the same rule that keeps open pages live), so a change by anyone changes it;
- the viewer, their session and CSRF cookie (forms on the page carry a token from them), their
  role and capability set and whether the circle is closed, so a capability change never
  answers 304 for a page rendered with the old rights;
- the viewer's time zone, language and today's date there (pages say "today" and group by day);
- the address, and whether the page was asked for as a fragment;
- on the home, parts registered by apps for per-viewer state that records no circle event (read
  markers, failed deliveries), read in one query;
- the release, so new code never reuses an old page;
- on a page that changes with the clock within a day (the home's "coming up" drops what ended two
  hours ago), the moment it next would: written in the ETag after the hash (`"<hash>.<seconds>"`),
  and a tag whose moment has passed never gets a 304.

The page is never cached anywhere but in the viewer's own browser (`private, no-cache`): the
browser asks every time and gets either the page or a 304.
"""

from __future__ import annotations

import datetime
import hashlib
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone, translation
from django.utils.http import parse_etags

from carecircle.circles.access import CircleAccess
from carecircle.circles.models import Circle
from carecircle.lib import rows


@dataclass(frozen=True)
class ViewerPart:
    """Per-viewer state an app shows on a circle's home without recording a circle event.

    `sql` writes it for a database connection as a scalar expression on the circle's row (the
    alias `c`, usually a subquery), from the models' own table and column names (lib/rows.py): the
    query of all parts is written once per connection, not compiled by the ORM on every request.
    `params` gives its placeholders' values for one viewer, or None when the viewer has none of this
    state (the part is then "" and not read).
    """

    sql: Callable[[BaseDatabaseWrapper], str]
    params: Callable[[CircleAccess, BaseDatabaseWrapper], Sequence[Any] | None]


# Name -> part; all parts are read in one query.
VIEWER_PARTS: dict[str, ViewerPart] = {}
CACHE_CONTROL = "private, no-cache"


def register_viewer_part(name: str, part: ViewerPart) -> None:
    """Let an app add per-viewer state to circle pages' ETags; call from AppConfig.ready()."""
    if name in VIEWER_PARTS and VIEWER_PARTS[name] is not part:
        raise ValueError(f"The page version part {name!r} is registered twice.")
    VIEWER_PARTS[name] = part


@cache
def release() -> str:
    """Changes whenever the code or templates do: the size and time of every source file."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".html", ".css", ".js", ".txt"}:
            status = path.stat()
            digest.update(f"{path.relative_to(root)}:{status.st_size}:{status.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


def position_in(access: CircleAccess) -> list[str]:
    """A circle's state and the viewer's place in it, as a page drawn from it depends on them.

    Its event sequence (every change records one), whether it is closed, and the viewer's role,
    full capability set and whether the person is a member: ETags and kept regions both hold these.
    """
    circle = access.circle
    return [
        str(circle.pk),
        str(circle.event_seq),
        str(circle.closed_at),
        access.role,
        ",".join(sorted(access.capabilities)),
        str(access.person_is_member),
    ]


def reader_settings() -> list[str]:
    """The reader's time zone, language and today's date there: what a page's words and dates follow."""
    return [timezone.get_current_timezone_name(), translation.get_language() or "", timezone.localdate().isoformat()]


def circle_page_etag(
    request: HttpRequest,
    access: CircleAccess | Sequence[CircleAccess],
    *,
    viewer_parts: bool = False,
    extra: Sequence[str] = (),
    settings: Sequence[str] | None = None,
    until: int | None = None,
) -> str | None:
    """The page's ETag, or None when this answer must not be reused (a one-off message is waiting).

    `access` is the circle the page shows, or every circle a page across circles draws from ("What
    I'm doing"): each one's event sequence, role and capabilities go in. `viewer_parts` adds the
    registered per-viewer state of a single circle, for the pages that show it (the home). `extra`
    is anything else the page shows that records no circle event, from the view. `settings` are
    the reader's settings (`reader_settings()`) when the caller has them as they are now (the
    home's `KeptRegions`, which checks they still hold once the page is drawn), so they aren't
    worked out again. `until` is when the page, drawn now, would next read otherwise with nothing
    recorded (seconds since the epoch): it goes in the hash and after it, so the tag says until when
    it holds.
    """
    if len(messages.get_messages(request)) > 0:
        return None
    accesses = [access] if isinstance(access, CircleAccess) else list(access)
    session_key = getattr(request, "session", None) and request.session.session_key
    parts = [
        release(),
        request.get_full_path(),
        # From META, as `request.headers` reads it, without building the map of every header.
        request.META.get("HTTP_X_REQUESTED_WITH", ""),
        str(getattr(request.user, "pk", "")),
        session_key or "",
        request.META.get("CSRF_COOKIE", ""),
        *(reader_settings() if settings is None else settings),
    ]
    for one in sorted(accesses, key=lambda item: item.circle.pk):
        parts += [str(one.user_id), *position_in(one)]
    if viewer_parts and len(accesses) == 1:
        parts += viewer_part_values(request, accesses[0])
    parts += ["extra", *extra]
    if until is not None:
        parts += ["until", str(until)]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    return f'"{digest}"' if until is None else f'"{digest}.{until}"'


def _held_until(request: HttpRequest) -> int | None:
    """Until when the page the browser holds said it holds (seconds since the epoch), or None if it said nothing."""
    for tag in parse_etags(request.META.get("HTTP_IF_NONE_MATCH", "")):
        _digest, dot, seconds = tag.removeprefix("W/").strip('"').partition(".")
        if dot and seconds.isdigit() and len(seconds) <= 12:
            return int(seconds)
    return None


def seconds_of(moment: datetime.datetime | None) -> int | None:
    """A page's `until` from the moment it next changes with the clock (rounded down: never late)."""
    return None if moment is None else int(moment.timestamp())


def viewer_part_values(request: HttpRequest, access: CircleAccess) -> list[str]:
    """The registered parts in one query, read once per request (before and after rendering alike)."""
    cached: list[str] | None = getattr(request, "_circle_page_viewer_parts", None)
    if cached is None:
        connection = connections[router.db_for_read(Circle)]
        parts = sorted(VIEWER_PARTS.items())
        params = [part.params(access, connection) for _, part in parts]
        shown = tuple(name for (name, _), values in zip(parts, params, strict=True) if values is not None)
        with connection.cursor() as cursor:
            cursor.execute(
                _state_sql(connection, shown),
                [*(value for values in params if values is not None for value in values), access.circle.pk],
            )
            row = cursor.fetchone()
        read = dict(zip(shown, row or [None] * len(shown), strict=True))
        cached = [f"{name}={read.get(name, '')}" for name, _ in parts]
        request._circle_page_viewer_parts = cached  # type: ignore[attr-defined]
    return cached


_STATE_SQL: weakref.WeakKeyDictionary[BaseDatabaseWrapper, dict[tuple[str, ...], str]] = weakref.WeakKeyDictionary()


def _state_sql(connection: BaseDatabaseWrapper, shown: tuple[str, ...]) -> str:
    """The query of the parts a viewer has, on the circle's row: written once per connection and set of parts."""
    written = _STATE_SQL.setdefault(connection, {})
    sql = written.get(shown)
    if sql is None:
        columns = ", ".join(f"({VIEWER_PARTS[name].sql(connection)})" for name in shown) or "1"
        circle, circle_id = rows.quoted(connection, Circle), rows.quoted(connection, Circle, "id")
        # Table and column names come from the models, never from input; the values are parameters.
        sql = written[shown] = f"SELECT {columns} FROM {circle} c WHERE c.{circle_id} = %s"  # noqa: S608
    return sql


def _matches(request: HttpRequest, etag: str) -> bool:
    # GZipMiddleware weakens the ETag it sends (W/"…"); a weak comparison is right for a GET.
    wanted = parse_etags(request.META.get("HTTP_IF_NONE_MATCH", ""))
    return any(tag.removeprefix("W/") == etag or tag == "*" for tag in wanted)


def not_modified(
    request: HttpRequest,
    access: CircleAccess | Sequence[CircleAccess],
    *,
    viewer_parts: bool = False,
    extra: Sequence[str] = (),
    settings: Sequence[str] | None = None,
) -> HttpResponse | None:
    """A 304 when the browser already holds this very page, else None (render it, then `with_etag`)."""
    if request.method not in ("GET", "HEAD"):
        return None
    until = _held_until(request)
    if until is not None and until <= timezone.now().timestamp():
        return None  # What the browser holds said until when it held, and that moment has passed.
    etag = circle_page_etag(request, access, viewer_parts=viewer_parts, extra=extra, settings=settings, until=until)
    if etag is None or not _matches(request, etag):
        return None
    response = HttpResponseNotModified()
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    # The browser keeps the stored page's headers for those a 304 leaves out. A new CSP header here
    # would carry a new nonce and block the stored page's inline style and scripts.
    response._csp_config = {}  # type: ignore[attr-defined]
    response._csp_ro_config = {}  # type: ignore[attr-defined]
    return response


def with_etag(
    request: HttpRequest,
    access: CircleAccess | Sequence[CircleAccess],
    response: HttpResponse,
    *,
    viewer_parts: bool = False,
    extra: Sequence[str] = (),
    settings: Sequence[str] | None = None,
    until: datetime.datetime | None = None,
) -> HttpResponse:
    """Mark a freshly rendered circle page with its ETag, so the next visit can get a 304.

    `until`: the moment the page would next read otherwise without any change being recorded; the
    browser's copy is answered 304 only before it.
    """
    if response.status_code != 200 or request.method not in ("GET", "HEAD"):
        return response
    etag = circle_page_etag(
        request, access, viewer_parts=viewer_parts, extra=extra, settings=settings, until=seconds_of(until)
    )
    if etag is None:
        return response
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response
