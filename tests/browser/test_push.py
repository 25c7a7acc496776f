"""The preferences page's push controls in Chromium: with the keyboard, checked by axe, and without JavaScript.

Chromium headless has no push service to reach, so the one thing replaced here is the outside
world: `PushManager.prototype.subscribe` (which would ask Google's servers for an endpoint) returns
a subscription made in the page, with a real P-256 key and auth secret from WebCrypto, and
`getSubscription` returns what it made (kept in localStorage across page loads, as a browser keeps
it). The notification permission is granted through Playwright. Everything else is real: the
page's script, the service worker, the CSRF-checked API and the database. The worker's encrypted
request itself is tested against a local push service in tests/notifications/test_push.py.
"""

from __future__ import annotations

from django.conf import settings
from playwright.sync_api import Browser, expect

from carecircle.notifications.models import PushSubscription
from tests.browser.conftest import Checked, make_checked
from tests.cast import build_cast, signed_in_session_key

FAKE_PUSH_SERVICE = """
(() => {
  if (!("PushManager" in self)) { return; }
  // The browser keeps a subscription across page loads: so does this stand-in, in localStorage.
  const made = (json, options) => json && {
    endpoint: json.endpoint,
    options,
    toJSON: () => json,
    unsubscribe: () => { localStorage.removeItem("fake-push"); current = null; return Promise.resolve(true); },
  };
  let current = made(JSON.parse(localStorage.getItem("fake-push") || "null"), {});
  const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  PushManager.prototype.getSubscription = function () { return Promise.resolve(current); };
  PushManager.prototype.subscribe = async function (options) {
    if (!options || !options.userVisibleOnly || new Uint8Array(options.applicationServerKey).length !== 65) {
      throw new DOMException("A push subscription needs the server's 65-byte key", "InvalidAccessError");
    }
    const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
    const p256dh = b64url(await crypto.subtle.exportKey("raw", pair.publicKey));
    const auth = b64url(crypto.getRandomValues(new Uint8Array(16)));
    const endpoint = "https://fcm.googleapis.com/fcm/send/browser-test-" + auth;
    const json = { endpoint, expirationTime: null, keys: { p256dh, auth } };
    localStorage.setItem("fake-push", JSON.stringify(json));
    current = made(json, options);
    return current;
  };
})();
"""


def test_a_member_turns_push_on_and_off_with_the_keyboard(server: str, browser: Browser) -> None:
    cast = build_cast()
    context = browser.new_context(permissions=["notifications"])
    context.add_init_script(FAKE_PUSH_SERVICE)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": signed_in_session_key(cast.helper), "url": server}]
    )
    checked = make_checked(context)
    page = checked.page
    page.goto(f"{server}/notifications/preferences/#push")
    state = page.locator("[data-push-state]")
    expect(state).to_have_text("This device doesn't get push notifications.")
    expect(page.get_by_text("needs JavaScript")).to_be_hidden()
    expect(page.get_by_label("News updates: Push notification")).to_be_checked()
    checked.check("preferences with push off")

    turn_on = page.get_by_role("button", name="Notify this device")
    turn_on.focus()
    page.keyboard.press("Enter")
    expect(state).to_have_text("Done: this device will get push notifications for the news you ticked.")
    turn_off = page.get_by_role("button", name="Stop notifying this device")
    expect(turn_off).to_be_focused()
    expect(turn_on).to_be_hidden()
    device = PushSubscription.objects.get(user=cast.helper)
    assert device.endpoint.startswith("https://fcm.googleapis.com/fcm/send/browser-test-")
    assert device.label == "Chrome on Linux"
    checked.check("preferences with push on")

    # The list the server draws now names the device; the script sees it is this one.
    page.reload()
    expect(state).to_have_text("This device gets push notifications.")
    expect(page.get_by_role("listitem").filter(has_text="Chrome on Linux")).to_be_visible()
    checked.check("preferences listing the device")

    page.get_by_role("button", name="Stop notifying this device").focus()
    page.keyboard.press("Space")
    expect(state).to_have_text("Done: this device won't get push notifications any more.")
    expect(page.get_by_role("button", name="Notify this device")).to_be_focused()
    assert not PushSubscription.objects.filter(user=cast.helper).exists()
    context.close()


def test_without_javascript_the_page_says_push_needs_it_and_a_device_can_still_be_turned_off(
    server: str, no_js_page: Checked
) -> None:
    cast = build_cast()
    PushSubscription.objects.create(
        user=cast.helper,
        endpoint="https://fcm.googleapis.com/fcm/send/no-js",
        p256dh="B" + "A" * 86,
        auth="A" * 22,
        label="Firefox on Android",
    )
    page = no_js_page.page
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": signed_in_session_key(cast.helper), "url": server}]
    )
    page.goto(f"{server}/notifications/preferences/")
    expect(page.get_by_text("Turning push notifications on needs JavaScript")).to_be_visible()
    expect(page.get_by_role("button", name="Notify this device")).to_be_hidden()
    no_js_page.check("preferences without JavaScript")
    page.get_by_role("button", name="Stop notifying Firefox on Android").click()
    expect(page.get_by_role("status").first).to_contain_text("won't get push notifications any more")
    assert not PushSubscription.objects.filter(user=cast.helper).exists()
