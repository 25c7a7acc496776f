"""Keeping secret tokens out of logs: anyone who reads an invitation link can join the circle, a
share link opens part of someone's care record, and a calendar address shows someone's tasks."""

from __future__ import annotations

import functools
import logging
import re

from django.urls import reverse

# Addresses that carry a secret token: invitations, the record's share links, calendar feeds.
TOKEN_URLS = (("circles:invitation", "token"), ("records:shared", "share_token"), ("tasks:feed", "token"))
_MARK = "TOKENMARK"


@functools.cache
def _token_patterns() -> list[tuple[re.Pattern[str], str]]:
    # Each address up to its token ("/join/" today), taken from the URLconf so it never drifts.
    patterns = []
    for name, argument in TOKEN_URLS:
        address = reverse(name, kwargs={argument: _MARK})
        prefix = address[: address.index(_MARK)]
        patterns.append((re.compile(re.escape(prefix) + r"[^/\s?\"']+"), prefix + "…"))
    return patterns


# The Referrer-Policy of every page at such an address. `no-referrer` would keep the token out of
# Referer too, but Chromium then sends `Origin: null` with the page's own forms (the share link's
# code, accepting an invitation) and CSRF protection refuses them. `strict-origin` sends only the
# origin, never the path, so the token reaches no other site and no proxy's Referer log, and the
# page's own forms carry a real Origin.
SECRET_ADDRESS_REFERRER_POLICY = "strict-origin"


def holds_secret(path: str) -> bool:
    """Whether the path is an invitation, share-link or calendar address with its token."""
    return any(pattern.match(path) for pattern, _ in _token_patterns())


def redact_secrets(text: str) -> str:
    """The text with every invitation, share-link and calendar token replaced by "…", for a log."""
    for pattern, replacement in _token_patterns():
        text = pattern.sub(replacement, text)
    return text


class RedactInvitationTokens(logging.Filter):
    """A logging filter for access logs (uvicorn's passes the path as an argument of the record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_secrets(arg) if isinstance(arg, str) else arg for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = redact_secrets(record.msg)
        return True
