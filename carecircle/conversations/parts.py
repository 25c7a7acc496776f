"""A long message's words in parts that each fit its page within the first round trip.

A message may hold 5,000 characters and an update 10,000; escaped (`&` is `&amp;`) and in Welsh or
Polish letters that is up to ≈ 50 KB of HTML, far over the 14,336 bytes a page may send first. The
message's own page therefore shows its words in parts (`?part=2`), each at most `PART_BYTES` of
HTML, cut between words where it can, with every element that is open at a cut (`<strong>`, `<em>`,
`<a>`, a mention) closed there and opened again in the next part, so each part is whole HTML.
Lists show a shortened plain-text version instead (`shortened`), with a link to the whole message.
docs/architecture/conversations.md, "Long messages".
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

from django.utils.text import Truncator

from carecircle.conversations.formatting import plain_text

# The most of a message's HTML one part of its page shows, in bytes (the frame, the reaction
# buttons, the headline, the quote and photos take the rest of the 14,336).
PART_BYTES = 1_600
# A message whose HTML is longer than this is shortened in lists, to at most `SHORT_CHARACTERS` of
# its text and `SHORT_HTML_BYTES` once escaped (200 `&` would otherwise be 1,000 bytes).
SHORT_BYTES = 600
SHORT_CHARACTERS = 200
SHORT_HTML_BYTES = 360

_VOID = {"br"}


def is_long(body_html: str) -> bool:
    return len(body_html.encode()) > SHORT_BYTES


def shortened(body_html: str) -> str:
    """The start of a long message as escaped plain text, for lists (its formatting left out)."""
    text = Truncator(plain_text(body_html)).chars(SHORT_CHARACTERS, truncate="")
    kept, size = [], 0
    for letter in text:
        size += len(escape(letter, quote=False).encode())
        if size > SHORT_HTML_BYTES:
            break
        kept.append(letter)
    shown = "".join(kept)
    return escape(shown.rstrip(), quote=False) + ("…" if len(shown) < len(plain_text(body_html)) else "")


class _Splitter(HTMLParser):
    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=True)
        self.limit = limit
        self.parts: list[str] = []
        self.current: list[str] = []
        self.size = 0
        # The open elements, as their start tags, to close and reopen at a cut.
        self.open: list[tuple[str, str]] = []
        # Elements whose start tag alone would fill a part (a very long link): shown as their text.
        self.dropped: list[str] = []

    def _add(self, text: str) -> None:
        self.current.append(text)
        self.size += len(text.encode())

    def _cut(self) -> None:
        closing = "".join(f"</{name}>" for name, _start in reversed(self.open))
        self.parts.append("".join(self.current) + closing)
        self.current, self.size = [], 0
        for _name, start in self.open:
            self._add(start)

    def _reserve(self) -> int:
        return sum(len(name) + 3 for name, _start in self.open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        shown = "".join(f' {name}="{escape(value or "")}"' for name, value in attrs)
        start = f"<{tag}{shown}>"
        if len(start.encode()) > self.limit // 4:
            self.dropped.append(tag)
            return
        if self.size + len(start.encode()) + self._reserve() > self.limit and self.size:
            self._cut()
        self._add(start)
        if tag not in _VOID:
            self.open.append((tag, start))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if tag in self.dropped:
            self.dropped.remove(tag)
            return
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index]
                self._add(f"</{tag}>")
                return

    def handle_data(self, data: str) -> None:
        # Word by word (spaces kept), and a word longer than a part letter by letter.
        for word in _words(data):
            shown = escape(word, quote=False)
            if self.size + len(shown.encode()) + self._reserve() > self.limit and self.size > self._opened():
                self._cut()
            if len(shown.encode()) + self._reserve() + self.size > self.limit:
                for letter in word:
                    piece = escape(letter, quote=False)
                    if self.size + len(piece.encode()) + self._reserve() > self.limit and self.size > self._opened():
                        self._cut()
                    self._add(piece)
            else:
                self._add(shown)

    def _opened(self) -> int:
        return sum(len(start.encode()) for _name, start in self.open)

    def finish(self) -> list[str]:
        self.close()
        if self.current or not self.parts:
            self._cut()
        return self.parts


def _words(text: str) -> list[str]:
    words, start = [], 0
    for index, letter in enumerate(text):
        if letter.isspace():
            words.append(text[start : index + 1])
            start = index + 1
    if start < len(text):
        words.append(text[start:])
    return words


def body_parts(body_html: str, limit: int = PART_BYTES) -> list[str]:
    """The message's HTML in parts of at most `limit` bytes each (an address filling a part shows as text)."""
    if len(body_html.encode()) <= limit:
        return [body_html]
    splitter = _Splitter(limit)
    splitter.feed(body_html)
    return splitter.finish()
