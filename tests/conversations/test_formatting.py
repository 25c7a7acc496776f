"""The formatting subset never lets markup through, whatever people type."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from carecircle.conversations.formatting import mention_names, render

TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9]+)([^>]*)>")
ALLOWED = {"a", "strong", "em", "br", "span"}
PIECES = st.sampled_from(
    [
        "<script>",
        "</script>",
        "<img src=x onerror=alert(1)>",
        "**",
        "_",
        "@Olivia",
        "@olivia organiser",
        "javascript:",
        "https://nhs.uk/a_b?x=1&y=2",
        '"',
        "'",
        "&amp;",
        "\n",
        " ",
        "<a href='javascript:alert(1)'>x</a>",
        "word",
    ]
)
TEXT = st.lists(
    st.one_of(PIECES, st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)), max_size=30
).map("".join)
NAMES = mention_names([(1, "Olivia Organiser"), (2, "Sam Helper")])


@given(TEXT)
def test_only_the_allowed_tags_and_safe_links_come_out(text: str) -> None:
    rendered, mentions = render(text, NAMES)
    for closing, name, attributes in TAG.findall(rendered):
        assert name in ALLOWED, rendered
        if name == "a" and not closing:
            href = re.search(r'href="([^"]*)"', attributes)
            assert href is not None, rendered
            assert href.group(1).startswith(("https://", "http://")), rendered
            assert 'rel="noopener nofollow ugc"' in attributes
        if name == "span" and not closing:
            assert attributes.strip() == 'class="mention"', rendered
    assert set(mentions) <= {1, 2}


@given(st.text(st.characters(codec="utf-8", exclude_characters="\x00*_@:/"), max_size=200))
def test_plain_text_reads_back_exactly(text: str) -> None:
    rendered, _ = render(text, NAMES)
    # Line breaks of any kind come back as "\n" (the HTML parser normalises a lone "\r" too).
    assert html.unescape(rendered.replace("<br>", "\n")) == text.replace("\r\n", "\n").replace("\r", "\n")
