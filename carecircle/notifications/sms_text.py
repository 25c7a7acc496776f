"""How long a text message really is: GSM-7 or UCS-2 segments, and fitting a text into a few.

A text in the GSM 03.38 alphabet takes 160 characters in one segment (153 each when split; the
extension characters such as € [ ] { } count twice). One character outside it (an emoji, "ł", a
curly apostrophe) makes the whole text UCS-2: 70 in one segment, 67 each when split, counted in
UTF-16 code units. Members pay for, and basic phones show, segments; ours stay within two.
"""

from __future__ import annotations

from typing import Literal

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
# Characters people type that have a plain GSM-7 twin: swapping them keeps a text in GSM-7.
PLAIN = str.maketrans(
    {
        "\u2018": "'",  # curly quotes
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',  # the Polish opening quote, so "„Zakupy”" doesn't become „Zakupy"
        "\u2013": "-",  # en and em dashes
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)
MAX_SEGMENTS = 2

Encoding = Literal["GSM-7", "UCS-2"]


def encoding_of(text: str) -> Encoding:
    return "GSM-7" if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text) else "UCS-2"


def units(text: str) -> int:
    """Length in the encoding's units: septets for GSM-7 (extensions count 2), UTF-16 units for UCS-2."""
    if encoding_of(text) == "GSM-7":
        return sum(2 if char in GSM7_EXTENSION else 1 for char in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    if not text:
        return 0
    single, multi = (160, 153) if encoding_of(text) == "GSM-7" else (70, 67)
    length = units(text)
    return 1 if length <= single else -(-length // multi)


def fit(text: str, *, max_segments: int = MAX_SEGMENTS, tail: str = "") -> str:
    """The text made plain where that keeps it GSM-7, and cut (with "…" or "...") to `max_segments`.

    A link at the end is kept whole, and so is `tail` after it (a reply instruction): the words
    before them are shortened instead.
    """
    text = " ".join(text.translate(PLAIN).split())
    tail = " ".join(tail.translate(PLAIN).split())
    whole = f"{text} {tail}" if tail and text else text or tail
    if segments(whole) <= max_segments:
        return whole
    words, _, link = text.rpartition(" ")
    keep_link = link.startswith(("http://", "https://"))
    head = words if keep_link else text
    kept = " ".join(part for part in (link if keep_link else "", tail) if part)
    suffix = f" {kept}" if kept else ""
    ellipsis = "..." if encoding_of(whole) == "GSM-7" else "…"
    while head and segments(f"{head}{ellipsis}{suffix}") > max_segments:
        head = head[:-1]
    return f"{head.rstrip()}{ellipsis}{suffix}"
