"""Markup a browser would rearrange: a form (or any block) inside a paragraph.

The HTML parser closes a <p> at the first block element inside it, so `<p>Change · <form>…Delete
</form></p>` shows "· Delete" on a line of its own and leaves an empty paragraph behind (issue 9's
"stray dot" under every record entry). Every template is checked, with its template tags taken out,
so both branches of each {% if %} count.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from django.urls import reverse

from carecircle.records.sections import SECTION_BY_KEY
from carecircle.records.services import entry_create
from tests.cast import Cast

ROOT = Path(__file__).resolve().parents[2] / "carecircle"
BLOCKS = {
    "address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "p", "pre", "section", "table", "ul",
}  # fmt: skip
TEMPLATE_TAGS = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)


class BlocksInParagraphs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.in_paragraph = False
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.in_paragraph and tag in BLOCKS:
            self.found.append(f"<{tag}> inside <p> at line {self.getpos()[0]}")
            self.in_paragraph = False
        if tag == "p":
            self.in_paragraph = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self.in_paragraph = False


def blocks_in_paragraphs(markup: str) -> list[str]:
    parser = BlocksInParagraphs()
    parser.feed(markup)
    return parser.found


def test_no_template_puts_a_form_or_a_block_inside_a_paragraph() -> None:
    found = []
    for template in sorted(ROOT.glob("*/templates/**/*.html")):
        for problem in blocks_in_paragraphs(TEMPLATE_TAGS.sub(" ", template.read_text())):
            found.append(f"{template.relative_to(ROOT)}: {problem}")
    assert not found, "\n".join(found)


def test_a_record_entrys_actions_stay_on_one_line(cast: Cast, as_user) -> None:
    entry_create(actor=cast.organiser, circle=cast.circle, section=SECTION_BY_KEY["medications"], values={"name": "X"})
    page = as_user(cast.organiser).get(reverse("records:section", args=[cast.circle.pk, "medications"]))
    html = page.content.decode()
    assert not blocks_in_paragraphs(html)
    actions = html[html.index('class="entry-actions"') :]
    # Delete submits the list's one form (the CSRF token drawn once), from a button in the line.
    assert re.search(
        r"History and comments.*?</a> · <button form=\"entry-actions\" formaction=\"[^\"]+/delete/\"", actions
    )
    assert '<form id="entry-actions" method="post" hidden>' in html


def test_every_error_summary_takes_the_focus_when_the_page_opens() -> None:
    """After a form error the summary is where the keyboard and screen reader start, without JavaScript."""
    summaries = [
        (template.relative_to(ROOT), tag)
        for template in sorted(ROOT.glob("*/templates/**/*.html"))
        for tag in re.findall(r'<div class="error-summary"[^>]*>', template.read_text())
    ]
    assert len(summaries) >= 10
    assert [(path, tag) for path, tag in summaries if "autofocus" not in tag or 'tabindex="-1"' not in tag] == []
