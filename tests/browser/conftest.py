"""Browser journeys in Debian's Chromium, with axe-core on every page and byte budgets measured."""

from __future__ import annotations

import datetime
import logging
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, CDPSession, Page

from carecircle.lib.wall_clock import today_in
from tests.servers import running_server

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
FIRST_HTML_BUDGET_BYTES = 14 * 1024
FIRST_VISIT_BUDGET_BYTES = 60 * 1024


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)
            # The server is another process, whose clock CARECIRCLE_TEST_CLOCK can't move: a test that
            # set up its data at the test clock would meet a server at the real one (links "too old",
            # sessions expired). Browser tests run on the real clock, and each takes its dates from it.
            item.add_marker(pytest.mark.real_clock)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: `apt-get install chromium` (.ci/run does it).")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


class PublishErrors(logging.Handler):
    """Keeps the errors carecircle.realtime.events logs in this process."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(self.format(record))


@pytest.fixture(autouse=True)
def _no_lost_live_events() -> Iterator[None]:
    """Fail a journey whose own changes (made in the test, under Playwright's running loop) weren't published.

    Live events the test's services send after commit must reach the server's channel layer, or a
    page waiting for them would only pass by reloading; "Could not publish" used to be logged for
    each one here (async_to_sync refused to run in the loop's thread).
    """
    handler = PublishErrors()
    events_logger = logging.getLogger("carecircle.realtime.events")
    events_logger.addHandler(handler)
    try:
        yield
    finally:
        events_logger.removeHandler(handler)
    assert handler.messages == [], "live events were not published:\n" + "\n".join(handler.messages)


def on_one_circle_day[T](attempt: Callable[[datetime.date], T], zone: str = "Europe/London") -> T:
    """`attempt(today)`, today on the zone's clock; run once more with the new day if it failed as the day changed.

    The server runs on the real clock: a date a test works out before a request (today, "from today")
    no longer matches the page if the circle's midnight passes in between. A failure is only retried
    when the day did change, and only once (no test lasts a day). `attempt` makes its own data (a
    task, a link), so the second run doesn't meet what the first one left.
    """
    day = today_in(zone)
    try:
        return attempt(day)
    except Exception:
        if today_in(zone) == day:
            raise
    return attempt(today_in(zone))


@pytest.fixture
def server(transactional_db: None) -> Iterator[str]:
    """A real ASGI server and task worker on the test database, one per test."""
    with running_server(with_worker=True) as base_url:
        yield base_url


@dataclass
class Transfer:
    """Bytes the browser received, measured through the Chrome DevTools Protocol."""

    documents: list[tuple[str, int]] = field(default_factory=list)
    total: int = 0
    _urls: dict[str, tuple[str, str]] = field(default_factory=dict)

    def attach(self, session: CDPSession) -> None:
        session.send("Network.enable")
        session.on("Network.responseReceived", self._on_response)
        session.on("Network.loadingFinished", self._on_finished)

    def _on_response(self, event: dict[str, Any]) -> None:
        self._urls[event["requestId"]] = (event["type"], event["response"]["url"])

    def _on_finished(self, event: dict[str, Any]) -> None:
        size = int(event["encodedDataLength"])
        self.total += size
        kind, url = self._urls.get(event["requestId"], ("", ""))
        if kind == "Document":
            self.documents.append((url, size))

    def reset(self) -> None:
        self.documents.clear()
        self.total = 0


@dataclass
class Checked:
    """Runs axe on each page a journey visits and keeps the byte figures."""

    page: Page
    transfer: Transfer
    # axe needs timers, which don't run in a page without JavaScript: such pages are checked as a
    # copy of their HTML (scripts removed) in this JavaScript-enabled page.
    axe_page: Page | None = None
    axe: Axe = field(default_factory=Axe)
    visited: list[str] = field(default_factory=list)

    def check(self, label: str) -> None:
        # A click that navigates returns once the navigation starts: read the page only once the
        # new document has loaded, or axe sees the empty document in between.
        self.page.wait_for_load_state("load")
        if self.axe_page is None:
            results = self.axe.run(self.page)
        else:
            html = re.sub(r"<script\b[^>]*>.*?</script>", "", self.page.content(), flags=re.DOTALL)
            self.axe_page.set_content(html)
            results = self.axe.run(self.axe_page)
        assert results.violations_count == 0, f"axe found problems on {label}:\n{results.generate_report()}"
        self.visited.append(label)
        for url, size in self.transfer.documents:
            assert size <= FIRST_HTML_BUDGET_BYTES, (
                f"{url} sent {size} bytes of HTML (budget {FIRST_HTML_BUDGET_BYTES})"
            )

    def close(self) -> None:
        """Close the page's context and the one axe used."""
        self.page.context.close()
        if self.axe_page is not None:
            self.axe_page.context.close()


def make_checked(context: BrowserContext, axe_page: Page | None = None) -> Checked:
    page = context.new_page()
    page.set_default_timeout(15_000)
    transfer = Transfer()
    transfer.attach(context.new_cdp_session(page))
    return Checked(page=page, transfer=transfer, axe_page=axe_page)


def sign_in(context: BrowserContext, server: str, user: Any) -> BrowserContext:
    """The context signed in as the user, through a session cookie, without the sign-in form."""
    from django.conf import settings

    from tests.cast import signed_in_session_key

    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": signed_in_session_key(user), "url": server}
    context.add_cookies([cookie])  # type: ignore[list-item]
    return context


def signed_in_without_javascript(browser: Any, server: str, user: Any) -> Checked:
    """A page with JavaScript off, signed in as the user, whose pages axe checks as copies."""
    context = sign_in(browser.new_context(java_script_enabled=False), server, user)
    return make_checked(context, axe_page=browser.new_context().new_page())


@pytest.fixture
def checked_page(context: BrowserContext) -> Checked:
    return make_checked(context)


@pytest.fixture
def no_js_page(browser: Any) -> Iterator[Checked]:
    context = browser.new_context(java_script_enabled=False)
    axe_context = browser.new_context()
    yield make_checked(context, axe_page=axe_context.new_page())
    axe_context.close()
    context.close()
