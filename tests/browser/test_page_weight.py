"""Every main page, signed in as each role, on a slow phone (BUDGETS.md, "Pages and network").

Chromium is throttled through the Chrome DevTools Protocol: "Slow 4G" (150 ms round trip, 1.6 Mbps
down, 750 kbps up) with the CPU slowed 4x, and "Slow 3G" (2 s round trip, 400 kbps). For each page
the test records the Largest Contentful Paint and the Cumulative Layout Shift (PerformanceObserver,
in the page), the compressed bytes of the first HTML response, every byte a first visit with an
empty cache downloads, and every byte a second visit downloads, the service worker's own fetch of
the page included (it must be conditional, so an unchanged page comes back as a 304). Any request
to another origin, from the page or its worker, fails the test. The table of every page and role is
printed and written to var/page-weight.md.

Slow 3G is measured on the organiser's first pages and the signed-out home page: a 2-second round
trip per request makes every role on it too slow for one test run, and a page's weight does not
depend on who else could see it. Every budget fails the test. The LCP is split into the server's
wait and the page's own part (what it sends and what the phone does with it); the page's own part
must fit, on the best of up to three loads, and the network model of its HTML must fit on any
machine (docs/architecture/page-weight.md, "The LCP").
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, Request, Response

from carecircle.circles.access import access_circle
from carecircle.conversations.selectors import conversation_access_for
from carecircle.conversations.services import family_conversation, message_post
from tests.cast import Cast, build_cast, signed_in_session_key
from tests.records.conftest import add_entry
from tests.servers import BIN, running_server, server_environment
from tests.tasks.conftest import make_task

ROOT = Path(__file__).resolve().parents[2]
KB = 1024
FIRST_HTML_BUDGET = 14 * KB
FIRST_VISIT_BUDGET = 60 * KB
REPEAT_VISIT_BUDGET = 5 * KB
CLS_BUDGET = 0.0
# Loads of a page over its LCP budget before it fails: the first, then fresh contexts.
LCP_TRIES = 3
# What a quiet server takes to answer one of these pages (0-60 ms measured, 2026-12-06), kept out of
# the page's own part of the LCP budget.
SERVER_ALLOWANCE_S = 0.1
# What the phone takes to parse and draw a page at 4x CPU on a quiet machine (0.15-0.3 s measured).
DRAW_ALLOWANCE_S = 0.3
PHONE = {"width": 390, "height": 844}
WIDE_SCREEN = {"width": 1280, "height": 800}


@dataclass(frozen=True)
class Profile:
    name: str
    latency_ms: float
    down_bits: int
    up_bits: int
    cpu_slowdown: float
    lcp_budget_s: float


SLOW_4G = Profile("Slow 4G, 4x CPU", 150, 1_600_000, 750_000, 4, 1.0)
SLOW_3G = Profile("Slow 3G", 2000, 400_000, 400_000, 1, 3.0)

# Run in the page: the LCP and the sum of layout shifts not caused by input, from buffered entries.
MEASURE = """() => new Promise((resolve) => {
  const name = (node) => {
    if (!node) return "?";
    const id = node.id ? "#" + node.id : "";
    const kind = node.className ? "." + String(node.className).split(" ")[0] : "";
    // A text node says what it reads, so a shift can be traced to the words that moved.
    const words = node.nodeType === 3 ? ' "' + node.textContent.trim().slice(0, 24) + '"' : "";
    return node.nodeName.toLowerCase() + id + kind + words;
  };
  let lcp = 0, cls = 0, largest = "", shifted = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.startTime >= lcp) { lcp = entry.startTime; largest = name(entry.element); }
    }
  }).observe({type: "largest-contentful-paint", buffered: true});
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) {
      cls += entry.value;
      // A node removed since (a live region refreshed) has no name: its rectangles still tell where.
      const box = (r) => `${Math.round(r.x)},${Math.round(r.y)} ${Math.round(r.width)}x${Math.round(r.height)}`;
      const at = ` at ${Math.round(entry.startTime)} ms`;
      shifted.push(...entry.sources.map((source) =>
        `${name(source.node)} ${box(source.previousRect)}->${box(source.currentRect)}${at}`));
    }
  }).observe({type: "layout-shift", buffered: true});
  // Where the time went, from the navigation's own timing (ms from its start): a service worker
  // starting, the request's round trip and the server, the HTML's transfer, parsing; and what blocked
  // the first render (a stylesheet or a script in <head> fetched before anything is drawn).
  const nav = performance.getEntriesByType("navigation")[0];
  const at = (value) => Math.round(value || 0);
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const blocking = performance.getEntriesByType("resource")
    .filter((entry) => entry.renderBlockingStatus === "blocking").map((entry) => entry.name);
  let busy = 0;
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.startTime < lcp) busy += entry.duration;
    }).observe({type: "longtask", buffered: true});
  } catch (error) { busy = -1; }
  const done = () => resolve({
    lcp: lcp / 1000, cls, largest, shifted: shifted.join(", "),
    worker: nav.workerStart ? at(nav.requestStart - nav.workerStart) : 0,
    request: at(nav.requestStart), answer: at(nav.responseStart), html: at(nav.responseEnd),
    parsed: at(nav.domInteractive), fcp: at(paint && paint.startTime), busy: at(busy), blocking,
  });
  requestAnimationFrame(() => setTimeout(done, 50));
})"""


@dataclass(frozen=True)
class Timing:
    """One navigation's timeline in ms from its start (Navigation Timing, paint and long tasks)."""

    worker_ms: int  # a service worker starting before the request could go (0: none in the way)
    request_ms: int  # the request sent
    answer_ms: int  # the first byte back: one round trip of the profile plus the server's time
    html_ms: int  # the last byte of the HTML
    parsed_ms: int  # the HTML parsed (domInteractive)
    fcp_ms: int  # first contentful paint
    busy_ms: int  # long tasks on the main thread before the LCP (-1: not reported)

    def server_ms(self, profile: Profile) -> int:
        return max(0, self.answer_ms - self.request_ms - round(profile.latency_ms))

    def brief(self, profile: Profile) -> str:
        worker = f"worker {self.worker_ms}, " if self.worker_ms else ""
        return (
            f"{worker}request {self.request_ms}, server {self.server_ms(profile)}, first byte {self.answer_ms}, "
            f"HTML in {self.html_ms}, parsed {self.parsed_ms}, FCP {self.fcp_ms}, long tasks {self.busy_ms} ms"
        )


@dataclass(frozen=True)
class Measured:
    lcp_s: float
    cls: float
    html: int
    bytes: int
    largest: str
    shifted: str
    timing: Timing
    blocking: list[str]
    refused: bool = False  # the role may not see the page: its 403 page was measured

    def own_s(self, profile: Profile) -> float:
        """The LCP less the server's time: what the page's bytes and the phone's work take."""
        return self.lcp_s - self.timing.server_ms(profile) / 1000

    def explained(self, profile: Profile) -> str:
        return f"largest: {self.largest}; shifted: {self.shifted}; {self.timing.brief(profile)}"


def network_model_s(profile: Profile, html_bytes: int) -> float:
    """The HTML's round trip and transfer on the profile's network: what the page's size decides."""
    return profile.latency_ms / 1000 + html_bytes * 8 / profile.down_bits


@dataclass(frozen=True)
class Repeat:
    """A page opened again in the same context: every byte, and how its HTML came."""

    bytes: int
    html: int  # the HTML's bytes on the wire, whoever fetched it
    by_worker: bool  # the service worker fetched the page (its fetch counted here)
    conditional: bool  # the HTML request asked "has it changed?" (If-None-Match)

    def brief(self) -> str:
        how = ("worker" if self.by_worker else "page") + (", conditional" if self.conditional else "")
        return f"{self.bytes:,} ({self.html:,} HTML, {how})"


@dataclass
class Row:
    path: str
    role: str
    profile: Profile
    first: Measured
    best: Measured
    loads: int
    repeat_visit: Repeat | None


class Meter:
    """One browser context with an empty cache, throttled, counting bytes and foreign requests."""

    def __init__(
        self,
        browser: Browser,
        base_url: str,
        profile: Profile,
        cookie: dict[str, str] | None,
        viewport: dict[str, int] = PHONE,
    ) -> None:
        self.base_url = base_url
        self.cookie = cookie
        self.context: BrowserContext = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        if cookie is not None:
            self.context.add_cookies([cookie])  # type: ignore[list-item]
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.foreign: list[str] = []
        # The context's requests include the service worker's own (Playwright reports them in Chromium).
        self.context.on("request", self._on_request)
        self.worker_requests: list[Request] = []
        self.navigation: Response | None = None
        self.bytes = 0
        self.documents: list[int] = []
        self._kinds: dict[str, str] = {}
        session = self.context.new_cdp_session(self.page)
        session.send("Network.enable")
        # Throttling and byte counting apply to this page's own requests. Once the service worker
        # (offline.js) controls the page, a navigation is fetched by the worker instead, outside both:
        # every page after a context's first measured 0 HTML bytes and an unthrottled LCP (Slow 3G
        # 0.19 s on 2 s round trips). Bypassing the worker sends each page through the throttled,
        # counted network, as a phone's first visit does (docs/architecture/page-weight.md). The repeat
        # visit is measured with the worker in control, as a phone has it then, and the worker's own
        # requests are counted too (`repeat`), the page's HTML among them.
        self.session = session
        self.bypass(True)
        session.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": profile.latency_ms,
                "downloadThroughput": profile.down_bits / 8,
                "uploadThroughput": profile.up_bits / 8,
            },
        )
        session.send("Emulation.setCPUThrottlingRate", {"rate": profile.cpu_slowdown})
        session.on("Network.responseReceived", self._on_response)
        session.on("Network.loadingFinished", self._on_finished)

    def bypass(self, on: bool) -> None:
        self.session.send("Network.setBypassServiceWorker", {"bypass": on})

    def _on_request(self, request: Request) -> None:
        if not request.url.startswith((self.base_url + "/", "data:")):
            self.foreign.append(request.url)
        if request.service_worker is not None:
            self.worker_requests.append(request)

    def _on_response(self, event: dict[str, Any]) -> None:
        self._kinds[event["requestId"]] = event["type"]

    def _on_finished(self, event: dict[str, Any]) -> None:
        size = int(event["encodedDataLength"])
        self.bytes += size
        if self._kinds.get(event["requestId"]) == "Document":
            self.documents.append(size)

    def visit(self, path: str, *, again: bool = False) -> Measured:
        """Open the page and wait until it has loaded; its LCP, CLS, HTML bytes, all bytes and timings."""
        self.bytes = 0
        self.documents.clear()
        self.worker_requests.clear()
        response = self.page.goto(self.base_url + path, wait_until="load")
        # A page a role may not see answers 403 with its own page: that page is measured too. Opened
        # again, the browser's copy may be confirmed by a 304.
        assert response is not None, path
        assert response.status in ((200, 403, 304) if again else (200, 403)), f"{path}: {response.status}"
        self.navigation = response
        # Let the network go quiet so late requests (scripts' fetches) are counted.
        self.page.wait_for_load_state("networkidle")
        found = self.page.evaluate(MEASURE)
        html = self.documents[-1] if self.documents else 0
        return Measured(
            lcp_s=float(found["lcp"]),
            cls=float(found["cls"]),
            html=html,
            bytes=self.bytes,
            largest=found["largest"],
            shifted=found["shifted"] or "nothing",
            timing=Timing(
                worker_ms=found["worker"],
                request_ms=found["request"],
                answer_ms=found["answer"],
                html_ms=found["html"],
                parsed_ms=found["parsed"],
                fcp_ms=found["fcp"],
                busy_ms=found["busy"],
            ),
            blocking=list(found["blocking"]),
            refused=response.status == 403,
        )

    def repeat(self, path: str) -> Repeat:
        """Open the page again with the service worker in control, counting the worker's fetches too.

        The page's DevTools session sees a page the worker answered as 0 bytes; the worker's fetch of
        it (and of anything else) went over the network and is added here, headers included.
        """
        self.bypass(False)
        try:
            seen = self.visit(path, again=True)
        finally:
            self.bypass(True)
        url = self.base_url + path
        fetched = [request for request in self.worker_requests if request.url == url]
        worker = sum(_wire_bytes(request) for request in self.worker_requests)
        if fetched:
            asked = fetched[-1]
            html, conditional = _wire_bytes(asked), "if-none-match" in asked.all_headers()
        else:
            assert self.navigation is not None
            html = self.documents[-1] if self.documents else 0
            conditional = "if-none-match" in self.navigation.request.all_headers()
        return Repeat(bytes=seen.bytes + worker, html=html, by_worker=bool(fetched), conditional=conditional)

    def close(self) -> None:
        self.context.close()


def _wire_bytes(request: Request) -> int:
    """A finished request's response on the wire: headers and (encoded) body."""
    sizes = request.sizes()
    return max(0, sizes["responseHeadersSize"]) + max(0, sizes["responseBodySize"])


def seed(cast: Cast) -> None:
    """Something on every page: medicines, messages, tasks that need help."""
    for name in ["Metformin 500 mg twice a day", "Amlodipine 5 mg each morning"]:
        add_entry(actor=cast.organiser, circle=cast.circle, section="medications", name=name)
    family = conversation_access_for(
        access_circle(user=cast.organiser, circle_id=cast.circle.pk), family_conversation(circle=cast.circle)
    )
    for text in ["Dad slept well.", "Physio is on Thursday at 10.", "I'll bring the shopping round."]:
        message_post(actor=cast.organiser, where=family, body=text)
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the surgery")


def circle_pages(cast: Cast) -> list[str]:
    circle = {"circle_id": cast.circle.pk}
    return [
        reverse("circles:home", kwargs=circle),
        reverse("records:essentials", kwargs=circle),
        reverse("conversations:family", kwargs=circle),
        reverse("tasks:agenda", kwargs=circle),
        reverse("tasks:needs_help", kwargs=circle),
        reverse("circles:members", kwargs=circle),
    ]


ACCOUNT_PAGES = (
    "circles:list",
    "notifications:list",
    "accounts:profile",
    "notifications:preferences",
    "notifications:preferences_when",
    "notifications:preferences_push",
    "notifications:preferences_kinds",
)
PUBLIC_PAGES = ("web:home", "accounts:login", "accounts:signup")
ROLES = ("organiser", "helper", "well_wisher")


def table(rows: list[Row]) -> str:
    """Every page: its LCP (and the best of the loads when it was measured again) with where the time went."""
    lines = [
        "| Page | Role | Profile | LCP s (best of loads) | its own s | network model s | server ms | HTML in ms "
        "| FCP ms | long tasks ms "
        "| CLS | First HTML B | First visit B | Repeat visit B (its HTML, fetched by) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        repeat = "—" if row.repeat_visit is None else row.repeat_visit.brief()
        first, best, timing = row.first, row.best, row.first.timing
        lcp = f"{first.lcp_s:.2f}" if row.loads == 1 else f"{first.lcp_s:.2f} ({best.lcp_s:.2f} of {row.loads})"
        lines.append(
            f"| {row.path} | {row.role} | {row.profile.name} | {lcp} | {best.own_s(row.profile):.2f} "
            f"| {network_model_s(row.profile, first.html):.2f} | {timing.server_ms(row.profile)} "
            f"| {timing.html_ms} | {timing.fcp_ms} | {timing.busy_ms} | {first.cls:.3f} | {first.html:,} "
            f"| {first.bytes:,} | {repeat} |"
        )
    return "\n".join(lines)


def warm(server: str, paths: list[str], cookie: dict[str, str] | None) -> None:
    """Ask for each page once, unthrottled, and read it whole (any status: a 403 page is rendered too)."""
    headers = {} if cookie is None else {"Cookie": f"{cookie['name']}={cookie['value']}"}
    for path in paths:
        try:
            with urllib.request.urlopen(urllib.request.Request(server + path, headers=headers), timeout=60) as answer:
                answer.read()
        except urllib.error.HTTPError as refused:
            refused.read()


@pytest.fixture
def production_static_server(transactional_db: None, tmp_path: Path) -> Iterator[str]:
    """The app server sending static files as production does: hashed names, immutable, brotli/gzip."""
    env = {"STATIC_HASHED": "true", "STATIC_ROOT": str(tmp_path / "static")}
    subprocess.run(
        [str(BIN / "carecircle"), "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=ROOT,
        env=server_environment(env),
        check=True,
    )
    with running_server(env=env) as base_url:
        yield base_url


def test_every_page_meets_the_budgets_on_a_slow_phone(production_static_server: str, browser: Browser) -> None:
    server = production_static_server
    # The harness launches Debian's chromium, never a downloaded build.
    assert browser.browser_type.name == "chromium"
    assert shutil.which("chromium") is not None
    started = time.monotonic()
    cast = build_cast()
    seed(cast)
    rows: list[Row] = []
    problems: list[str] = []
    remeasured: list[str] = []
    refusals: list[str] = []

    def cookie_for(role: str) -> dict[str, str]:
        key = signed_in_session_key(cast.user(role))
        return {"name": settings.SESSION_COOKIE_NAME, "value": key, "url": server}

    def measure_fresh(path: str, profile: Profile, cookie: dict[str, str] | None) -> Measured:
        """The page once more in a new context with an empty cache, as a first visit."""
        recheck = Meter(browser, server, profile, cookie)
        try:
            return recheck.visit(path)
        finally:
            recheck.close()

    def measure(role: str, paths: list[str], profile: Profile, *, repeat: bool) -> None:
        meter = Meter(browser, server, profile, None if role == "signed out" else cookie_for(role))
        try:
            for path in paths:
                first = meter.visit(path)
                again = meter.repeat(path) if repeat else None
                where = f"{path} as {role} on {profile.name}"
                # What the page controls, on any machine: nothing may hold up the first render (a
                # stylesheet or a script in <head> costs a round trip, 150 ms on Slow 4G, 2 s on Slow 3G).
                if first.blocking:
                    problems.append(f"{where}: render-blocking {', '.join(first.blocking)}")
                # The LCP adds the machine's time to the page's. Under a 4x CPU slowdown on two cores
                # shared by a whole team (load average 13-15), the one-process test server kept the
                # same page waiting 0 to 1,758 ms, against 0-60 ms quiet. The page's own part, what it
                # sends and what the phone does with it, is the LCP less that wait: it must fit the
                # budget with SERVER_ALLOWANCE_S left for a quiet server (a page's server work is held
                # by tests/test_query_counts.py and bench/). A page over it is loaded again in a fresh
                # context, up to LCP_TRIES in all, and fails if every load is over: a page slow by
                # itself is slow every time (docs/architecture/page-weight.md).
                own_budget = profile.lcp_budget_s - SERVER_ALLOWANCE_S
                tries = [first]
                while min(t.own_s(profile) for t in tries) > own_budget and len(tries) < LCP_TRIES:
                    tries.append(measure_fresh(path, profile, meter.cookie))
                best = min(tries, key=lambda t: t.own_s(profile))
                if best.own_s(profile) > own_budget:
                    problems.append(
                        f"{where}: LCP less the server's wait "
                        f"{', '.join(f'{t.own_s(profile):.2f}' for t in tries)} s in {len(tries)} loads "
                        f"(budget {own_budget:.2f} s; best: LCP {best.lcp_s:.2f} s, {best.explained(profile)})"
                    )
                elif len(tries) > 1:
                    remeasured.append(
                        f"{where}: LCP {first.lcp_s:.2f} s ({first.own_s(profile):.2f} s its own), best of "
                        f"{len(tries)} {best.lcp_s:.2f} s ({best.own_s(profile):.2f} s its own; first: "
                        f"{first.timing.brief(profile)}; best: {best.timing.brief(profile)})"
                    )
                # The network's part, from the profile and the page's size alone, the same on any
                # machine: one round trip and the HTML's transfer, with a quiet server's and a phone's
                # time to draw it still to fit. The largest paint needs nothing else (no blocking file
                # above; its element is text in the HTML on every page, the table's LCP = FCP).
                modelled = network_model_s(profile, first.html)
                if modelled + SERVER_ALLOWANCE_S + DRAW_ALLOWANCE_S > profile.lcp_budget_s:
                    problems.append(
                        f"{where}: the network alone takes {modelled:.2f} s for {first.html:,} B "
                        f"(at most {profile.lcp_budget_s - SERVER_ALLOWANCE_S - DRAW_ALLOWANCE_S:.2f} s)"
                    )
                rows.append(Row(path, role, profile, first, best, len(tries), again))
                cls, explained = first.cls, first.explained(profile)
                # Compared at the precision Lighthouse and the table report (three decimals).
                if round(cls, 3) > CLS_BUDGET and role == "signed out" and profile is SLOW_3G:
                    # The start page's one-off Slow-3G shift had a cause, found and fixed (a
                    # whitespace node in the language switcher, docs/architecture/page-weight.md):
                    # no second chance here, any shift fails.
                    problems.append(f"{where}: CLS {cls:.3f} ({explained}); budget 0")
                elif round(cls, 3) > CLS_BUDGET:
                    # CI once saw 0.003 on a page that measured 0 in every other run, its shifted node
                    # already gone from the page. A shift built into a page (an image without a size,
                    # text put in above content) happens on every load: measure once more with an
                    # empty cache and fail only if it happens again; both figures are reported.
                    recheck = measure_fresh(path, profile, meter.cookie)
                    if round(recheck.cls, 3) > CLS_BUDGET:
                        problems.append(
                            f"{where}: CLS {cls:.3f} ({explained}), again {recheck.cls:.3f} "
                            f"({recheck.explained(profile)}); budget 0"
                        )
                    else:
                        remeasured.append(f"{where}: CLS {cls:.3f} once, 0 when measured again ({explained})")
                if first.html > FIRST_HTML_BUDGET:
                    problems.append(f"{where}: first HTML {first.html} B (budget {FIRST_HTML_BUDGET})")
                if first.bytes > FIRST_VISIT_BUDGET:
                    problems.append(f"{where}: first visit {first.bytes} B (budget {FIRST_VISIT_BUDGET})")
                # The repeat visit counts the page's HTML however it came (the worker's fetch included),
                # and an unchanged page must be asked for conditionally, so it can come back as a 304.
                # A refusal (403) is sent whole every time: a 304 may only stand for a 2xx (RFC 9110
                # 13.2.1), so it has no ETag; it is listed under the table and held to the budget
                # too (the error page fetches nothing live, web/error.html).
                if again is not None and first.refused:
                    refusals.append(f"{where}: repeat visit {again.brief()} B")
                if again is not None and again.bytes > REPEAT_VISIT_BUDGET:
                    problems.append(f"{where}: repeat visit {again.brief()} B (budget {REPEAT_VISIT_BUDGET})")
                if again is not None and not first.refused and not (again.html and again.conditional):
                    problems.append(f"{where}: repeat visit's HTML not counted or not conditional: {again.brief()}")
            problems.extend(f"third-party request as {role}: {url}" for url in meter.foreign)
        finally:
            meter.close()

    circle = circle_pages(cast)
    account = [reverse(name) for name in ACCOUNT_PAGES]
    public = [reverse(name) for name in PUBLIC_PAGES]
    # A server just started compiles each template and opens its connections on the first request
    # for it (1.9 s for the circle home under load, 2026-12-06): every page is asked for once, as each
    # role, before anything is measured, so the LCP is a running server's, as a phone meets it.
    for role in (*ROLES, "outsider", "signed out"):
        cookie = None if role == "signed out" else cookie_for(role)
        warm(server, circle + account + public, cookie)
    for role in ROLES:
        measure(role, circle + (account if role == "organiser" else []), SLOW_4G, repeat=True)
    measure("outsider", account, SLOW_4G, repeat=True)
    measure("signed out", public, SLOW_4G, repeat=True)
    measure("organiser", circle[:3] + account[:1], SLOW_3G, repeat=False)
    measure("signed out", public[:1], SLOW_3G, repeat=False)

    report = table(rows)
    notes = "\n".join(f"- {line}" for line in remeasured) or "- none"
    refused = "\n".join(f"- {line}" for line in refusals) or "- none"
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    elapsed = time.monotonic() - started
    (ROOT / "var").mkdir(exist_ok=True)
    (ROOT / "var" / "page-weight.md").write_text(
        f"# Page weight on a slow phone\n\n`make test-browser PYTEST_ARGS=tests/browser/test_page_weight.py`"
        f" ({len(rows)} measurements in {elapsed:.0f} s, load average {load})\n\n{report}\n\n"
        f"Measured again (over budget once, within it on a later load):\n\n{notes}\n\n"
        f"Refusals (403), sent whole on every visit:\n\n{refused}\n"
    )
    sys.stdout.write(f"\n{report}\n\nMeasured again:\n{notes}\n\nRefusals (403), sent whole:\n{refused}\n")
    assert not problems, "Pages over budget:\n" + "\n".join(problems)


def test_the_signed_in_header_holds_still_on_a_wide_screen(production_static_server: str, browser: Browser) -> None:
    """At 1280 px the header's links sit beside the name: none may move while the page arrives or after.

    The phone test above can't see it: below 40rem the signed-in navigation has a row of its own.
    Every shift is listed with what moved; no recheck, because the cause is built into the page.
    """
    server = production_static_server
    cast = build_cast()
    seed(cast)
    problems: list[str] = []
    # Every account page, the push page included: its controls hold their place from the first paint
    # (it shifted the footer by 0.001 at 1280 px while push.js swapped its no-script line for them).
    pages = circle_pages(cast) + [reverse(name) for name in ACCOUNT_PAGES]
    for role in ("organiser", "helper"):
        cookie = {"name": settings.SESSION_COOKIE_NAME, "value": signed_in_session_key(cast.user(role)), "url": server}
        meter = Meter(browser, server, SLOW_4G, cookie, WIDE_SCREEN)
        try:
            for path in pages:
                found = meter.visit(path)
                if round(found.cls, 3) > CLS_BUDGET:
                    problems.append(f"{path} as {role}: CLS {found.cls:.3f} ({found.explained(SLOW_4G)})")
        finally:
            meter.close()
    assert not problems, "Shifts at 1280 px:\n" + "\n".join(problems)
