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
- the release, so new code never reuses an old page.

The page is never cached anywhere but in the viewer's own browser (`private, no-cache`): the
browser asks every time and gets either the page or a 304.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

from django.contrib import messages
from django.db.models.expressions import BaseExpression
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone, translation
from django.utils.http import parse_etags

from carecircle.circles.access import CircleAccess
from carecircle.circles.models import Circle

# Per-viewer state an app shows on a circle's home without recording a circle event: name ->
# function of the viewer's access returning an expression on the circle's row (a subquery) whose
# value changes with that state. All parts are read in one query.
ViewerPart = Callable[[CircleAccess], BaseExpression]
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


def circle_page_etag(
    request: HttpRequest,
    access: CircleAccess | Sequence[CircleAccess],
    *,
    viewer_parts: bool = False,
    extra: Sequence[str] = (),
) -> str | None:
    """The page's ETag, or None when this answer must not be reused (a one-off message is waiting).

    `access` is the circle the page shows, or every circle a page across circles draws from ("What
    I'm doing"): each one's event sequence, role and capabilities go in. `viewer_parts` adds the
    registered per-viewer state of a single circle, for the pages that show it (the home). `extra`
    is anything else the page shows that records no circle event, from the view.
    """
    if len(messages.get_messages(request)) > 0:
        return None
    accesses = [access] if isinstance(access, CircleAccess) else list(access)
    session_key = getattr(request, "session", None) and request.session.session_key
    parts = [
        release(),
        request.get_full_path(),
        request.headers.get("X-Requested-With", ""),
        str(getattr(request.user, "pk", "")),
        session_key or "",
        request.META.get("CSRF_COOKIE", ""),
        timezone.get_current_timezone_name(),
        translation.get_language() or "",
        timezone.localdate().isoformat(),
    ]
    for one in sorted(accesses, key=lambda item: item.circle.pk):
        circle = one.circle
        parts += [
            str(one.user_id),
            str(circle.pk),
            str(circle.event_seq),
            str(circle.closed_at),
            one.role,
            ",".join(sorted(one.capabilities)),
            str(one.person_is_member),
        ]
    if viewer_parts and len(accesses) == 1:
        parts += viewer_part_values(request, accesses[0])
    parts += ["extra", *extra]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    return f'"{digest}"'


def viewer_part_values(request: HttpRequest, access: CircleAccess) -> list[str]:
    """The registered parts in one query, read once per request (before and after rendering alike)."""
    cached: list[str] | None = getattr(request, "_circle_page_viewer_parts", None)
    if cached is None:
        expressions = {f"part_{index}": part(access) for index, (_, part) in enumerate(sorted(VIEWER_PARTS.items()))}
        row = Circle.objects.filter(pk=access.circle.pk).annotate(**expressions).values(*expressions).first() or {}
        cached = [f"{name}={row.get(f'part_{index}')}" for index, name in enumerate(sorted(VIEWER_PARTS))]
        request._circle_page_viewer_parts = cached  # type: ignore[attr-defined]
    return cached


def _matches(request: HttpRequest, etag: str) -> bool:
    # GZipMiddleware weakens the ETag it sends (W/"…"); a weak comparison is right for a GET.
    wanted = parse_etags(request.headers.get("If-None-Match", ""))
    return any(tag.removeprefix("W/") == etag or tag == "*" for tag in wanted)


def not_modified(
    request: HttpRequest,
    access: CircleAccess | Sequence[CircleAccess],
    *,
    viewer_parts: bool = False,
    extra: Sequence[str] = (),
) -> HttpResponse | None:
    """A 304 when the browser already holds this very page, else None (render it, then `with_etag`)."""
    if request.method not in ("GET", "HEAD"):
        return None
    etag = circle_page_etag(request, access, viewer_parts=viewer_parts, extra=extra)
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
) -> HttpResponse:
    """Mark a freshly rendered circle page with its ETag, so the next visit can get a 304."""
    if response.status_code != 200 or request.method not in ("GET", "HEAD"):
        return response
    etag = circle_page_etag(request, access, viewer_parts=viewer_parts, extra=extra)
    if etag is None:
        return response
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response
