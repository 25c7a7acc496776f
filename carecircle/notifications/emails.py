"""The HTML twin of every notification email: the same words, readable on a small screen.

The plain text is the source (it is what text-only mail programs show); the HTML is made from it,
escaped, with this site's links made into links and a single column that fits a phone.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from carecircle.notifications.views import URL_PATTERN, is_site_url

FOOTER = "\n—\n"


def _linked(line: str) -> SafeString:
    parts: list[str] = []
    position = 0
    for match in URL_PATTERN.finditer(line):
        url = match.group(0).rstrip(".,;:!?)]")
        parts.append(escape(line[position : match.start()]))
        parts.append(format_html('<a href="{}">{}</a>', url, url) if is_site_url(url) else escape(url))
        position = match.start() + len(url)
    parts.append(escape(line[position:]))
    return mark_safe("".join(parts))  # noqa: S308 (every part was escaped above)


def html_from_text(text: str, *, subject: str) -> str:
    main, _, footer = text.partition(FOOTER)
    paragraphs = [[_linked(line) for line in block.splitlines()] for block in main.strip().split("\n\n") if block]
    notes = [_linked(line) for line in footer.strip().splitlines()]
    return render_to_string("notifications/email.html", {"subject": subject, "paragraphs": paragraphs, "notes": notes})
