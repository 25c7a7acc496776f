"""Smoke test through the proxy (run by deploy/up.sh): sign in, volunteer, a live event on both processes.

Talks to nginx only (PROXY_URL). Builds its data with the services on the same database as the app
processes, then: signs in through the sign-in form, opens one WebSocket per person (nginx's
least_conn puts two open connections on different processes), volunteers through the task page's
form, and checks that both sockets hear the change (through Redis, across processes). Exits 1 with
the step that failed.
"""

from __future__ import annotations

import asyncio
import datetime
import http.cookiejar
import json
import os
import re
import sys
import urllib.parse
import urllib.request

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

PROXY_URL = os.environ["PROXY_URL"]
PASSWORD = "correct horse battery staple 42"
WAIT_SECONDS = 10
ZONE = "Europe/London"


def fail(step: str) -> None:
    sys.stderr.write(f"smoke test failed: {step}\n")
    raise SystemExit(1)


def build_data() -> tuple[int, int, datetime.date]:
    """An organiser and a helper in one circle with one task; returns circle id, task id and its day."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
    django.setup()
    from carecircle.accounts.services import user_sign_up
    from carecircle.circles.models import Role
    from carecircle.circles.services import circle_create, membership_add_directly
    from carecircle.lib.wall_clock import today_in
    from carecircle.tasks.services import TaskFields, task_create

    organiser = user_sign_up(email="organiser@smoke.invalid", password=PASSWORD, display_name="Olivia")
    helper = user_sign_up(email="helper@smoke.invalid", password=PASSWORD, display_name="Harry")
    circle = circle_create(actor=organiser, person_name="Dad", relationship="daughter")
    membership_add_directly(actor=organiser, circle=circle, user=helper, role=Role.HELPER, relationship="son")
    day = today_in(ZONE) + datetime.timedelta(days=2)
    fields = TaskFields(
        title="Lift to the surgery",
        start_date=day,
        start_time=datetime.time(10, 30),
        duration_minutes=60,
        time_zone=ZONE,
    )
    task = task_create(actor=organiser, circle=circle, fields=fields)
    return circle.pk, task.pk, day


class PlainHttpCookies(http.cookiejar.DefaultCookiePolicy):
    """Send back cookies marked Secure over the test's plain HTTP on 127.0.0.1, as a browser would over TLS."""

    def return_ok_secure(self, cookie: http.cookiejar.Cookie, request: urllib.request.Request) -> bool:
        return True


def opener() -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    jar = http.cookiejar.CookieJar(policy=PlainHttpCookies())
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if match is None:
        fail("no CSRF token on the page")
    assert match is not None
    return match.group(1)


def post(browser: urllib.request.OpenerDirector, page_path: str, action: str, form: dict[str, str]) -> str:
    """Open the page with the form (for its CSRF token), then send the form to `action`."""
    page = browser.open(PROXY_URL + page_path, timeout=WAIT_SECONDS).read().decode()
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf_from(page), **form}).encode()
    # PROXY_URL is the http:// address deploy/up.sh gives, never a file: or other scheme.
    request = urllib.request.Request(  # noqa: S310
        PROXY_URL + action, data=data, headers={"Referer": PROXY_URL + page_path}
    )
    result: str = browser.open(request, timeout=WAIT_SECONDS).read().decode()
    return result


def sign_in(email: str) -> tuple[urllib.request.OpenerDirector, str]:
    browser, jar = opener()
    post(browser, "/account/sign-in/", "/account/sign-in/", {"email": email, "password": PASSWORD})
    cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)
    if "sessionid" not in cookies and "session" not in cookies:
        fail(f"signing in as {email} through the proxy gave no session")
    return browser, cookies


async def open_socket(cookies: str) -> ClientConnection:
    socket = await connect(
        PROXY_URL.replace("http://", "ws://") + "/ws/",
        origin=Origin(PROXY_URL),
        additional_headers={"Cookie": cookies},
        proxy=None,
        open_timeout=WAIT_SECONDS,
    )
    hello = json.loads(await asyncio.wait_for(socket.recv(), WAIT_SECONDS))
    if hello.get("type") != "hello":
        fail(f"the WebSocket through the proxy said {hello!r} instead of hello")
    return socket


async def heard(socket: ClientConnection, task_id: int) -> bool:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        event = json.loads(await asyncio.wait_for(socket.recv(), left))
        if event.get("type") == "task.changed" and event.get("task") == task_id:
            return True
    return False


async def through_the_proxy(circle_id: int, task_id: int, day: datetime.date) -> None:
    organiser, organiser_cookies = sign_in("organiser@smoke.invalid")
    helper, helper_cookies = sign_in("helper@smoke.invalid")
    home = organiser.open(f"{PROXY_URL}/circles/{circle_id}/", timeout=WAIT_SECONDS).read().decode()
    if "Dad" not in home:
        fail("the circle home page through the proxy doesn't show the circle")
    sockets = [await open_socket(organiser_cookies), await open_socket(helper_cookies)]
    try:
        task_page = f"/circles/{circle_id}/tasks/{task_id}/?on={day}"
        post(helper, task_page, f"/circles/{circle_id}/tasks/{task_id}/volunteer/?on={day}", {"on": day.isoformat()})
        results = await asyncio.gather(*(heard(socket, task_id) for socket in sockets))
        if not all(results):
            fail(f"the live event reached {sum(results)} of 2 sockets")
    finally:
        for socket in sockets:
            await socket.close()
    sys.stdout.write("smoke test passed: signed in, volunteered, both sockets heard it through the proxy\n")


if __name__ == "__main__":
    # The data first, outside the event loop: Django's ORM refuses to run inside one.
    asyncio.run(through_the_proxy(*build_data()))
