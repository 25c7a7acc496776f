"""Turning push on and off on the preferences page in Debian's Chromium, with the browser's
PushManager stubbed by an init script.

Why a stub: headless Chromium refuses every subscription ("AbortError: Registration failed -
permission denied", even with the notifications permission granted, and with push granted through
the DevTools protocol), and a real one needs Google's FCM, which this machine can't reach.
tests/browser/test_push_controls.py asks the real browser and fails if that ever changes.

What is real here: the page, its script (push.js), the service worker registration, the browser's
notification permission (granted through Playwright), the API calls the script makes with the
session and CSRF token, the device name the server gives from the browser's User-Agent, the row
stored, the server-drawn device list and the state shown after a reload. What the stub stands in
for: `PushManager.prototype.subscribe`, `getSubscription` and the subscription's `unsubscribe`,
answering with a made-up FCM address and real P-256 / auth keys made by the test; the stub keeps
the server key the page passed, and the test checks it is the server's VAPID public key. **Not
covered in a browser**: a push service issuing a subscription, and a push arriving in Chromium
(tests/notifications/test_push.py sends real encrypted pushes to a local push service).
"""

from __future__ import annotations

import base64
import json
import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import Browser, expect

from carecircle.notifications.models import PushSubscription
from carecircle.notifications.push import vapid_keys
from tests.browser.conftest import make_checked, sign_in
from tests.cast import build_cast

ON_DONE = "Done: this device will get push notifications for the news you ticked for them above."
OFF_DONE = "Done: this device won't get push notifications any more."
STUB = """(() => {
  const made = %(made)s;
  const kept = "carecircle-test-push";
  function subscription() {
    return {
      endpoint: made.endpoint,
      expirationTime: null,
      options: { userVisibleOnly: true },
      toJSON() {
        return { endpoint: made.endpoint, expirationTime: null, keys: { p256dh: made.p256dh, auth: made.auth } };
      },
      unsubscribe() {
        localStorage.removeItem(kept);
        localStorage.setItem(kept + "-unsubscribed", "yes");
        return Promise.resolve(true);
      },
    };
  }
  PushManager.prototype.getSubscription = function () {
    return Promise.resolve(localStorage.getItem(kept) ? subscription() : null);
  };
  PushManager.prototype.subscribe = function (options) {
    const bytes = new Uint8Array(options.applicationServerKey);
    const key = btoa(String.fromCharCode.apply(null, bytes))
      .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
    localStorage.setItem(kept, key);
    return Promise.resolve(subscription());
  };
})();"""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def browser_keys() -> dict[str, str]:
    """What a push service and a browser would make: an FCM address, a P-256 public key, an auth secret."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(encoding=serialization.Encoding.X962, format=serialization.PublicFormat.UncompressedPoint)
    )
    return {
        "endpoint": f"https://fcm.googleapis.com/fcm/send/{secrets.token_urlsafe(24)}",
        "p256dh": b64url(point),
        "auth": b64url(secrets.token_bytes(16)),
    }


def test_a_member_turns_push_on_for_this_device_and_off_again(server: str, browser: Browser) -> None:
    cast = build_cast()
    made = browser_keys()
    context = browser.new_context()
    sign_in(context, server, cast.helper)
    context.grant_permissions(["notifications"], origin=server)
    context.add_init_script(STUB % {"made": json.dumps(made)})
    checked = make_checked(context)
    page = checked.page
    page.goto(f"{server}/notifications/preferences/push/")
    state = page.locator("[data-push-state]")
    expect(state).to_have_text("This device doesn't get push notifications.")
    turn_on = page.get_by_role("button", name="Notify this device")
    turn_off = page.get_by_role("button", name="Stop notifying this device")

    turn_on.click()
    expect(state).to_have_text(ON_DONE)
    expect(turn_off).to_be_visible()
    expect(turn_off).to_be_focused()
    expect(turn_on).to_be_hidden()
    checked.check("push turned on")
    device = PushSubscription.objects.get()
    assert (device.user_id, device.endpoint, device.p256dh, device.auth) == (
        cast.helper.pk,
        made["endpoint"],
        made["p256dh"],
        made["auth"],
    )
    # Named from the browser's User-Agent (headless Chromium on Linux), so a member can tell devices apart.
    assert device.label == "Chrome on Linux"
    # The page gave the browser the server's VAPID public key, as bytes.
    assert page.evaluate("localStorage.getItem('carecircle-test-push')") == vapid_keys().public_key

    # After a reload the page asks the browser and the server, and says this device is on; the
    # server-drawn list names it.
    page.reload()
    expect(state).to_have_text("This device gets push notifications.")
    expect(page.get_by_role("button", name="Stop notifying Chrome on Linux")).to_be_visible()
    expect(turn_off).to_be_visible()
    checked.check("push on after a reload")

    turn_off.click()
    expect(state).to_have_text(OFF_DONE)
    expect(turn_on).to_be_visible()
    expect(turn_on).to_be_focused()
    assert page.evaluate("localStorage.getItem('carecircle-test-push-unsubscribed')") == "yes"
    assert not PushSubscription.objects.exists()
    page.reload()
    expect(state).to_have_text("This device doesn't get push notifications.")
    expect(page.get_by_role("button", name="Stop notifying Chrome on Linux")).to_have_count(0)
    checked.check("push off again")
    context.close()
