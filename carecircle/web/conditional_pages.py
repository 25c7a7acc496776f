"""Conditional GET for every HTML page without an ETag of its own: a 304 when the page is the same.

Circle pages answer 304 from their circle's event sequence before rendering (circles/conditional.py).
Every other page (the account pages, notifications, the public pages) is rendered, and its ETag is a
hash of what it would show: the body with the two values Django writes afresh into every response
put back to placeholders, so an unchanged page gets the same ETag on every visit:

- the CSRF token, masked anew in each response: a token that unmasks to the request's CSRF secret is
  replaced (a page keeps working with the old mask as long as the secret is unchanged, and the
  secret is part of the hash, so a new secret is a new ETag);
- the CSP nonce: replaced in the body and in the policy. A 304 carries no new policy (Django's
  `_not_modified` keeps only the validators, Cache-Control, Date, Expires, Vary and cookies), so the
  browser keeps the stored page's policy, whose nonce matches the stored page's inline styles.

Also in the hash: the address, fragment or page, the account, the session, the language and every
other response header (with the nonce put back), so another person, a new sign-in or another
language never gets a 304 for a page drawn for someone else, even if it would read the same. A
page showing a one-off message (or with one waiting) gets no ETag: the message is shown once. Pages
that may hold a secret (web.page_policy), responses marked `no-store` and anything but a 200 HTML
answer to GET or HEAD are left alone. Forms that carry a fresh `client_id` make every render
differ, so those pages never answer 304 (and a cached page never reuses an idempotency key).

The 304 costs what the 200 does on the server (the page is rendered to be compared) and saves the
body on the network: docs/architecture/page-weight.md, "Repeat visits".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware import csrf as _csrf
from django.middleware.csrf import CSRF_SECRET_LENGTH
from django.utils import translation
from django.utils.cache import get_conditional_response

from carecircle.web.page_policy import carries_secret

# Django's CSRF module, whose private `_unmask_cipher_token` is web/csrf_tokens.py's once installed.
csrf: Any = _csrf

CACHE_CONTROL = "private, no-cache"
CSRF_PLACEHOLDER = b"{csrf-token}"
NONCE_PLACEHOLDER = "{csp-nonce}"
# A masked CSRF token in quotes, as every template writes it (an attribute's value): 64 letters and
# digits (Django's CSRF_ALLOWED_CHARS). Anchored on the quote, a 60 KB page is read in 0.05 ms (0.8 ms
# for any token standing alone); a token written unquoted would only mean that page never answers 304.
_MASKED_TOKEN = re.compile(rb'"([A-Za-z0-9]{%d})"' % (2 * CSRF_SECRET_LENGTH))
# Left out of the hash: set per response by the framework, or not sent again on a 304.
_HEADERS_LEFT_OUT = frozenset({"date", "content-length", "etag", "cache-control", "vary"})


class PageETagMiddleware:
    """ETag and `private, no-cache` on pages that have neither, and a 304 when the browser holds the page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not isinstance(response, HttpResponse):
            return response
        etag = page_etag(request, response)
        if etag is None:
            return response
        response.headers["ETag"] = etag
        response.headers["Cache-Control"] = CACHE_CONTROL
        # Django's 304 keeps only what RFC 9110 asks for: no Content-Security-Policy with a new nonce.
        return get_conditional_response(request, etag=etag, response=response) or response


def page_etag(request: HttpRequest, response: HttpResponse) -> str | None:
    """The page's ETag, or None when this answer is not one to reuse."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return None
    if response.has_header("ETag") or "no-store" in response.get("Cache-Control", ""):
        return None
    if not response.get("Content-Type", "").startswith("text/html") or carries_secret(request):
        return None
    # Loaded before the view or added during it, a message waiting or shown is shown only once.
    if len(messages.get_messages(request)) > 0:
        return None
    nonce = _nonce(request)
    secret = request.META.get("CSRF_COOKIE") or ""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    parts = [
        request.get_full_path(),
        request.headers.get("X-Requested-With", ""),
        str(getattr(user, "pk", "") or ""),
        (session.session_key if session is not None else None) or "",
        secret,
        translation.get_language() or "",
        *(
            f"{name.lower()}: {_without(value, nonce)}"
            for name, value in sorted(response.headers.items())
            if name.lower() not in _HEADERS_LEFT_OUT
        ),
    ]
    digest = hashlib.sha256("\n".join(parts).encode())
    digest.update(b"\n\n")
    digest.update(normalised_body(response.content, secret=secret, nonce=nonce))
    return f'"{digest.hexdigest()[:32]}"'


def normalised_body(body: bytes, *, secret: str, nonce: str) -> bytes:
    """The body with this response's CSP nonce and every token masked from this CSRF secret put back."""
    if nonce:
        body = body.replace(nonce.encode(), NONCE_PLACEHOLDER.encode())
    # Whatever Django's CSRF module unmasks with: web/csrf_tokens.py's when `install()` put it there,
    # Django's own when it declined. A Django without one puts no token back: the page never answers 304.
    unmask = getattr(csrf, "_unmask_cipher_token", None)
    if secret and unmask is not None:

        def placeholder(match: re.Match[bytes]) -> bytes:
            mine = unmask(match.group(1).decode()) == secret
            return b'"' + CSRF_PLACEHOLDER + b'"' if mine else match.group()

        body = _MASKED_TOKEN.sub(placeholder, body)
    return body


def _nonce(request: HttpRequest) -> str:
    """The response's CSP nonce if the page used one (LazyNonce is false until it is drawn)."""
    nonce = getattr(request, "_csp_nonce", None)
    return str(nonce) if nonce else ""


def _without(value: str, nonce: str) -> str:
    return value.replace(nonce, NONCE_PLACEHOLDER) if nonce else value
