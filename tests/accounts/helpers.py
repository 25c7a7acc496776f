"""Small helpers for the accounts tests: reading links out of queued emails."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core import mail

LINK = re.compile(r"https?://\S+")


def sent_to(address: str) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if address in message.to]


def link_path(message: mail.EmailMessage) -> str:
    """The path of the one link in an email's plain text."""
    links = LINK.findall(str(message.body))
    assert len(links) == 1, links
    path: str = urlsplit(links[0]).path
    return path


def page_text(response: object) -> str:
    """The response body with HTML entities decoded, so apostrophes read as typed."""
    import html

    content: bytes = response.content  # type: ignore[attr-defined]
    return html.unescape(content.decode())


def main_content(response: object) -> str:
    """The page's <main> element without the per-request CSRF token, for comparing two pages."""
    import re

    text = page_text(response)
    main = text[text.index("<main") : text.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", main)
