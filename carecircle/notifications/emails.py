"""The HTML twin of every notification email: the same words, readable on a small screen.

The plain text is the source (it is what text-only mail programs show); the HTML is made from it,
escaped, with this site's links made into links and a single column that fits a phone.

A fan-out makes one email per member, and their words differ only in a few lines (a member's own
links, their language). `EmailHtml` renders the template once per language and fills each email's
paragraphs into that frame, making each distinct line's HTML once: the same bytes as rendering the
template for every email, at a cost that hardly grows with the circle
(docs/architecture/notifications.md, "The cost of a fan-out").
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe

from carecircle.notifications.views import URL_PATTERN, is_site_url

FOOTER = "\n—\n"
PARAGRAPH = '<p style="margin:0 0 14px;">'
# Stand-ins the frame is rendered with, replaced by each email's own parts (no text can hold a NUL).
_SUBJECT, _CONTENT, _NOTES = "\x00subject\x00", "\x00content\x00", "\x00notes\x00"


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


def paragraph_html(lines: list[str]) -> str:
    """One paragraph of the email's body, its lines already made HTML, as the frame shows it."""
    return PARAGRAPH + "<br>".join(lines) + "</p>\n"


class EmailHtml:
    """Makes the HTML of many emails: the template rendered once per language, each distinct line once.

    `renders` counts the template renders (tests assert it stays one per language, not per member).
    """

    def __init__(self) -> None:
        self.frames: dict[tuple[str, bool], tuple[str, str, str, str]] = {}
        self.lines: dict[str, str] = {}
        self.renders = 0

    def line(self, text: str) -> str:
        made = self.lines.get(text)
        if made is None:
            made = self.lines[text] = _linked(text)
        return made

    def _frame(self, with_notes: bool) -> tuple[str, str, str, str]:
        """The template in the active language, cut around the subject, the content and the notes."""
        key = (translation.get_language() or "", with_notes)
        frame = self.frames.get(key)
        if frame is None:
            self.renders += 1
            page = render_to_string(
                "notifications/email.html",
                {
                    "subject": mark_safe(_SUBJECT),  # noqa: S308 (a stand-in, replaced by the escaped subject)
                    "content": mark_safe(_CONTENT),  # noqa: S308 (a stand-in, replaced by escaped lines)
                    "notes": mark_safe(_NOTES) if with_notes else "",  # noqa: S308 (as above)
                },
            )
            head, _sep, rest = page.partition(_SUBJECT)
            middle, _sep, rest = rest.partition(_CONTENT)
            between, _sep, tail = rest.partition(_NOTES)
            frame = self.frames[key] = (head, middle, between, tail)
        return frame

    def __call__(self, text: str, *, subject: str) -> str:
        main, _sep, footer = text.partition(FOOTER)
        content = "".join(
            paragraph_html([self.line(line) for line in block.splitlines()])
            for block in main.strip().split("\n\n")
            if block
        )
        notes = "<br>".join(self.line(line) for line in footer.strip().splitlines())
        head, middle, between, tail = self._frame(bool(notes))
        return f"{head}{conditional_escape(subject)}{middle}{content}{between}{notes}{tail}"


def html_from_text(text: str, *, subject: str) -> str:
    """The HTML of one email, in the active language."""
    return EmailHtml()(text, subject=subject)
