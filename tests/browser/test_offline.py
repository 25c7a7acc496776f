"""Installable and readable offline (docs/architecture/offline.md): the service worker keeps the
pages a member reads and shows them offline under a "Saved at … — you're offline" banner; signing
out forgets them; a share-link visit is never kept. Every wait is on a condition, never a sleep."""

from __future__ import annotations

import datetime
import re
import time

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from carecircle.accounts.models import User
from carecircle.conversations.models import Message
from carecircle.lib.wall_clock import today_in
from carecircle.records.models import RecordEntry
from carecircle.records.sections import SECTION_BY_KEY
from carecircle.records.services import entry_create, share_link_create
from carecircle.tasks.models import Assignment
from carecircle.tasks.services import TaskFields, task_create, task_volunteer
from tests.browser.conftest import Checked, make_checked, sign_in
from tests.cast import Cast, build_cast

KEPT_PAGES = """() => caches.keys().then(names => Promise.all(
  names.filter(name => name.startsWith("carecircle-pages-"))
       .map(name => caches.open(name).then(cache => cache.keys()))
)).then(groups => [].concat(...groups).map(request => request.url))"""
ALL_CACHES = "() => caches.keys()"


def a_record() -> Cast:
    cast = build_cast()
    entry_create(
        actor=cast.organiser,
        circle=cast.circle,
        section=SECTION_BY_KEY["medications"],
        values={"name": "Metformin", "strength": "500 mg", "schedule": "twice a day with food"},
    )
    return cast


def device_today() -> datetime.date:
    """The date on this machine's clock in its own zone, which the browser's scripts read too."""
    now = time.localtime()
    return datetime.date(now.tm_year, now.tm_mon, now.tm_mday)


def signed_in(browser: Browser, user: User, server: str) -> tuple[BrowserContext, Checked]:
    context = browser.new_context()
    sign_in(context, server, user)
    return context, make_checked(context)


def read_with_the_worker(page: Page, url: str) -> None:
    """Open the page, wait until the worker controls it, and open it again so the worker keeps it."""
    page.goto(url)
    page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
    page.goto(url)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(f"() => ({KEPT_PAGES})().then(urls => urls.includes({url!r}))", polling=100)


def test_a_record_page_read_earlier_opens_offline_marked_as_saved(server: str, browser: Browser) -> None:
    cast = a_record()
    context, member = signed_in(browser, cast.organiser, server)
    page = member.page
    medications = f"{server}/circles/{cast.circle.pk}/record/medications/"
    saved_on = device_today()
    read_with_the_worker(page, medications)

    context.set_offline(True)
    page.reload()
    banner = page.get_by_role("status").filter(has_text="you're offline")
    expect(banner).to_contain_text("Saved at")
    # "today" is the device's: a copy kept just before its midnight is rightly "yesterday" after it.
    expect(banner).to_contain_text(re.compile("(today|yesterday) — you're offline"))
    if device_today() == saved_on:
        expect(banner).to_contain_text("today — you're offline")
    expect(page.get_by_role("main")).to_contain_text("Metformin")
    member.check("the saved medications page, offline")

    # A page never read on this device: the offline page, which links the saved one.
    page.goto(f"{server}/circles/{cast.circle.pk}/record/allergies/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You're offline")
    expect(page.get_by_role("link", name="Medications")).to_have_attribute("href", medications)
    member.check("the offline page")

    # Back online, the network is used again: no banner.
    context.set_offline(False)
    page.goto(medications)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("[data-offline-banner]")).to_have_count(0)
    context.close()


def test_signing_out_forgets_every_saved_page(server: str, browser: Browser) -> None:
    cast = a_record()
    context, member = signed_in(browser, cast.organiser, server)
    page = member.page
    read_with_the_worker(page, f"{server}/circles/{cast.circle.pk}/record/medications/")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You're signed out.")).to_be_visible()
    page.wait_for_function(f"() => ({KEPT_PAGES})().then(urls => urls.length === 0)", polling=100)

    # The worker itself is gone too (Clear-Site-Data "storage"), so offline there is nothing to read.
    page.wait_for_function("() => navigator.serviceWorker.getRegistrations().then(r => r.length === 0)", polling=100)
    context.set_offline(True)
    with pytest.raises(PlaywrightError, match="ERR_INTERNET_DISCONNECTED"):
        page.goto(f"{server}/circles/{cast.circle.pk}/record/medications/")
    context.close()


def test_a_share_link_visit_is_never_kept(server: str, browser: Browser) -> None:
    cast = a_record()
    _, token = share_link_create(
        actor=cast.organiser,
        circle=cast.circle,
        recipient="Practice nurse",
        sections=["medications"],
        hours=24,
    )
    assert token is not None
    link = f"{server}{reverse('records:shared', kwargs={'share_token': token})}"

    # A visitor without an account: no worker, nothing kept at all.
    visitor_context = browser.new_context()
    visitor = make_checked(visitor_context)
    visitor.page.goto(link)
    expect(visitor.page.get_by_role("main")).to_contain_text("Metformin")
    assert visitor.page.evaluate("() => navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
    assert visitor.page.evaluate(ALL_CACHES) == []
    visitor_context.close()

    # A member whose worker is running opens the link (to check it): the worker doesn't keep it.
    context, member = signed_in(browser, cast.organiser, server)
    record = f"{server}/circles/{cast.circle.pk}/record/medications/"
    read_with_the_worker(member.page, record)
    member.page.goto(link)
    expect(member.page.get_by_role("main")).to_contain_text("Metformin")
    member.page.goto(record)
    member.page.wait_for_function(f"() => ({KEPT_PAGES})().then(urls => urls.includes({record!r}))", polling=100)
    assert not any("/shared/" in url for url in member.page.evaluate(KEPT_PAGES))
    context.close()


OUTBOX_COUNT = """() => new Promise(resolve => {
  const opening = indexedDB.open("carecircle-outbox", 1);
  opening.onupgradeneeded = () => opening.result.createObjectStore("items", {keyPath: "id", autoIncrement: true});
  opening.onsuccess = () => {
    const request = opening.result.transaction("items").objectStore("items").count();
    request.onsuccess = () => { opening.result.close(); resolve(request.result); };
  };
})"""


def test_a_message_written_offline_is_posted_once_when_back_online(server: str, browser: Browser) -> None:
    cast = a_record()
    context, member = signed_in(browser, cast.organiser, server)
    page = member.page
    family = f"{server}{reverse('conversations:family', kwargs={'circle_id': cast.circle.pk})}"
    read_with_the_worker(page, family)

    # Offline, on the saved copy of the conversation: the message is kept on the device.
    context.set_offline(True)
    page.reload()
    expect(page.locator("[data-offline-banner]")).to_be_visible()
    page.get_by_label("Message").fill("Written in the hospital car park")
    page.get_by_role("button", name="Send").click()
    status = page.locator("[data-outbox-status]")
    expect(status).to_contain_text("Kept on this device: your message “Written in the hospital car park”")
    assert page.evaluate(OUTBOX_COUNT) == 1
    assert not Message.objects.filter(body="Written in the hospital car park").exists()

    # Back online: the `online` event sends it, and it appears in the conversation.
    # (Chromium's offline emulation doesn't fire `online` itself; a real network coming back does.)
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(status).to_contain_text("Sent: your message")
    expect(page.locator("[data-chat]")).to_contain_text("Written in the hospital car park")
    page.wait_for_function(f"() => ({OUTBOX_COUNT})().then(count => count === 0)", polling=100)
    member.check("the conversation after the outbox sent")

    # Another page load replays nothing more: exactly one message.
    page.goto(family)
    expect(page.locator("[data-chat]")).to_contain_text("Written in the hospital car park")
    assert page.evaluate(OUTBOX_COUNT) == 0
    assert Message.objects.filter(author=cast.organiser, body="Written in the hospital car park").count() == 1
    context.close()


def test_an_outbox_item_sent_twice_is_still_one_message(server: str, browser: Browser) -> None:
    """A reply lost on the way: the same kept item sent again (same client id) makes no duplicate."""
    cast = a_record()
    context, member = signed_in(browser, cast.organiser, server)
    page = member.page
    family = f"{server}{reverse('conversations:family', kwargs={'circle_id': cast.circle.pk})}"
    page.goto(family)
    page.wait_for_function("() => window.CareCircleOutbox !== undefined")
    keep_twice = """async () => {
      const form = document.querySelector("[data-compose]");
      form.querySelector("textarea").value = "Sent twice, kept once";
      const fields = window.CareCircleOutbox.fieldsOf(new FormData(form));
      for (let i = 0; i < 2; i++) {
        const action = form.getAttribute("action");
        await window.CareCircleOutbox.keep({action: action, fields: fields, label: "a test message"});
      }
      await window.CareCircleOutbox.replay();
    }"""
    page.evaluate(keep_twice)
    page.wait_for_function(f"() => ({OUTBOX_COUNT})().then(count => count === 0)", polling=100)
    assert Message.objects.filter(author=cast.organiser, body="Sent twice, kept once").count() == 1
    context.close()


def test_an_offer_kept_offline_that_someone_else_took_is_explained(server: str, browser: Browser) -> None:
    cast = a_record()
    on = today_in("Europe/London") + datetime.timedelta(days=2)
    lift = task_create(
        actor=cast.organiser,
        circle=cast.circle,
        fields=TaskFields(
            title="Lift to the eye clinic",
            start_date=on,
            start_time=datetime.time(10, 30),
            duration_minutes=120,
            time_zone="Europe/London",
            category="lift",
        ),
    )
    context, member = signed_in(browser, cast.helper, server)
    page = member.page
    detail = f"{server}{reverse('tasks:detail', kwargs={'circle_id': cast.circle.pk, 'task_id': lift.pk})}"
    read_with_the_worker(page, f"{detail}?on={on.isoformat()}")

    context.set_offline(True)
    page.reload()
    page.get_by_role("button", name="I'll do it").click()
    status = page.locator("[data-outbox-status]")
    expect(status).to_contain_text("Kept on this device: your offer to do “Lift to the eye clinic”")

    # Meanwhile the organiser takes the only place.
    task_volunteer(actor=cast.organiser, task=lift, occurrence_date=on)
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(status).to_contain_text("Not sent: your offer to do “Lift to the eye clinic”")
    expect(status).to_contain_text("Someone else has just taken the last place")
    member.check("the task page after a refused offer")
    assert not Assignment.objects.filter(task=lift, user=cast.helper).exists()
    context.close()


def test_a_daily_note_written_offline_is_saved_once_when_back_online(server: str, browser: Browser) -> None:
    """The notes form page is kept for offline use; a note written there is sent once on reconnecting."""
    cast = a_record()
    context, member = signed_in(browser, cast.helper, server)
    page = member.page
    add_note = f"{server}{reverse('records:entry_add', kwargs={'circle_id': cast.circle.pk, 'section': 'notes'})}"
    read_with_the_worker(page, add_note)

    context.set_offline(True)
    page.reload()
    expect(page.locator("[data-offline-banner]")).to_be_visible()
    page.get_by_label("Notes").fill("Ate all his lunch and walked to the gate")
    page.get_by_role("button", name="Save").click()
    status = page.locator("[data-outbox-status]")
    expect(status).to_contain_text("Kept on this device: your daily note")
    assert page.evaluate(OUTBOX_COUNT) == 1
    assert not RecordEntry.objects.filter(circle=cast.circle, section="notes").exists()

    # Back online: the page load replays it as well as the `online` event; either way, one note.
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(status).to_contain_text("Sent: your daily note")
    page.wait_for_function(f"() => ({OUTBOX_COUNT})().then(count => count === 0)", polling=100)
    page.goto(add_note)
    assert page.evaluate(OUTBOX_COUNT) == 0
    notes = RecordEntry.objects.filter(circle=cast.circle, section="notes", created_by=cast.helper)
    assert notes.count() == 1
    assert notes.get().data["text"] == "Ate all his lunch and walked to the gate"
    member.check("the notes form after the outbox sent")
    context.close()
