"""Rendered fragments of circle pages, cached so that members after the first get them without rendering.

When something changes, every member with the page open refetches the same fragment at once (live.js),
and most of them see the same HTML. A fragment is stored under a hash of everything that can change
it, so it can never be stale or shown to someone it wasn't rendered for:

- the release (new code or templates never reuse an old fragment) and the fragment's name;
- the circle, its event sequence (every change to what a page shows records a circle event) and any
  version the caller adds (the tasks version, which covers a list read while a change committed);
- the viewer's role and full capability set, time zone, language and today's date there;
- the address (the date window is in it) and whatever per-viewer state the fragment shows, which
  the caller passes as parts (for the calendar: the occurrences the viewer is going to, not who
  the viewer is, so members in the same position share one copy).

Only HTML without per-request secrets may be cached: a fragment that contains a CSRF token or a
CSP nonce is served but never stored. The cache is Django's (Redis when REDIS_URL is set, else
local memory); when it is unreachable the fragment is rendered as usual.

A page with several regions (the circle home) reads them all with one `get_many` and writes the
missing ones with one `set_many` (`KeptRegions`), so a cache in Redis costs one round trip per page
for its regions, not one per region. Each region's key is still worked out from what it is drawn
with, when it is drawn: a region the page didn't read ahead (its parts turned out different) is read
on its own, never served from another key. Other keys the regions' parts are worked out from (the
circle's tasks version) are read in the same round trip; a region whose parts were only known
after it (`draw_unread`) is drawn and kept, not read on its own.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe

from carecircle.circles.access import CircleAccess
from carecircle.circles.conditional import position_in, reader_settings, release

logger = logging.getLogger(__name__)
FRAGMENT_SECONDS = 300
# Drawn where a region's forms put the CSRF token, and replaced by the request's own when served, so
# the kept copy holds no one's token (`cached_region_with_forms`).
CSRF_PLACEHOLDER = "csrf-token-of-the-request"


def region_key(access: CircleAccess, name: str, parts: Sequence[str]) -> str:
    """The cache key of a region of a circle page: everything it may depend on but the viewer's identity."""
    material = [release(), name, *position_in(access), *reader_settings(), "parts", *parts]
    return "fragment:" + hashlib.sha256("\n".join(material).encode()).hexdigest()


def viewer_region_key(viewer_id: int, accesses: Sequence[CircleAccess], name: str, parts: Sequence[str]) -> str:
    """The cache key of one viewer's region drawn from several circles ("What I'm doing").

    Everything `region_key` holds for each circle drawn from (its event sequence, whether it is
    closed, the viewer's role and full capability set there), and the viewer: joining, leaving or
    losing a capability in any circle, or any change recorded in one, makes a new key.
    """
    material = [release(), name, "viewer", str(viewer_id)]
    for access in sorted(accesses, key=lambda one: one.circle.pk):
        material += [str(access.user_id), *position_in(access)]
    material += [*reader_settings(), "parts", *parts]
    return "fragment:" + hashlib.sha256("\n".join(material).encode()).hexdigest()


def cached_viewer_region(
    viewer_id: int, accesses: Sequence[CircleAccess], name: str, parts: Sequence[str], render: Callable[[], str]
) -> SafeString:
    """A region only one viewer sees, drawn from their circles: kept for that viewer alone (no forms)."""
    return mark_safe(_cached(lambda: viewer_region_key(viewer_id, accesses, name, parts), render))  # noqa: S308 (rendered HTML)


def fragment_key(request: HttpRequest, access: CircleAccess, name: str, parts: Sequence[str]) -> str:
    """A region answered at an address (a live refetch): the address, with its date window, is a part."""
    return region_key(access, name, [request.get_full_path(), *parts])


def has_secrets(html: str) -> bool:
    """A form's CSRF token or a CSP nonce is for one request (and one viewer): never share it."""
    return "csrfmiddlewaretoken" in html or "nonce=" in html


def cached_fragment(
    request: HttpRequest, access: CircleAccess, name: str, parts: Sequence[str], render: Callable[[], str]
) -> str:
    """The fragment from the cache, or rendered (and stored when it holds no per-request secret)."""
    return _cached(lambda: fragment_key(request, access, name, parts), render)


def cached_region(access: CircleAccess, name: str, parts: Sequence[str], render: Callable[[], str]) -> SafeString:
    """A region of a page (the circle home's sections), shared by everyone in the same position.

    `render` must draw nothing that `region_key` and `parts` don't name: not the viewer's identity
    (pass it as a part when the region shows it), nor anything that records no circle event.
    """
    return mark_safe(_cached(lambda: region_key(access, name, parts), render))  # noqa: S308 (rendered HTML)


def cached_region_with_forms(
    request: HttpRequest, access: CircleAccess, name: str, parts: Sequence[str], render: Callable[[], str]
) -> SafeString:
    """A region whose forms carry the CSRF token, kept with a placeholder in the token's place.

    `render` must draw every token as CSRF_PLACEHOLDER (a `csrf_token` of that value in its context);
    the request's own token is filled in when the region is served. A region drawn with any other
    token, or a CSP nonce, is served but never kept.
    """
    html = _cached(lambda: region_key(access, name, parts), render, keep=_forms_without_secrets)
    return mark_safe(html.replace(CSRF_PLACEHOLDER, get_token(request)))  # noqa: S308 (rendered HTML)


def _forms_without_secrets(html: str) -> bool:
    placeholders = html.count(f'name="csrfmiddlewaretoken" value="{CSRF_PLACEHOLDER}"')
    return "nonce=" not in html and html.count("csrfmiddlewaretoken") == placeholders


class KeptRegions:
    """The regions of one page read from the cache in one round trip, and the drawn ones written in one.

    `read` takes the regions the page is about to draw, by name and parts, and any other cache keys
    their parts are worked out from (`also`, found in `values`); `draw_unread` names a region to
    draw without reading it; `region` serves one of them (drawing it when it wasn't found); `keep`
    hands over another value to write (the tasks list worked out for a region); `write` keeps what
    was drawn and handed over, once the page is done.
    """

    def __init__(self, access: CircleAccess) -> None:
        self.access = access
        self.seconds = _seconds()
        # What every region's key holds besides its name and parts (`region_key`), worked out once for
        # the page: the reader's settings as the page began, which `write` checks still hold.
        self.settings = reader_settings() if self.seconds else []
        self._position = "\n".join([*position_in(access), *self.settings, "parts"]) if self.seconds else ""
        self._keys: dict[tuple[str, tuple[str, ...]], str] = {}
        self.read_keys: set[str] = set()
        self.found: dict[str, Any] = {}
        self.values: dict[str, Any] = {}
        self.drawn: dict[str, str] = {}
        self.others: dict[str, tuple[object, int]] = {}

    def key(self, name: str, parts: Sequence[str]) -> str:
        """`region_key(self.access, name, parts)` under the page's settings, hashed once per region."""
        found = self._keys.get((name, tuple(parts)))
        if found is None:
            material = "\n".join([release(), name, self._position, *parts])
            found = self._keys[name, tuple(parts)] = "fragment:" + hashlib.sha256(material.encode()).hexdigest()
        return found

    def keep(self, key: str, value: object, seconds: int) -> None:
        """Write another key (the list a region is drawn from) with the drawn regions, in their round trip."""
        self.others[key] = (value, seconds)

    def read(self, regions: Iterable[tuple[str, Sequence[str]]], also: Sequence[str] = ()) -> None:
        if not self.seconds:
            return
        keys = [self.key(name, parts) for name, parts in regions]
        try:
            found = cache.get_many([*keys, *also]) if keys or also else {}
        except Exception:
            logger.warning("Fragment cache unreachable", exc_info=True)
        else:
            self.found = {key: found[key] for key in keys if key in found}
            self.values = {key: found[key] for key in also if key in found}
        # Read, even when unreachable: the page then draws them all and doesn't ask again one by one.
        self.read_keys.update(keys)

    def draw_unread(self, name: str, parts: Sequence[str]) -> None:
        """Draw this region (and keep it) without reading it, unless it was read: its key came too late."""
        if self.seconds:
            self.read_keys.add(self.key(name, parts))

    def region(self, name: str, parts: Sequence[str], render: Callable[[], str]) -> SafeString:
        if not self.seconds:
            return mark_safe(render())  # noqa: S308 (rendered HTML)
        key = self.key(name, parts)
        if key not in self.read_keys:
            return cached_region(self.access, name, parts, render)
        found = self.found.get(key)
        if isinstance(found, str):
            return mark_safe(found)  # noqa: S308 (rendered HTML)
        html = _draw(render)
        # Kept under the page's settings only if drawn in them (not inside another language's block).
        if not has_secrets(html) and reader_settings() == self.settings:
            self.drawn[key] = html
        return mark_safe(html)  # noqa: S308 (rendered HTML)

    def write(self) -> bool:
        """Keep what was drawn, and the other keys given, in one `set_many` per lifetime (one, by default).

        False when the reader's settings moved on while the page was drawn (its date passed midnight):
        its regions, keyed by the settings as the page began, are then not kept, and the page must not
        be given an ETag (worked out under the new settings, it would stand for the old regions).
        """
        held = not self.seconds or reader_settings() == self.settings
        if not held:
            self.drawn = {}
        by_seconds: dict[int, dict[str, Any]] = {}
        if self.drawn:
            by_seconds[self.seconds] = dict(self.drawn)
        for key, (value, seconds) in self.others.items():
            by_seconds.setdefault(seconds, {})[key] = value
        for seconds, values in by_seconds.items():
            try:
                cache.set_many(values, seconds)
            except Exception:
                logger.warning("Fragment cache unreachable", exc_info=True)
        self.drawn, self.others = {}, {}
        return held


def _seconds() -> int:
    return int(getattr(settings, "FRAGMENT_CACHE_SECONDS", FRAGMENT_SECONDS))


def _draw(render: Callable[[], str]) -> str:
    """Draw a region that wasn't kept (one place, so tests can count the regions drawn)."""
    return render()


def kept[T](
    key_for: Callable[[], str],
    draw: Callable[[], T],
    *,
    kind: type[T],
    keep: Callable[[T], bool],
    seconds: int | None = None,
) -> T:
    """A value kept under `key_for()`, or drawn now and kept when `keep` says it holds no secret.

    With the cache off or unreachable the value is drawn as usual; a kept value of another kind
    (an older release's shape) is drawn again and replaced. `seconds` keeps it longer than a
    fragment (the record's PDF, slow to draw, whose key changes with the record anyway).
    """
    if not _seconds():
        return draw()
    seconds = seconds or _seconds()
    key = key_for()
    try:
        found = cache.get(key)
    except Exception:
        logger.warning("Fragment cache unreachable", exc_info=True)
        return draw()
    if isinstance(found, kind):
        return found
    value = draw()
    if not keep(value):
        return value
    try:
        cache.set(key, value, seconds)
    except Exception:
        logger.warning("Fragment cache unreachable", exc_info=True)
    return value


def _cached(key_for: Callable[[], str], render: Callable[[], str], keep: Callable[[str], bool] | None = None) -> str:
    return kept(
        key_for,
        lambda: _draw(render),
        kind=str,
        keep=keep if keep is not None else (lambda html: not has_secrets(html)),
    )
