"""The page frame (header and footer) holds still while a page arrives, and its links line up.

On a slow network Chromium draws the part of the HTML it has so far; whatever comes later must not
move what is already drawn (docs/architecture/page-weight.md). Where the network cuts the page is
chance, so the throttled page-weight test only sees a shift now and then (CLS 0.003 on the home page
signed out on Slow 3G, once in twelve loads: the footer's "Language:" moved 12 px down when the
first language button arrived). This test makes it certain: it draws every prefix of the page that
ends before a tag, in the header and footer also just after one (a button that has arrived without
its name yet), and inside the footer's language switcher between any two words (the spaces between
two buttons), and checks that each element and each piece of text
already there sits where it sits in the whole page. It does so on a phone and a wide screen, with text at
100 % and 200 %, with JavaScript off, signed out and signed in, in English and Welsh.
"""

from __future__ import annotations

import io
import re
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, Page

from tests.browser.conftest import sign_in
from tests.cast import build_cast, signed_in_session_key

PHONE = {"width": 390, "height": 844}
WIDE_SCREEN = {"width": 1280, "height": 800}
TEXT_200 = "<style>html{font-size:200%!important}</style>"

# Where each element and each piece of text starts, in document order. Text is placed by the first
# box of its first line. An element that draws nothing of its own (no background, border or control,
# or no area yet, like a button whose words haven't arrived) is not something a reader sees move, as
# in Chromium's layout-shift tracking: it is placed as null.
PLACES = """() => {
  const places = [];
  const at = (kind, rect) => places.push([kind, Math.round(rect.x * 10) / 10, Math.round(rect.y * 10) / 10]);
  const draws = (element) => {
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    if (style.visibility !== "visible" || !box.width || !box.height) return false;
    if (/^(IMG|SVG|INPUT|BUTTON|SELECT|TEXTAREA|CANVAS|VIDEO)$/i.test(element.nodeName)) return true;
    return style.backgroundColor !== "rgba(0, 0, 0, 0)" || style.backgroundImage !== "none"
      || ["Top", "Right", "Bottom", "Left"].some((side) => parseFloat(style["border" + side + "Width"]) > 0);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.nodeType === Node.ELEMENT_NODE) {
      const kind = node.nodeName.toLowerCase() + (node.className ? "." + String(node.className).split(" ")[0] : "");
      if (draws(node)) at(kind, node.getBoundingClientRect()); else places.push([kind, null, null]);
    } else if (node.textContent.trim()) {
      const range = document.createRange();
      range.selectNodeContents(node);
      const first = range.getClientRects()[0];
      if (first) at('"' + node.textContent.trim().slice(0, 30) + '"', first);
    }
  }
  return places;
}"""


def cuts(html: str) -> list[int]:
    """The places in the body where the network may end what the browser has so far.

    Before each tag, and in the header and footer just after each tag too (a link or button that
    has arrived without its words, which a cut before a tag never draws). Inside the footer's
    language switcher also between any two words: in the spaces between two buttons, where the
    Slow-3G cut fell, and between a button and the next one's tag. Not inside a word: a name cut off
    is narrower than the whole, and at 200 % text the whole may not fit where the part did (known,
    docs/architecture/page-weight.md).
    """
    body = html.index("<body")
    main, footer = html.index("<main"), html.index("<footer")
    places = {i for i in range(body, len(html)) if html[i] == "<" or (html[i - 1] == ">" and not main < i < footer)}
    start = html.find('class="language-switcher"')
    if start != -1:
        end = html.index("</p>", start)
        in_tag = True  # `start` is inside the switcher's own tag.
        for i in range(start, end):
            in_tag = in_tag or html[i] == "<"
            if not in_tag and (html[i].isspace() or html[i - 1].isspace() or html[i - 1] == ">"):
                places.add(i)
            in_tag = in_tag and html[i] != ">"
    return sorted(places)


def moved(page: Page, html: str) -> list[str]:
    """Every element or text drawn from a prefix of `html` that the rest of the page moves."""
    page.set_content(html)
    final = page.evaluate(PLACES)
    problems: list[str] = []
    seen: set[str] = set()
    for cut in cuts(html):
        page.set_content(html[:cut])
        for drawn, settled in zip(page.evaluate(PLACES), final, strict=False):
            # A text cut off in its words is the start of the whole text.
            assert settled[0].startswith(drawn[0].rstrip('"')), (drawn, settled)
            if drawn[1] is None or settled[1] is None:
                continue
            across, down = settled[1] - drawn[1], settled[2] - drawn[2]
            if (abs(across) > 0.5 or abs(down) > 0.5) and settled[0] not in seen:
                seen.add(settled[0])
                tail = html[max(0, cut - 40) : cut].replace("\n", " ")
                problems.append(
                    f"{drawn[0]} at {drawn[1:]} -> {settled[1:]} ({across:+.1f} px across, {down:+.1f} px down)"
                    f" when the page ends …{tail!r}"
                )
    return problems


def page_html(server: str, path: str, *, cookie: str | None = None, language: str | None = None) -> str:
    request = urllib.request.Request(server + path)
    cookies = []
    if cookie:
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={cookie}")
    if language:
        cookies.append(f"{settings.LANGUAGE_COOKIE_NAME}={language}")
    if cookies:
        request.add_header("Cookie", "; ".join(cookies))
    with urllib.request.urlopen(request) as response:
        html: str = response.read().decode()
    return html


def test_the_frame_holds_still_while_a_page_arrives(server: str, browser: Browser) -> None:
    cast = build_cast()
    organiser = signed_in_session_key(cast.user("organiser"))
    pages: list[tuple[str, str]] = [
        ("signed out", page_html(server, reverse("web:home"))),
        ("signed out, Welsh", page_html(server, reverse("web:home"), language="cy")),
        ("signed out", page_html(server, reverse("accounts:login"))),
        ("signed out", page_html(server, reverse("accounts:signup"))),
        ("organiser", page_html(server, reverse("circles:list"), cookie=organiser)),
        ("organiser", page_html(server, reverse("notifications:list"), cookie=organiser)),
    ]
    assert 'lang="cy"' in pages[1][1]
    problems: list[str] = []
    for viewport in (PHONE, WIDE_SCREEN):
        context = browser.new_context(viewport=viewport, java_script_enabled=False)  # type: ignore[arg-type]
        page = context.new_page()
        try:
            for who, html in pages:
                title = re.findall(r"<title>(.*?)</title>", html)[0]
                for text, styled in (("100 %", html), ("200 %", html.replace("</head>", TEXT_200 + "</head>", 1))):
                    where = f"{title} ({who}) at {viewport['width']} px, text {text}"
                    problems.extend(f"{where}: {problem}" for problem in moved(page, styled))
        finally:
            context.close()
    assert not problems, "Moved by what arrived later:\n" + "\n".join(problems)


# Every layout shift Chromium records, with what moved: installed before the page's first byte.
RECORD_SHIFTS = """new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) for (const source of entry.sources) {
    const node = source.node;
    (window.shifts = window.shifts || []).push((node ? (node.nodeType === 3 ? JSON.stringify(node.textContent)
      : node.nodeName) : "?") + " " + Math.round(source.previousRect.y) + " -> " + Math.round(source.currentRect.y));
  }
}).observe({type: "layout-shift", buffered: true});"""


@contextmanager
def served_in_two_parts(body: bytes) -> Iterator[str]:
    """A server that sends `body` up to byte `?cut=N`, pauses (Chromium draws what it has), then the rest."""

    class TwoParts(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            cut = int(self.path.split("cut=")[1])
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body[:cut])
            self.wfile.flush()
            time.sleep(0.25)
            self.wfile.write(body[cut:])

    server = ThreadingHTTPServer(("127.0.0.1", 0), TwoParts)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_the_language_switcher_holds_still_while_chromium_parses_it(server: str, browser: Browser) -> None:
    """Drawn from a page the parser has only partly read, not from a finished prefix as above.

    The one-off Slow-3G shift on the start page (CLS 0.006, "16,804 -> 16,817, 358 x 18") was the
    line break between two of the switcher's items: at the end of what had arrived it lay at the top
    of the line, and once the next item came it became a space on the 44 px line, 13 px lower.
    A whitespace-only text node has no box `PLACES` can measure, so this draws the real thing: the
    page is sent in two parts, cut at every character of the switcher, and any recorded shift fails.
    """
    body = page_html(server, reverse("web:home")).encode()
    start = body.index(b'<form method="post" action="' + reverse("web:language").encode())
    end = body.index(b"</form>", start) + len(b"</form>")
    problems, places = shifts_while_parsing(browser, body, start, end)
    assert not problems, f"{len(problems)} of {places} cuts moved something:\n" + "\n".join(problems[:10])


def shifts_while_parsing(
    browser: Browser, body: bytes, start: int, end: int, *, in_words: bool = True
) -> tuple[list[str], int]:
    """Every layout shift Chromium records when `body` arrives in two parts, cut between `start` and `end`.

    `in_words=False` leaves out cuts inside a word: a long word cut off fits where the whole word
    does not, so it moves to the next line when the rest comes (known, page-weight.md).
    """
    # Every cut between tags or in text, where a node can end; inside a tag nothing new is drawn
    # until it closes, so a few cuts there are enough (each cut is a page load: this keeps it short).
    places = []
    in_tag = False
    for i in range(start, end):
        here, before = body[i : i + 1], body[i - 1 : i]
        inside_word = not here.isspace() and not before.isspace() and here != b"<" and before != b">"
        if (not in_tag and (in_words or not inside_word)) or (in_tag and i % 16 == 0):
            places.append(i)
        in_tag = (in_tag or body[i : i + 1] == b"<") and body[i : i + 1] != b">"
    problems: list[str] = []
    context = browser.new_context(viewport=PHONE)  # type: ignore[arg-type]
    context.add_init_script(RECORD_SHIFTS)
    page = context.new_page()
    try:
        with served_in_two_parts(body) as address:
            for cut in places:
                page.goto(f"{address}?cut={cut}", wait_until="load")
                page.wait_for_timeout(50)
                shifts = page.evaluate("window.shifts || []")
                if shifts:
                    problems.append(f"ends …{body[max(0, cut - 30) : cut]!r}: {'; '.join(shifts)}")
    finally:
        context.close()
    return problems, len(places)


def test_the_account_pages_email_line_holds_still_while_chromium_parses_it(server: str, browser: Browser) -> None:
    """The one-off Slow-4G shift on /account/ (CLS 0.012, a text node "16,634 358x20 -> 16,662").

    Cut at every character of the "Email address:" line on a 390 px phone, the space between the
    address and its "Change" link moved 28 px (634 -> 662) whenever it was the last thing read: the
    address fills the line, and once the link came the space went to the next line with it. The
    space is now inside the address's `strong` (docs/architecture/page-weight.md). The address is
    unconfirmed, as in the page-weight test; a confirmed one's tag is known to move (page-weight.md).
    """
    cast = build_cast()
    organiser = cast.user("organiser")
    body = page_html(server, reverse("accounts:profile"), cookie=signed_in_session_key(organiser)).encode()
    start = body.index(b"<p>Email address:")
    assert b'class="tag"' not in body[start : start + 300]
    end = body.index(b"</p>", start) + 4
    problems, places = shifts_while_parsing(browser, body, start, end, in_words=False)
    assert not problems, f"{len(problems)} of {places} cuts moved something:\n" + "\n".join(problems[:10])


# The text of each header link, measured by the box of its words (the same font, so the same
# distance from box bottom to baseline) from the top of its list item: a link and the "Sign out"
# button must share a baseline.
LINK_WORDS = """() => [...document.querySelectorAll(".nav-list li")].map((item) => {
  const control = item.querySelector("a, button");
  const walker = document.createTreeWalker(control, NodeFilter.SHOW_TEXT);
  let words = walker.nextNode();
  while (words && !words.textContent.trim()) words = walker.nextNode();
  const range = document.createRange();
  range.setStart(words, words.textContent.indexOf(words.textContent.trim()));
  range.setEnd(words, words.textContent.indexOf(words.textContent.trim()) + words.textContent.trim().length);
  const box = range.getBoundingClientRect();
  return {name: words.textContent.trim(), bottom: box.bottom, top: box.top, right: box.right,
          row: item.getBoundingClientRect().top,
          badge: control.querySelector(".badge") ? control.querySelector(".badge").getBoundingClientRect().left : null};
})"""


@pytest.mark.parametrize("viewport", [PHONE, WIDE_SCREEN], ids=["phone", "wide"])
def test_the_header_links_line_up_and_underline_only_their_words(
    server: str, browser: Browser, viewport: dict[str, int]
) -> None:
    cast = build_cast()
    context = sign_in(browser.new_context(viewport=viewport), server, cast.user("organiser"))  # type: ignore[arg-type]
    page = context.new_page()
    try:
        page.goto(server + reverse("circles:list"))
        links: list[dict[str, Any]] = page.evaluate(LINK_WORDS)
        assert [link["name"] for link in links] == ["Your circles", "Notifications", "Your account", "Sign out"]
        # On a phone "Sign out" may start a second row: each item's words are measured from its row.
        bottoms = {link["name"]: round(link["bottom"] - link["row"], 1) for link in links}
        assert max(bottoms.values()) - min(bottoms.values()) <= 0.5, f"baselines differ: {bottoms}"

        # Between "Notifications" and its count there is a space: no underline under it. The
        # underline is white on the blue header, so the gap must hold no light pixel.
        notifications = links[1]
        left, right = notifications["right"] + 1, notifications["badge"] - 1
        assert right - left >= 2, notifications
        shot = page.screenshot(
            clip={
                "x": left,
                "y": notifications["top"],
                "width": right - left,
                "height": notifications["bottom"] - notifications["top"] + 4,
            }
        )
        image = Image.open(io.BytesIO(shot)).convert("RGB")
        # Brightness above 160 of 255: the white underline, not the blue header (brightness 76).
        light = [level for level in image.convert("L").tobytes() if level > 160]
        assert not light, f"{len(light)} light pixels between 'Notifications' and its count: an underline"
    finally:
        context.close()


def test_main_holds_still_while_its_first_heading_arrives(server: str, browser: Browser) -> None:
    """A signed-in page cut just after the empty outbox status line, before its heading has come.

    `<main>` starts with the status line that outbox.js fills (empty until then). With only that
    line read, the heading's top margin had nothing to collapse through, so `<main>` sat 8 px higher
    and moved down when the heading arrived (157 -> 165, page-weight.md). `<main>` now holds its
    children's margins inside it (`display: flow-root`), so it sits where it will stay.
    """
    cast = build_cast()
    organiser = cast.user("organiser")
    path = reverse("circles:members", kwargs={"circle_id": cast.circle.pk})
    body = page_html(server, path, cookie=signed_in_session_key(organiser)).encode()
    start = body.index(b"<main")
    end = body.index(b"</h1>", start) + len(b"</h1>")
    assert b"data-outbox-status" in body[start:end]
    problems, places = shifts_while_parsing(browser, body, start, end, in_words=False)
    assert not problems, f"{len(problems)} of {places} cuts moved something:\n" + "\n".join(problems[:10])


def test_the_account_pages_confirmed_tag_holds_still_while_its_change_link_arrives(
    server: str, browser: Browser
) -> None:
    """A confirmed address's line, cut at every place between its tags and words on a 390 px phone.

    The "Confirmed" tag moved in 5 of 34 cuts when the "Change" link after it arrived (page-weight.md).
    """
    cast = build_cast()
    organiser = cast.user("organiser")
    type(organiser).objects.filter(pk=organiser.pk).update(email_verified_at=timezone.now())
    body = page_html(server, reverse("accounts:profile"), cookie=signed_in_session_key(organiser)).encode()
    start = body.index(b"<p>Email address:")
    end = body.index(b"</p>", start) + 4
    assert b'class="tag"' in body[start:end]
    problems, places = shifts_while_parsing(browser, body, start, end, in_words=False)
    assert not problems, f"{len(problems)} of {places} cuts moved something:\n" + "\n".join(problems[:10])


@pytest.mark.parametrize("language", ["en", "pl"])
def test_the_signed_in_header_holds_still_while_chromium_parses_it(
    server: str, browser: Browser, language: str
) -> None:
    """The Slow-3G shift on the record's one-page summary (CLS 0.002 in CI, twice, 2026-12-07).

    Chromium 156 drew the space between "Notifications" and its count, while it was the last thing
    read, at the top of the link's padded box (57) and then, once the count arrived, on its line
    (68). The count now keeps its distance with a margin, with no space between them. And on a
    phone "Your" of "Your account" fitted beside "Notifications" and wrapped once "account" came:
    the phone's navigation is now a grid whose columns come from the screen, not from the words.
    Cut at every place between words and tags of the header, in English and in Polish (the longest
    words), on a 390 px phone, nothing drawn moves (docs/architecture/page-weight.md).
    """
    cast = build_cast()
    organiser = cast.user("organiser")
    body = page_html(
        server,
        reverse("circles:home", args=[cast.circle.pk]),
        cookie=signed_in_session_key(organiser),
        language=language,
    ).encode()
    start = body.index(b"<header")
    end = body.index(b"</header>", start) + len(b"</header>")
    # Only the header is sent: the rest of the page, parsed in slices after the cut, could shift
    # on its own and be blamed on the header's cut.
    problems, places = shifts_while_parsing(browser, body[:end] + b"</body></html>", start, end, in_words=False)
    assert not problems, f"{len(problems)} of {places} cuts moved something:\n" + "\n".join(problems[:10])
