"""Installable and readable offline: the web app manifest, the service worker at /sw.js, the page it
shows offline, and the headers that tell it what it may keep. docs/architecture/offline.md

The server decides what is kept, never the worker: `X-Offline-Copy: keep` marks a member's reading
page (web.page_policy.may_keep_offline), and `X-Offline-Reader` names who is signed in (a keyed
hash of the account, or "none"), so the worker drops pages kept for someone else the moment
another person, or nobody, is signed in. Signing out also sends `Clear-Site-Data`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_out
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.views.decorators.http import require_GET

from carecircle.web.page_policy import may_keep_offline

KEEP_HEADER = "X-Offline-Copy"
READER_HEADER = "X-Offline-Reader"
NOBODY = "none"
# What a signed-out browser must forget: the HTTP cache, and storage (the worker's caches, the
# outbox in IndexedDB, the worker itself). Cookies go through the session's own expiry.
CLEAR_SITE_DATA = '"cache", "storage"'
THEME_COLOUR = "#1d5b79"
# The shell: what every kept page needs to show and work offline. Static paths, hashed when served.
SHELL_STATIC = (
    "web/live.js",
    "web/offline.js",
    "web/outbox.js",
    "notifications/unread.js",
    "conversations/chat.js",
    "web/icons/icon.svg",
    "web/icons/icon-192.png",
    "web/icons/icon-512.png",
)
_SIGNED_OUT = "_carecircle_signed_out"


def reader_of(request: HttpRequest) -> str:
    """Who the pages are for, as the worker sees it: a keyed hash (no account id leaves the server)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return NOBODY
    return salted_hmac("carecircle.web.offline.reader", str(user.pk), algorithm="sha256").hexdigest()[:20]


@receiver(user_logged_out)
def _remember_sign_out(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    if request is not None:
        setattr(request, _SIGNED_OUT, True)


class OfflineCopyMiddleware:
    """Marks pages the worker may keep, names the reader, and clears the browser on sign-out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if getattr(request, _SIGNED_OUT, False):
            response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
            response.headers[READER_HEADER] = NOBODY
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        response.headers[READER_HEADER] = reader_of(request)
        if may_keep_offline(request, response):
            response.headers[KEEP_HEADER] = "keep"
        return response


@functools.cache
def _hashed_version() -> str:
    # Production: the manifest of hashed names changes whenever any static file does.
    hashed = getattr(staticfiles_storage, "hashed_files", None)
    if hashed:
        return hashlib.sha256(json.dumps(sorted(hashed.items())).encode()).hexdigest()[:12]
    return ""


def _worker_context(*, version: str, shell_urls: str) -> dict[str, object]:
    return {
        "version": version,
        "shell": shell_urls,
        "static_url": settings.STATIC_URL,
        "hashed": settings.STATIC_HASHED,
        # Shown beside a push notification (the worker's `push` handler).
        "icon_url": static("web/icons/icon-192.png"),
    }


def shell_version() -> str:
    """The cache version: from the static manifest when files are hashed (collectstatic), else from
    the shell's contents (so `make run` picks up edits), together with the worker's own text."""
    manifest = _hashed_version()
    digest = hashlib.sha256(manifest.encode())
    if not manifest:
        for name in SHELL_STATIC:
            found = finders.find(name)
            if isinstance(found, str):
                with open(found, "rb") as handle:
                    digest.update(handle.read())
    digest.update(render_to_string("web/sw.js", _worker_context(version="", shell_urls="[]")).encode())
    return digest.hexdigest()[:12]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, at the root so its scope is the whole site; never cached by HTTP, so a
    new version is found at the next page load."""

    shell = [static(name) for name in SHELL_STATIC] + [reverse("web:offline"), reverse("web:manifest")]
    response = render(
        request,
        "web/sw.js",
        _worker_context(version=shell_version(), shell_urls=json.dumps(shell)),
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: installs CareCircle on a phone's home screen."""

    icons = [
        {"src": static("web/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
        {"src": static("web/icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": static("web/icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {"src": static("web/icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
    ]
    body = {
        "name": "CareCircle",
        "short_name": "CareCircle",
        "description": "Look after someone at home, together.",
        "id": "/",
        "start_url": reverse("circles:list"),
        "scope": "/",
        "display": "standalone",
        "lang": "en-GB",
        "theme_color": THEME_COLOUR,
        "background_color": "#ffffff",
        "icons": icons,
    }
    response = HttpResponse(json.dumps(body, indent=1), content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """What the worker shows for a page it has not kept. The same for everyone (it is kept in the
    shell): no names, no circles; offline.js lists the pages this device has kept."""
    return render(request, "web/offline.html", {"user": AnonymousUser(), "nav": "offline"})
