"""Conditional GET on circle pages: a reload costs a 304 until something the viewer would see changes."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib import messages
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.backends.cached_db import SessionStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.circles.access import access_circle
from carecircle.circles.conditional import circle_page_etag
from carecircle.circles.models import Role
from carecircle.circles.services import membership_change, membership_remove
from carecircle.conversations import services as conversation_services
from carecircle.notifications.models import Channel, Delivery, DeliveryStatus
from carecircle.tasks.services import task_volunteer
from tests.cast import Cast
from tests.conftest import client_for
from tests.conversations.conftest import family_of
from tests.tasks.conftest import ZONE, circle_today, make_task, on_the_day, soon

pytestmark = pytest.mark.django_db

VIEWERS = ("organiser", "helper", "paid_carer")


def pages(cast: Cast) -> dict[str, str]:
    circle_id = cast.circle.pk
    return {
        "home": reverse("circles:home", kwargs={"circle_id": circle_id}),
        "agenda": reverse("tasks:agenda", kwargs={"circle_id": circle_id}),
        "week": reverse("tasks:week", kwargs={"circle_id": circle_id}),
        "month": reverse("tasks:month", kwargs={"circle_id": circle_id}),
        "needs help": reverse("tasks:needs_help", kwargs={"circle_id": circle_id}),
    }


def again(client: Client, path: str, etag: str) -> Any:
    return client.get(path, headers={"if-none-match": etag})


def test_it_answers_304_when_the_browser_holds_the_same_page(cast: Cast) -> None:
    client = client_for(cast.organiser)
    for path in pages(cast).values():
        first = client.get(path)
        assert first.status_code == 200
        assert first["Cache-Control"] == "private, no-cache"

        reload = again(client, path, first["ETag"])

        assert reload.status_code == 304, path
        assert reload.content == b""
        assert reload["ETag"] == first["ETag"]
        # A new CSP header would carry a nonce the stored page doesn't have.
        assert "Content-Security-Policy" not in reload


def test_it_takes_the_weak_etag_gzip_sends_back(cast: Cast) -> None:
    client = client_for(cast.helper)
    path = pages(cast)["home"]
    etag = client.get(path)["ETag"]

    assert again(client, path, f"W/{etag}").status_code == 304


def test_a_change_by_anyone_changes_the_page_for_everyone_allowed(cast: Cast) -> None:
    clients = {name: client_for(cast.user(name)) for name in VIEWERS}
    seen = {(name, page): clients[name].get(path)["ETag"] for name in VIEWERS for page, path in pages(cast).items()}

    task = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")

    for (name, page), etag in seen.items():
        response = again(clients[name], pages(cast)[page], etag)
        assert response.status_code == 200, (name, page)
    agenda = again(clients["paid_carer"], pages(cast)["agenda"], seen[("paid_carer", "agenda")])
    assert "Lift to the dentist" in agenda.text

    # And the helper saying "I'll do it" changes it again for the organiser.
    etag = clients["organiser"].get(pages(cast)["agenda"])["ETag"]
    task_volunteer(actor=cast.helper, task=task, occurrence_date=soon())
    assert again(clients["organiser"], pages(cast)["agenda"], etag).status_code == 200


def test_a_message_and_reading_it_change_the_home_page(cast: Cast) -> None:
    helper = client_for(cast.helper)
    home = pages(cast)["home"]
    before = helper.get(home)["ETag"]

    conversation_services.message_post(actor=cast.organiser, where=family_of(cast, cast.organiser), body="Hello")

    unread = again(helper, home, before)
    assert unread.status_code == 200
    assert "1 new since you last looked" in unread.text
    helper.get(reverse("conversations:family", kwargs={"circle_id": cast.circle.pk}))

    read = again(helper, home, unread["ETag"])
    assert read.status_code == 200
    assert "new since you last looked" not in read.text


def test_a_lost_capability_never_gets_a_304(cast: Cast) -> None:
    client = client_for(cast.helper)
    held = {page: client.get(path)["ETag"] for page, path in pages(cast).items()}

    membership_change(actor=cast.organiser, member=cast.membership("helper"), role=Role.WELL_WISHER)

    home = again(client, pages(cast)["home"], held["home"])
    assert home.status_code == 200
    assert home["ETag"] != held["home"]
    for page in ("agenda", "week", "month", "needs help"):
        assert again(client, pages(cast)[page], held[page]).status_code == 403, page


def test_a_removed_member_never_gets_a_304(cast: Cast) -> None:
    client = client_for(cast.paid_carer)
    held = {page: client.get(path)["ETag"] for page, path in pages(cast).items()}

    membership_remove(actor=cast.organiser, member=cast.membership("paid_carer"))

    for page, path in pages(cast).items():
        assert again(client, path, held[page]).status_code == 404, page


def test_each_viewer_and_time_zone_has_its_own_etag(cast: Cast) -> None:
    home = pages(cast)["home"]
    organiser = client_for(cast.organiser).get(home)["ETag"]
    helper = client_for(cast.helper)
    own = helper.get(home)["ETag"]

    assert own != organiser
    assert again(helper, home, organiser).status_code == 200
    cast.helper.time_zone = "America/New_York"
    cast.helper.save(update_fields=["time_zone"])
    assert again(helper, home, own).status_code == 200


def test_the_homes_etag_follows_the_readers_language_and_date(cast: Cast) -> None:
    """The home works the reader's settings out once, for its kept sections and its ETag alike."""
    home = pages(cast)["home"]
    helper = client_for(cast.helper)
    first = helper.get(home)
    held = first["ETag"]
    assert again(helper, home, held).status_code == 304

    cast.helper.language = "cy"
    cast.helper.save(update_fields=["language"])
    welsh = again(helper, home, held)
    assert welsh.status_code == 200
    assert welsh["ETag"] != held
    assert again(helper, home, welsh["ETag"]).status_code == 304

    with on_the_day(circle_today() + datetime.timedelta(days=1)):
        next_day = again(helper, home, welsh["ETag"])
        assert next_day.status_code == 200
        assert next_day["ETag"] not in {held, welsh["ETag"]}
        assert again(helper, home, next_day["ETag"]).status_code == 304


@pytest.mark.parametrize("page", ["agenda", "week", "month", "needs help"])
def test_the_calendar_pages_etag_follows_the_readers_language_time_zone_and_date(cast: Cast, page: str) -> None:
    """A calendar page's ETag holds the reader's language, time zone and date: a change of any never gets a 304."""
    path = pages(cast)[page]
    helper = client_for(cast.helper)
    with on_the_day(circle_today(), hour=12):
        held = helper.get(path)["ETag"]
        assert again(helper, path, held).status_code == 304
        seen = {held}
        for field, value in (("language", "cy"), ("time_zone", "America/New_York")):
            setattr(cast.helper, field, value)
            cast.helper.save(update_fields=[field])
            changed = again(helper, path, held)
            assert changed.status_code == 200, field
            assert changed["ETag"] not in seen
            held = changed["ETag"]
            seen.add(held)
            assert again(helper, path, held).status_code == 304
    with on_the_day(circle_today() + datetime.timedelta(days=1), hour=12):
        next_day = again(helper, path, held)
        assert next_day.status_code == 200
        assert next_day["ETag"] not in seen
        assert again(helper, path, next_day["ETag"]).status_code == 304


def test_a_waiting_message_is_never_hidden_behind_a_304(cast: Cast, rf: Any) -> None:
    access = access_circle(user=cast.organiser, circle_id=cast.circle.pk)
    request = rf.get(pages(cast)["home"])
    request.user = cast.organiser
    request.session = SessionStore()
    request._messages = default_storage(request)
    assert circle_page_etag(request, access) is not None

    messages.success(request, "Saved.")

    assert circle_page_etag(request, access) is None


def test_a_failed_delivery_changes_the_organisers_home(cast: Cast) -> None:
    client = client_for(cast.organiser)
    home = pages(cast)["home"]
    etag = client.get(home)["ETag"]

    Delivery.objects.create(
        channel=Channel.EMAIL,
        to=cast.helper.email,
        body="hello",
        idempotency_key="test:failed",
        status=DeliveryStatus.FAILED,
    )

    page = again(client, home, etag)
    assert page.status_code == 200
    assert "Messages that couldn't be sent" in page.text


def test_a_reload_of_the_home_costs_a_handful_of_queries(cast: Cast) -> None:
    client = client_for(cast.organiser)
    home = pages(cast)["home"]
    etag = client.get(home)["ETag"]

    with CaptureQueriesContext(connection) as queries:
        assert again(client, home, etag).status_code == 304

    # The user, the membership with its circle, and the per-viewer parts: none of the page's own.
    assert len(queries) <= 3


def test_a_new_name_shows_on_pages_the_browser_already_holds(cast: Cast) -> None:
    from carecircle.accounts.services import user_update_profile
    from carecircle.realtime.models import CircleEvent

    conversation_services.message_post(actor=cast.organiser, where=family_of(cast, cast.organiser), body="Hello")
    helper = client_for(cast.helper)
    family = reverse("conversations:family", kwargs={"circle_id": cast.circle.pk})
    held = {path: helper.get(path)["ETag"] for path in (family, pages(cast)["home"])}
    organiser = cast.organiser

    # Changing only the time zone tells no circle anything.
    events = CircleEvent.objects.filter(circle=cast.circle).count()
    user_update_profile(
        actor=organiser,
        display_name=organiser.display_name,
        phone=organiser.phone,
        time_zone="Europe/Warsaw",
        language=organiser.language,
    )
    assert CircleEvent.objects.filter(circle=cast.circle).count() == events
    assert again(helper, family, held[family]).status_code == 304

    user_update_profile(
        actor=organiser,
        display_name="Olivia Newname",
        phone=organiser.phone,
        time_zone=organiser.time_zone,
        language=organiser.language,
    )

    assert CircleEvent.objects.filter(circle=cast.circle, type="membership.changed").count() == 1
    for path, etag in held.items():
        response = again(helper, path, etag)
        assert response.status_code == 200, path
    assert "Olivia Newname" in again(helper, family, held[family]).text


def test_a_new_name_shows_in_a_circle_its_owner_has_left(cast: Cast) -> None:
    """Someone who left still wrote its messages: renaming themselves must not leave a 304 with the old name."""
    from carecircle.accounts.services import user_update_profile
    from carecircle.realtime.models import CircleEvent

    leaver = cast.helper
    conversation_services.message_post(actor=leaver, where=family_of(cast, leaver), body="Back on Friday")
    membership_remove(actor=leaver, member=cast.circle.memberships.get(user=leaver))
    organiser = client_for(cast.organiser)
    family = reverse("conversations:family", kwargs={"circle_id": cast.circle.pk})
    etag = organiser.get(family)["ETag"]

    user_update_profile(
        actor=leaver,
        display_name="Harriet Newname",
        phone=leaver.phone,
        time_zone=leaver.time_zone,
        language=leaver.language,
    )

    assert CircleEvent.objects.filter(circle=cast.circle, type="membership.changed").count() == 1
    response = again(organiser, family, etag)
    assert response.status_code == 200
    assert "Harriet Newname" in response.text


def test_a_visit_that_ended_hours_ago_leaves_a_reloaded_home(cast: Cast) -> None:
    """The home's "coming up" drops what ended two hours ago: a reload then draws it anew, not a 304."""
    home = pages(cast)["home"]
    helper = client_for(cast.helper)
    today = circle_today()
    make_task(
        actor=cast.organiser, circle=cast.circle, title="Morning visit", start_date=today, start_time=datetime.time(8)
    )
    with on_the_day(today, hour=10) as traveller:
        first = helper.get(home)
        assert "Morning visit" in first.content.decode()
        traveller.shift(datetime.timedelta(minutes=30))
        assert again(helper, home, first["ETag"]).status_code == 304
        # The moment is hashed too: a tag given a later one is not the page's.
        digest, _, seconds = first["ETag"].strip('"').partition(".")
        assert int(seconds) == int(
            datetime.datetime.combine(today, datetime.time(11), tzinfo=ZoneInfo(ZONE)).timestamp()
        )
        assert again(helper, home, f'"{digest}.{int(seconds) + 3600}"').status_code == 200
        traveller.shift(datetime.timedelta(hours=1))
        later = again(helper, home, first["ETag"])
        assert later.status_code == 200
        assert "Morning visit" not in later.content.decode()
        assert again(helper, home, later["ETag"]).status_code == 304
