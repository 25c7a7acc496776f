"""The push page's "Notify this device" control in Debian's Chromium, without faking the push service.

What is real here: the page, its script (push.js), the service worker, the browser's notification
permission (granted through Playwright) and the browser's own `PushManager.subscribe`. Chromium
headless refuses to subscribe ("AbortError: Registration failed - permission denied", even with the
notifications permission granted, and with push granted through the DevTools protocol too), and a
real subscription would need Google's FCM, which this machine can't reach. So the test checks that
the browser refuses, and that the page then says so plainly, keeps the button usable and saves
nothing. **Not covered in a browser**: a successful subscribe, the row it creates, the "on" state
and "Stop notifying this device" on a real subscription (docs/architecture/notifications.md,
"Push"). The API the script calls is tested in tests/notifications/test_push.py, with a browser's
real subscription keys and a local push service that decrypts what the worker sends.
"""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, expect

from carecircle.accounts.models import User
from carecircle.notifications.models import NotificationPreference, PushSubscription
from carecircle.notifications.push import push_subscribe
from tests.browser.conftest import Checked, make_checked, sign_in
from tests.cast import Cast, build_cast

NO_JS = "Notifications on this device need JavaScript and a browser that supports them."
FAILED = (
    "Push notifications couldn't be turned on in this browser. "
    "CareCircle's own notifications, emails and text messages still reach you."
)
# What the browser itself answers when asked for a subscription with the server's key.
BROWSER_SUBSCRIBE = """() => navigator.serviceWorker.ready.then((registration) => registration.pushManager.subscribe({
  userVisibleOnly: true,
  applicationServerKey: document.querySelector("[data-push]").getAttribute("data-push-key"),
})).then((subscription) => "subscribed " + subscription.endpoint, (error) => error.name + ": " + error.message)"""


def signed_in(browser: Browser, server: str, cast: Cast) -> BrowserContext:
    context = browser.new_context()
    sign_in(context, server, cast.helper)
    return context


def test_notify_this_device_asks_the_browser_and_says_plainly_when_it_cant(server: str, browser: Browser) -> None:
    cast = build_cast()
    context = signed_in(browser, server, cast)
    context.grant_permissions(["notifications"], origin=server)
    checked = make_checked(context)
    page = checked.page
    page.goto(f"{server}/notifications/preferences/push/")
    state = page.locator("[data-push-state]")
    expect(state).to_have_text("This device doesn't get push notifications.")
    expect(page.get_by_text(NO_JS)).to_be_hidden()
    expect(page.get_by_role("button", name="Stop notifying this device")).to_be_hidden()
    assert page.evaluate("Notification.permission") == "granted"
    checked.check("preferences with push off")

    # The browser's own answer, asked directly: headless Chromium has no push service. If a later
    # Chromium subscribes, this fails, and the test should then follow a real subscription through.
    assert page.evaluate(BROWSER_SUBSCRIBE).startswith("AbortError: Registration failed")

    turn_on = page.get_by_role("button", name="Notify this device")
    turn_on.focus()
    page.keyboard.press("Enter")
    expect(state).to_have_text(FAILED)
    expect(turn_on).to_be_enabled()
    expect(turn_on).to_be_focused()
    expect(page.get_by_role("button", name="Stop notifying this device")).to_be_hidden()
    checked.check("preferences after the browser refused")
    assert not PushSubscription.objects.exists()
    context.close()


def test_a_refused_permission_is_explained(server: str, browser: Browser) -> None:
    cast = build_cast()
    context = signed_in(browser, server, cast)  # Nothing granted: headless Chromium refuses when asked.
    checked = make_checked(context)
    page = checked.page
    page.goto(f"{server}/notifications/preferences/push/")
    page.get_by_role("button", name="Notify this device").click()
    expect(page.locator("[data-push-state]")).to_have_text(
        "Notifications are blocked for CareCircle in this browser's settings. "
        "Allow them there, then come back to this page."
    )
    assert page.evaluate("Notification.permission") == "denied"
    expect(page.get_by_role("button", name="Notify this device")).to_be_disabled()
    checked.check("preferences with notifications blocked")
    assert not PushSubscription.objects.exists()
    context.close()


def test_a_browser_without_push_is_told_so(server: str, browser: Browser) -> None:
    cast = build_cast()
    context = signed_in(browser, server, cast)
    # A browser that has no Push API at all (as some still don't): the page must say so.
    context.add_init_script("delete window.PushManager;")
    checked = make_checked(context)
    page = checked.page
    page.goto(f"{server}/notifications/preferences/push/")
    expect(page.locator("[data-push-state]")).to_have_text(
        "This browser can't show push notifications. "
        "CareCircle's own notifications, emails and text messages still reach you."
    )
    expect(page.get_by_role("button", name="Notify this device")).to_be_hidden()
    expect(page.get_by_text(NO_JS)).to_be_hidden()
    checked.check("preferences in a browser without push")
    context.close()


def test_a_welsh_member_is_told_in_welsh_by_the_script(server: str, browser: Browser) -> None:
    """push.js's sentences aren't on the page: they come from the scripts' words, loaded before it."""
    cast = build_cast()
    User.objects.filter(pk=cast.helper.pk).update(language="cy")
    context = signed_in(browser, server, cast)
    context.add_init_script("delete window.PushManager;")
    checked = make_checked(context)
    page = checked.page
    page.goto(f"{server}/notifications/preferences/push/")
    expect(page.locator("[data-push-state]")).to_have_text(
        "Ni all y porwr hwn ddangos hysbysiadau gwthio. "
        "Mae hysbysiadau CareCircle ei hun, e-byst a negeseuon testun yn dal i'ch cyrraedd."
    )
    checked.check("push page in Welsh, a browser without push")
    context.close()


def test_without_javascript_the_page_says_push_needs_it_and_a_device_can_still_be_turned_off(
    server: str, no_js_page: Checked
) -> None:
    cast = build_cast()
    push_subscribe(
        user=cast.helper,
        endpoint="https://fcm.googleapis.com/fcm/send/no-js",
        p256dh="BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        auth="tBHItJI5svbpez7KI4CCXg",
        label="Firefox on Android",
    )
    page = no_js_page.page
    sign_in(page.context, server, cast.helper)
    page.goto(f"{server}/notifications/preferences/push/")
    expect(page.get_by_text(NO_JS)).to_be_visible()
    expect(page.get_by_role("button", name="Notify this device")).to_be_hidden()
    expect(page.get_by_role("button", name="Stop notifying this device")).to_be_hidden()
    no_js_page.check("preferences without JavaScript")
    # The rest of the page works without JavaScript: the push choices save.
    pushed = page.get_by_role("group", name="Kinds of news sent as push notifications")
    pushed.get_by_label("News updates").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved")
    expect(pushed.get_by_label("News updates")).to_be_checked()
    assert NotificationPreference.objects.get(user=cast.helper, category="news", channel="push").enabled
    page.get_by_role("button", name="Stop notifying Firefox on Android").click()
    expect(page.get_by_role("status").first).to_contain_text("won't get push notifications any more")
    assert not PushSubscription.objects.filter(user=cast.helper).exists()


def test_a_member_with_many_devices_pages_through_them_and_turns_the_oldest_off(
    server: str, no_js_page: Checked
) -> None:
    """Seven devices: the newest five, "Show more" for the rest, and "Stop notifying" on the second part."""
    cast = build_cast()
    for number in range(7):
        push_subscribe(
            user=cast.helper,
            endpoint=f"https://fcm.googleapis.com/fcm/send/many-{number}",
            p256dh="BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
            auth="tBHItJI5svbpez7KI4CCXg",
            label=f"Phone {number + 1}",
        )
    page = no_js_page.page
    sign_in(page.context, server, cast.helper)
    page.goto(f"{server}/notifications/preferences/push/")
    pages = page.get_by_role("navigation", name="Pages of devices")
    expect(pages).to_contain_text("1 to 5 of 7 devices, newest first.")
    expect(page.get_by_role("button", name="Stop notifying Phone 7")).to_be_visible()
    expect(page.get_by_role("button", name="Stop notifying Phone 1")).to_have_count(0)
    no_js_page.check("the push page's first part of the devices")
    pages.get_by_role("link", name="Show more devices").click()
    expect(pages).to_contain_text("6 to 7 of 7 devices, newest first.")
    no_js_page.check("the push page's last part of the devices")
    page.get_by_role("button", name="Stop notifying Phone 1").click()
    expect(page.get_by_role("status").first).to_contain_text("won't get push notifications any more")
    assert list(
        PushSubscription.objects.filter(user=cast.helper).values_list("label", flat=True).order_by("label")
    ) == [f"Phone {number}" for number in range(2, 8)]
