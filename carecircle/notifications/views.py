"""The developer outbox: emails and texts "sent" on this computer, readable only while DEBUG is on."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from carecircle.notifications.models import OutboxMessage

OUTBOX_LIMIT = 200
URL_PATTERN = re.compile(r"https?://[^\s<>\"']+")
# Punctuation after a link in a sentence belongs to the sentence, not the link.
TRAILING_PUNCTUATION = ".,;:!?)]"


@dataclass(frozen=True)
class OutboxItem:
    message: OutboxMessage
    body: SafeString


def is_site_url(url: str) -> bool:
    """True for this site's own addresses only, not for look-alikes such as SITE_URL.evil.example."""
    site = settings.SITE_URL
    return url == site or (url.startswith(site) and url[len(site)] in "/?#")


def link_site_urls(text: str) -> SafeString:
    """Escape a message; only links to SITE_URL become clickable, every other address stays text."""
    parts: list[str] = []
    position = 0
    for match in URL_PATTERN.finditer(text):
        url = match.group(0).rstrip(TRAILING_PUNCTUATION)
        parts.append(escape(text[position : match.start()]))
        parts.append(format_html('<a href="{}">{}</a>', url, url) if is_site_url(url) else escape(url))
        position = match.start() + len(url)
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 (every part was escaped above)


@never_cache
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    """The latest messages in the local outbox, newest first; a 404 unless DEBUG is on."""
    if not settings.DEBUG:
        raise Http404("The outbox exists only on a developer's computer.")
    messages = OutboxMessage.objects.order_by("-created_at", "-id")[:OUTBOX_LIMIT]
    items = [OutboxItem(message=message, body=link_site_urls(message.body)) for message in messages]
    return render(request, "notifications/outbox.html", {"items": items, "limit": OUTBOX_LIMIT})
