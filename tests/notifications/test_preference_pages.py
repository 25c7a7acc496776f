"""The preferences pages: what you hear about (in the app, email, text), when it reaches you, and push.

Each page saves only what it shows, each fits the first round trip in every language, and every
box is named by its kind of news (its fieldset's legend) and its channel (its own label).
"""

from __future__ import annotations

import datetime
import html
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.notifications import push
from carecircle.notifications.categories import categories_for, category_named
from carecircle.notifications.models import NotificationPreference, NotificationSettings, PushSubscription
from carecircle.notifications.preferences import preferences_for
from tests.cast import Cast
from tests.conftest import client_for
from tests.notifications.push_service import new_browser, subscribe

FIRST_HTML_BUDGET = 14_336
MAIN = reverse("notifications:preferences")
WHEN = reverse("notifications:preferences_when")
PUSH = reverse("notifications:preferences_push")
KINDS = reverse("notifications:preferences_kinds")


class Boxes(HTMLParser):
    """Each checkbox's value with its fieldset's legend and its own label, as a screen reader groups them."""

    def __init__(self) -> None:
        super().__init__()
        self.boxes: list[dict[str, str]] = []
        self.legend = ""
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "fieldset":
            self.legend = ""
        if tag in ("legend", "label"):
            self._in.append(tag)
        if tag == "label":
            self.boxes.append({"legend": self.legend, "label": "", "value": ""})
        if tag == "input" and dict(attrs).get("type") == "checkbox":
            assert self._in, "every box sits in its label"
            assert self._in[-1] == "label", "every box sits in its label"
            self.boxes[-1]["value"] = dict(attrs).get("value") or ""
            self.boxes[-1]["id"] = dict(attrs).get("id") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("legend", "label") and self._in:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if "legend" in self._in:
            self.legend += data
        elif "label" in self._in:
            self.boxes[-1]["label"] += data


def boxes_on(page: str) -> list[dict[str, str]]:
    parser = Boxes()
    parser.feed(page)
    return [box for box in parser.boxes if box["value"]]


def test_every_box_is_named_by_its_kind_of_news_and_its_channel(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.org_staff)
    offered = categories_for({"organisation_staff"})
    main = boxes_on(client.get(MAIN).content.decode())
    assert len(main) == len(offered) * 3
    channels = {"app": "In the app", "email": "Email", "sms": "Text message"}
    for box in main:
        category, channel = box["value"].split(".")
        [kind] = [kind for kind in offered if kind.key == category]
        assert box["legend"].startswith(str(kind.label)), box
        assert box["label"].strip() == channels[channel], box
        assert box["id"] == f"on-{box['value']}"
    push = boxes_on(client.get(PUSH).content.decode())
    assert [box["value"] for box in push] == [f"{kind.key}.push" for kind in offered]
    for box, kind in zip(push, offered, strict=True):
        assert box["legend"] == "Kinds of news sent as push notifications"
        assert box["label"].strip().startswith(str(kind.label)), box


def test_the_page_saves_its_three_channels_and_leaves_push_quiet_hours_and_the_digest(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.helper)
    assert client.post(PUSH, {"on": ["news.push"]}).status_code == 302
    assert client.post(WHEN, {"quiet_from": "21:30", "quiet_until": "07:00", "digest": "daily"}).status_code == 302
    response = client.post(MAIN, {"on": ["news.app", "mention.email"]})
    assert response.status_code == 302
    assert response["Location"] == MAIN
    enabled = preferences_for(cast.helper).enabled()
    assert enabled["news"] == {"app": True, "email": False, "sms": False, "push": True}
    assert enabled["mention"] == {"app": False, "email": True, "sms": False, "push": False}
    row = NotificationSettings.objects.get(user=cast.helper)
    assert (row.quiet_from, row.quiet_until, row.digest) == (datetime.time(21, 30), datetime.time(7), "daily")
    # The push page's boxes aren't the page's to send.
    refused = client.post(MAIN, {"on": ["news.push"]})
    assert refused.status_code == 400
    assert 'There is no choice called "news.push".' in html.unescape(refused.content.decode())


def test_the_when_page_saves_quiet_hours_and_the_digest_and_leaves_every_choice(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.helper)
    before = preferences_for(cast.helper).enabled()
    response = client.post(
        WHEN, {"quiet_from": "22:00", "quiet_until": "06:30", "digest": "weekly", "digest_weekday": "4"}
    )
    assert response.status_code == 302
    assert response["Location"] == WHEN
    row = NotificationSettings.objects.get(user=cast.helper)
    assert (row.quiet_from, row.quiet_until, row.digest, row.digest_weekday) == (
        datetime.time(22),
        datetime.time(6, 30),
        "weekly",
        4,
    )
    assert preferences_for(cast.helper).enabled() == before
    assert not NotificationPreference.objects.filter(user=cast.helper).exists()
    page = client.get(WHEN).content.decode()
    assert 'value="22:00"' in page
    assert 'id="digest-weekly" checked' in page
    assert '<option value="4" selected>Friday</option>' in page
    for data, message in [
        ({"quiet_from": "21:30"}, "both the start and the end"),
        ({"quiet_from": "late", "quiet_until": "07:00"}, "as a time"),
        ({"digest": "hourly"}, "how often"),
        ({"digest": "weekly", "digest_weekday": "9"}, "day of the week"),
    ]:
        bad = client.post(WHEN, data)
        assert bad.status_code == 400, data
        assert message in bad.content.decode()
    assert NotificationSettings.objects.get(user=cast.helper).digest_weekday == 4


def test_the_push_page_saves_push_only_and_refuses_other_channels(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.helper)
    before = preferences_for(cast.helper).enabled()
    response = client.post(PUSH, {"on": ["news.push", "checkin.push"]})
    assert response.status_code == 302
    assert response["Location"] == PUSH
    after = preferences_for(cast.helper).enabled()
    assert {key: value["push"] for key, value in after.items() if value["push"]} == {"news": True, "checkin": True}
    assert {key: {**value, "push": None} for key, value in after.items()} == {
        key: {**value, "push": None} for key, value in before.items()
    }
    page = client.get(PUSH).content.decode()
    assert 'value="news.push" id="on-news.push" checked' in page
    assert 'value="thanks.push" id="on-thanks.push">' in page
    refused = client.post(PUSH, {"on": ["news.email"]})
    assert refused.status_code == 400
    assert 'There is no choice called "news.email".' in html.unescape(refused.content.decode())
    assert preferences_for(cast.helper).enabled() == after


def test_the_page_links_to_when_and_push_and_they_link_back(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.helper)
    main = client.get(MAIN).content.decode()
    assert f'<a href="{WHEN}">When news reaches you</a>' in main
    assert f'<a href="{PUSH}">Push notifications on this device</a>' in main
    assert f'<a href="{KINDS}">What each kind of news covers</a>' in main
    for address in (WHEN, PUSH, KINDS):
        assert f'<a href="{MAIN}">What you hear about, and how</a>' in client.get(address).content.decode()


def test_the_kinds_page_explains_each_kind_the_member_can_hear_about(cast: Cast, as_user: Any) -> None:
    """The legends on the preferences page are short; each kind's longer words are one link away."""
    pages = {}
    for member in (cast.helper, cast.org_staff):
        page = html.unescape(as_user(member).get(KINDS).content.decode())
        offered = [row.category for row in preferences_for(member).rows]
        for category in offered:
            urgent = " (urgent)" if category.urgent else ""
            assert f"<dt>{category.label}{urgent}</dt>\n<dd>{category.description}</dd>" in page
        assert page.count("<dt>") == len(offered)
        pages[member.pk] = (page, {category.key for category in offered})
    helper_page, helper_kinds = pages[cast.helper.pk]
    _, staff_kinds = pages[cast.org_staff.pk]
    only_staff = [category_named(key) for key in sorted(staff_kinds - helper_kinds)]
    assert only_staff, "organisation staff hear about their referrals"
    assert not any(str(category.description) in helper_page for category in only_staff)


@pytest.mark.parametrize("language", ["en-gb", "cy", "pl"])
def test_every_preferences_page_fits_the_first_round_trip(cast: Cast, as_user: Any, language: str) -> None:
    """Organisation staff see the most kinds of news; with no mobile every text box says why it can't be ticked.

    Three devices get push, each listed on the push page with its "Stop notifying" button.
    """
    staff = cast.org_staff
    for number, agent in enumerate(("Android 14) Firefox/133.0", "Windows NT 10.0) Chrome/131.0", "iPad) Safari/17")):
        subscribe(
            client_for(staff),
            new_browser(f"https://fcm.googleapis.com/fcm/send/budget-{number}"),
            HTTP_USER_AGENT=f"Mozilla/5.0 ({agent}",
        )
    User.objects.filter(pk=staff.pk).update(language=language, phone="")
    client = as_user(staff)
    sizes = {}
    for address in (MAIN, WHEN, KINDS, PUSH):
        response = client.get(address)
        assert response.status_code == 200
        page = response.content.decode()
        assert f'<html lang="{language}">' in page
        sizes[address] = len(response.content)
    # The last page drawn is the push page: all three devices are on it.
    assert page.count('name="device" value=') == 3
    over = {address: size for address, size in sizes.items() if size > FIRST_HTML_BUDGET}
    assert not over, f"over {FIRST_HTML_BUDGET:,} bytes in {language}: {over} (all: {sizes})"


@pytest.mark.parametrize("language", ["en-gb", "cy", "pl"])
def test_the_push_page_fits_however_many_devices_a_member_has(
    cast: Cast, as_user: Any, language: str, settings: Any
) -> None:
    """Twelve devices with the longest labels kept: a few a part, newest first, every part within budget.

    Each device's "Stop notifying" button still works from a later part, without JavaScript.
    """
    settings.PUSH_MAX_DEVICES = 50
    staff = cast.org_staff
    for number in range(12):
        keys = new_browser(f"https://fcm.googleapis.com/fcm/send/many-{number}").subscription()
        push.push_subscribe(
            user=staff,
            endpoint=keys["endpoint"],
            p256dh=keys["keys"]["p256dh"],
            auth=keys["keys"]["auth"],
            label=f"{number:02d} " + "Ł" * 97,
        )
    User.objects.filter(pk=staff.pk).update(language=language, phone="")
    client = as_user(staff)
    seen: list[str] = []
    sizes: list[int] = []
    address = PUSH
    while address:
        response = client.get(address)
        assert response.status_code == 200
        sizes.append(len(response.content))
        page = response.content.decode()
        shown = re.findall(r"<li>(\d\d) Ł+", page)
        assert 0 < len(shown) <= push.DEVICES_SHOWN
        seen.extend(shown)
        more = re.search(r'<a href="([^"]+)" rel="next">', page)
        address = html.unescape(more.group(1)) if more else ""
    assert seen == [f"{number:02d}" for number in reversed(range(12))], "every device once, newest first"
    assert max(sizes) <= FIRST_HTML_BUDGET, f"over {FIRST_HTML_BUDGET:,} bytes in {language}: {sizes}"
    # The last part links back to the first; a place past the end or not a number shows the first part.
    assert f'<a href="{PUSH}#devices">' in page
    for odd in ("?from=99", "?from=-1", "?from=x", "?from=" + "9" * 30):
        assert re.findall(r"<li>(\d\d) Ł+", client.get(PUSH + odd).content.decode())[:1] == ["11"]
    # "Stop notifying" on the last part removes that device only, and comes back to the page.
    oldest = PushSubscription.objects.get(user=staff, label__startswith="00 ")
    response = client.post(reverse("notifications:push_device_remove"), {"device": str(oldest.pk)})
    assert response.status_code == 302
    assert response["Location"] == PUSH
    assert not PushSubscription.objects.filter(pk=oldest.pk).exists()
    assert PushSubscription.objects.filter(user=staff).count() == 11
