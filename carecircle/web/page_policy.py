"""Which pages carry a secret in their body, and what that rules out: compressing them (BREACH) and
keeping them in the browser for offline reading. docs/architecture/page-weight.md and offline.md.

A page carries a secret when its address holds a token (an invitation, a share link, a calendar
feed: lib/redaction.py) or when it shows one: an API token once made, the authenticator app's key,
recovery codes, invitation and share links, the calendar feed addresses.
"""

from __future__ import annotations

from django.http import HttpRequest

from carecircle.lib.redaction import holds_secret

SECRET_BEARING_VIEWS = frozenset(
    {
        "accounts:tokens",
        "accounts:totp_setup",
        "accounts:recovery_codes",
        "circles:invite",
        "records:share_links",
        "tasks:feeds",
    }
)


def carries_secret(request: HttpRequest) -> bool:
    """Whether the response to this request may hold a secret token, key or code."""
    if holds_secret(request.path):
        return True
    match = request.resolver_match
    return match is not None and match.view_name in SECRET_BEARING_VIEWS
