"""Which pages carry a secret in their body, and what that rules out: compressing them (BREACH) and
keeping them in the browser for offline reading. docs/architecture/page-weight.md and offline.md.

A page carries a secret when its address holds a token (an invitation, a share link, a calendar
feed: lib/redaction.py) or when it shows one: an API token once made, the authenticator app's key,
recovery codes, invitation and share links, the calendar feed addresses.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase

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


# Pages a signed-in member reads that the service worker may keep for reading offline (sw.js keeps
# only responses marked by web.offline.OfflineCopyMiddleware): the circles, the care record and its
# essentials, upcoming help and the conversations. Everything else (settings, forms, the people
# page, exports, anything for visitors) is never kept. docs/architecture/offline.md
OFFLINE_READABLE_VIEWS = frozenset(
    {
        "circles:list",
        "circles:home",
        "records:index",
        "records:essentials",
        "records:section",
        "tasks:agenda",
        "tasks:needs_help",
        "tasks:mine",
        "tasks:detail",
        "conversations:family",
        "conversations:news",
        "conversations:direct_list",
        "conversations:conversation",
    }
)


def may_keep_offline(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Whether the browser may keep this page to read offline: a member's own reading page, an HTML
    200 to a GET, with no secret in it and nothing forbidding storage (`no-store`)."""
    if request.method != "GET" or response.status_code != 200 or not request.user.is_authenticated:
        return False
    match = request.resolver_match
    if match is None or carries_secret(request):
        return False
    readable = match.view_name in OFFLINE_READABLE_VIEWS
    # The one form kept to fill in offline: a new daily note (its outbox replays it, web/outbox.js).
    note_form = match.view_name == "records:entry_add" and match.kwargs.get("section") == "notes"
    if not readable and not note_form:
        return False
    if "no-store" in response.get("Cache-Control", ""):
        return False
    return response.get("Content-Type", "").startswith("text/html")
