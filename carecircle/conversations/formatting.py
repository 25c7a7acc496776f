"""Turning what someone typed into safe HTML: escaped text, a tiny formatting subset, safe links, @mentions.

The subset: **bold**, _italic_, line breaks, web addresses made into links, and @names of circle
members. Everything else shows as typed. The result passes through nh3 as a final allow-list, so a
mistake here can never let markup through. Links get rel="noopener nofollow ugc"; nothing is
ever fetched from them (no previews), so a link reveals nothing about who reads it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping

import nh3

ALLOWED_TAGS = frozenset({"a", "strong", "em", "br", "span"})
ALLOWED_ATTRIBUTES = {"a": {"href"}, "span": {"class"}}
LINK_REL = "noopener nofollow ugc"
URL_SCHEMES = frozenset({"http", "https", "mailto"})

# After escaping, so "<" can't appear; a trailing full stop or bracket belongs to the sentence.
LINK = re.compile(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
ITALIC = re.compile(r"(?<![\w/])_(?=\S)(.+?)(?<=\S)_(?![\w/])")
WORD_CHARACTER = re.compile(r"\w")


def mention_names(members: Iterable[tuple[int, str]]) -> dict[str, int]:
    """Names someone may write after @: each member's full name, and their first name when no one shares it."""
    names: dict[str, int] = {}
    first_names: dict[str, list[int]] = {}
    for user_id, display_name in members:
        full = display_name.strip().lower()
        if not full:
            continue
        names[full] = user_id
        first_names.setdefault(full.split()[0], []).append(user_id)
    for first, ids in first_names.items():
        if len(ids) == 1:
            names.setdefault(first, ids[0])
    return names


def find_mentions(text: str, names: Mapping[str, int]) -> list[tuple[int, int, int]]:
    """(start, end, user id) of each @name in the text, the longest name winning."""
    found = []
    lowered = text.lower()
    ordered = sorted(names, key=len, reverse=True)
    position = lowered.find("@")
    while position != -1:
        end = position + 1
        for name in ordered:
            after = position + 1 + len(name)
            if lowered.startswith(name, position + 1) and not WORD_CHARACTER.match(lowered[after : after + 1]):
                found.append((position, after, names[name]))
                end = after
                break
        position = lowered.find("@", end)
    return found


def _inline(escaped: str) -> str:
    links: list[str] = []

    def keep_link(match: re.Match[str]) -> str:
        links.append(match.group(0))
        return f"\x00{len(links) - 1}\x00"

    # Links are set aside first so that underscores in an address never become italics.
    text = LINK.sub(keep_link, escaped)
    text = BOLD.sub(r"<strong>\1</strong>", text)
    text = ITALIC.sub(r"<em>\1</em>", text)
    for number, address in enumerate(links):
        text = text.replace(f"\x00{number}\x00", f'<a href="{address}">{address}</a>')
    return text


def render(text: str, names: Mapping[str, int] | None = None) -> tuple[str, list[int]]:
    """The safe HTML for `text`, and the ids of the members it mentions."""
    pieces: list[str] = []
    mentioned: list[int] = []
    cursor = 0
    for start, end, user_id in find_mentions(text, names or {}):
        pieces.append(_inline(html.escape(text[cursor:start], quote=True)))
        pieces.append(f'<span class="mention">{html.escape(text[start:end], quote=True)}</span>')
        if user_id not in mentioned:
            mentioned.append(user_id)
        cursor = end
    pieces.append(_inline(html.escape(text[cursor:], quote=True)))
    joined = "".join(pieces).replace("\r\n", "\n").replace("\n", "<br>")
    cleaned = nh3.clean(
        joined,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names_) for tag, names_ in ALLOWED_ATTRIBUTES.items()},
        link_rel=LINK_REL,
        url_schemes=set(URL_SCHEMES),
    )
    return cleaned, mentioned


_BREAKS = re.compile(r"<br\s*/?>|</p>|</li>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")


def plain_text(body_html: str) -> str:
    """What a rendered message says, without its formatting: for quotes and previews (one line)."""
    text = html.unescape(_TAGS.sub("", _BREAKS.sub(" ", body_html)))
    return " ".join(text.split())
