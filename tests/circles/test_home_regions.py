"""The circle home's sections are drawn once and shared, but never stale and never shown to the wrong member.

The cache is on in these tests (each test has its own namespace): every page below after the first
is served from it unless a change made it draw again.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.accounts.data_rights import account_erase
from carecircle.accounts.models import User
from carecircle.accounts.services import user_update_profile
from carecircle.circles.access import access_circle
from carecircle.circles.fragments import KeptRegions
from carecircle.circles.models import Role
from carecircle.circles.pages import HOME_NAMES
from carecircle.circles.permissions import default_consent
from carecircle.circles.services import consent_update, membership_change, membership_remove
from carecircle.conversations import services as conversations
from carecircle.tasks.services import task_volunteer
from tests.cast import Cast, invite_and_join, make_user
from tests.circles.conftest import add_members, text_of
from tests.conftest import client_for
from tests.conversations.conftest import family_of
from tests.tasks.conftest import make_task, on_the_day, soon

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of each region actually drawn (not served from the cache)."""
    from carecircle.circles import fragments

    names: list[str] = []
    keep = fragments.region_key

    def counting(access: Any, name: str, parts: Any) -> str:
        names.append(name)
        return keep(access, name, parts)

    monkeypatch.setattr(fragments, "region_key", counting)
    original = fragments._draw

    def drawing(render: Any) -> str:
        names.append("drawn")
        return original(render)

    monkeypatch.setattr(fragments, "_draw", drawing)
    return names


def home(cast: Cast) -> str:
    return reverse("circles:home", args=[cast.circle.pk])


def page(client: Client, cast: Cast) -> str:
    response = client.get(home(cast))
    assert response.status_code == 200
    return text_of(response)  # type: ignore[arg-type]


def test_members_in_the_same_position_share_the_sections(cast: Cast, second_helper: User, drawn: list[str]) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    first = page(client_for(cast.helper), cast)
    drawn_first = drawn.count("drawn")
    second = page(client_for(second_helper), cast)

    # The second helper's page drew only their own sections: the conversations (their unread counts)
    # and the heading, which names their relationship to the person (the helper's is "son").
    assert drawn.count("drawn") - drawn_first == 2
    assert "Lift to the dentist" in first
    assert "Lift to the dentist" in second


def heading_of(text: str) -> str:
    """The home's heading: the breadcrumbs, the person's name and the viewer's place in the circle."""
    return text.split('class="breadcrumbs"')[1].split('<p class="lead">')[1].split("</p>")[0]


def links_of(text: str) -> str:
    """The home's links for the circle ("This circle")."""
    return text.split('aria-label="This circle"')[1].split("</nav>")[0]


def test_the_heading_and_links_are_shared_but_name_each_viewers_relationship(
    cast: Cast, second_helper: User, drawn: list[str]
) -> None:
    helper_page = page(client_for(cast.helper), cast)
    second_page = page(client_for(second_helper), cast)
    drawn_before = drawn.count("drawn")
    # Another helper without a relationship, as the second helper: the heading kept for them is shared.
    third = make_user("third_helper", display_name="Hana Helper")
    invite_and_join(inviter=cast.organiser, circle=cast.circle, user=third, role=Role.HELPER)
    page(client_for(second_helper), cast)
    drawn_again = drawn.count("drawn")
    third_page = page(client_for(third), cast)

    assert heading_of(helper_page) == "You're in this circle as: Helper (son)."
    assert heading_of(second_page) == heading_of(third_page) == "You're in this circle as: Helper."
    assert links_of(helper_page) == links_of(second_page) == links_of(third_page)
    # The second helper's page after the new member joined drew everything again (a circle event); the
    # third helper's then drew only their own conversations: the heading and links were the second's.
    assert drawn_again > drawn_before
    assert drawn.count("drawn") - drawn_again == 1


def test_a_change_to_the_heading_shows_at_once_to_everyone(cast: Cast, second_helper: User) -> None:
    from carecircle.circles.services import circle_update

    viewers = [cast.organiser, cast.helper, second_helper, cast.well_wisher]
    for viewer in viewers:
        assert "The people helping Dad" in page(client_for(viewer), cast)

    circle_update(actor=cast.organiser, circle=cast.circle, person_name="Grandad", person_date_of_birth=None)
    membership_change(actor=cast.organiser, member=cast.membership("helper"), relationship="grandson")

    for viewer in viewers:
        text = page(client_for(viewer), cast)
        assert "The people helping Grandad" in text
        assert ("Change Grandad" in links_of(text)) is (viewer == cast.organiser)
    assert heading_of(page(client_for(cast.helper), cast)) == "You're in this circle as: Helper (grandson)."
    assert heading_of(page(client_for(second_helper), cast)) == "You're in this circle as: Helper."


def test_a_role_change_never_serves_the_old_heading_or_links(cast: Cast) -> None:
    second = make_user("second_organiser", display_name="Oscar Organiser")
    invite_and_join(inviter=cast.organiser, circle=cast.circle, user=second, role=Role.ORGANISER)
    client = client_for(second)
    before = page(client, cast)
    page(client_for(cast.organiser), cast)
    assert "Invite someone" in links_of(before)
    assert heading_of(before) == "You're in this circle as: Organiser."

    membership_change(actor=cast.organiser, member=cast.circle.memberships.get(user=second), role=Role.WELL_WISHER)
    page(client_for(cast.well_wisher), cast)
    after = page(client, cast)

    assert "Invite someone" not in links_of(after)
    assert "details" not in links_of(after)
    assert heading_of(after) == "You're in this circle as: Well-wisher."


def people_page(client: Client, cast: Cast) -> str:
    response = client.get(reverse("circles:members", args=[cast.circle.pk]))
    assert response.status_code == 200
    return text_of(response)  # type: ignore[arg-type]


def people_in(text: str) -> str:
    """The home's "People in the circle" section."""
    return text.split('id="people-heading"')[1].split("</section>")[0]


def test_the_summary_of_people_is_nobodys_own(cast: Cast, second_helper: User) -> None:
    helper_page = page(client_for(cast.helper), cast)
    second_page = page(client_for(second_helper), cast)

    # Shared by everyone in the same position: no "(you)", no contact details, no links to change anyone.
    assert people_in(helper_page) == people_in(second_page)
    for text in (helper_page, second_page):
        assert "<strong>Harry Helper</strong>" in text
        assert "(you)" not in people_in(text)
        assert "organiser@example.org" not in text


def test_an_organiser_never_gets_links_to_remove_themselves(cast: Cast) -> None:
    organiser_membership = cast.membership("organiser")
    organiser_page = page(client_for(cast.organiser), cast)
    other_organiser = make_user("second_organiser", display_name="Oscar Organiser")
    invite_and_join(inviter=cast.organiser, circle=cast.circle, user=other_organiser, role=Role.ORGANISER)
    page(client_for(other_organiser), cast)
    again = people_page(client_for(cast.organiser), cast)

    assert "/remove/" not in organiser_page
    assert f"/people/{organiser_membership.pk}/remove/" not in again
    assert f"/people/{cast.membership('helper').pk}/remove/" in again


def test_a_change_by_anyone_shows_at_once_to_everyone(cast: Cast, second_helper: User) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    viewers = [cast.organiser, cast.helper, second_helper]
    for viewer in viewers:
        assert "Meals on Friday" not in page(client_for(viewer), cast)

    make_task(actor=cast.organiser, circle=cast.circle, title="Meals on Friday", start_date=soon(4))
    task_volunteer(actor=second_helper, task=task, occurrence_date=soon())
    new_member = make_user("newcomer", display_name="Nadia Newcomer")
    invite_and_join(inviter=cast.organiser, circle=cast.circle, user=new_member, role=Role.HELPER)
    user_update_profile(
        actor=cast.helper, display_name="Helen Helper", phone="+447700900123", time_zone="Europe/London", language="en"
    )

    for viewer in viewers:
        text = page(client_for(viewer), cast)
        assert "Meals on Friday" in text
        assert "<strong>Nadia Newcomer</strong>" in text
        assert "<strong>Helen Helper</strong>" in text
        assert ("You're going" in text) is (viewer == second_helper)
    # A new phone number reaches everyone who may see contact details (on the people page).
    assert "+447700900123" in people_page(client_for(cast.organiser), cast)


def test_a_new_phone_number_alone_shows_at_once(cast: Cast) -> None:
    assert "+447700900555" not in people_page(client_for(cast.organiser), cast)
    helper = cast.helper
    user_update_profile(
        actor=helper,
        display_name=helper.display_name,
        phone="+447700900555",
        time_zone=helper.time_zone,
        language=helper.language,
    )
    assert "+447700900555" in people_page(client_for(cast.organiser), cast)


def test_a_role_change_never_serves_the_old_sections(cast: Cast, second_helper: User) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    client = client_for(cast.helper)
    before = page(client, cast)
    page(client_for(second_helper), cast)
    assert "<strong>Harry Helper</strong>" in before
    assert "Lift to the dentist" in before

    membership_change(actor=cast.organiser, member=cast.membership("helper"), role=Role.WELL_WISHER)

    after = page(client, cast)
    assert "<strong>Harry Helper</strong>" not in after
    assert "Lift to the dentist" not in after
    assert "Help needed and calendar" not in after


def test_a_consent_change_never_serves_the_old_member_list(cast: Cast, second_helper: User) -> None:
    client = client_for(cast.helper)
    assert "<strong>Olivia Organiser</strong>" in page(client, cast)
    page(client_for(second_helper), cast)

    grants = default_consent()
    grants[Role.HELPER] = [capability for capability in grants[Role.HELPER] if capability != "members.view"]
    consent_update(actor=cast.person, circle=cast.circle, grants=grants)

    for text in (page(client, cast), page(client_for(second_helper), cast)):
        assert "data-member=" not in text
        assert "Your role doesn't include seeing who else is in this circle." in text


def test_a_removed_member_gets_no_page_at_all(cast: Cast) -> None:
    client = client_for(cast.helper)
    page(client, cast)
    membership_remove(actor=cast.organiser, member=cast.membership("helper"))
    assert client.get(home(cast)).status_code == 404
    fragment = reverse("circles:members_fragment", args=[cast.circle.pk])
    assert client.get(fragment).status_code == 404


def test_an_erased_account_leaves_the_member_list_at_once(cast: Cast, second_helper: User) -> None:
    viewers = [cast.organiser, cast.helper]
    for viewer in viewers:
        assert "<strong>Harry Helper</strong>" in page(client_for(viewer), cast)

    account_erase(actor=User.objects.get(pk=second_helper.pk))

    for viewer in viewers:
        text = page(client_for(viewer), cast)
        assert "Harry Helper" not in text
        assert "Former member" not in text


def test_unread_counts_are_each_viewers_own(cast: Cast, second_helper: User) -> None:
    where = family_of(cast, cast.organiser)
    posted = conversations.message_post(actor=cast.organiser, where=where, body="Home from hospital").message
    page(client_for(cast.helper), cast)
    conversations.read_marker_set(actor=second_helper, where=family_of(cast, second_helper), last_read_id=posted.pk)

    assert "1 new since you last looked" in page(client_for(cast.helper), cast)
    assert "new since you last looked" not in page(client_for(second_helper), cast)

    conversations.read_marker_set(actor=cast.helper, where=family_of(cast, cast.helper), last_read_id=posted.pk)
    assert "new since you last looked" not in page(client_for(cast.helper), cast)


def test_what_ended_leaves_the_summary_without_any_change(cast: Cast) -> None:
    day = soon(1)
    make_task(
        actor=cast.organiser, circle=cast.circle, title="Short visit", start_date=day, duration_minutes=30
    )  # 10:30 to 11:00 in London
    client = client_for(cast.organiser)
    with on_the_day(day, hour=10):
        assert "Short visit" in page(client, cast)
    with on_the_day(day, hour=12):  # Ended an hour ago: still shown.
        assert "Short visit" in page(client, cast)
    with on_the_day(day, hour=14):  # Ended three hours ago, and nothing recorded since.
        assert "Short visit" not in page(client, cast)


def test_a_page_served_from_the_kept_sections_costs_three_queries(cast: Cast) -> None:
    add_members(circle=cast.circle, actor=cast.organiser, how_many=20)
    for number in range(20):
        make_task(actor=cast.organiser, circle=cast.circle, title=f"Visit {number}", start_date=soon(1 + number % 10))
    client = client_for(cast.organiser)
    page(client, cast)
    with CaptureQueriesContext(connection) as captured:
        text = page(client, cast)
    # The session's user, the membership with its circle, the per-viewer state (read markers,
    # failed deliveries): nothing that grows with members or tasks.
    assert len(captured) == 3, [query["sql"] for query in captured.captured_queries]
    assert text.count("<li data-member=") == HOME_NAMES
    assert f"of {cast.circle.memberships.count()} people." in text
    fragment = reverse("circles:members_fragment", args=[cast.circle.pk])
    client.get(fragment)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(fragment).status_code == 200
    assert len(captured) == 2


def test_a_new_record_entry_is_counted_at_once(cast: Cast) -> None:
    from tests.records.conftest import add_entry

    client = client_for(cast.organiser)
    counted = 'Health conditions</a> <span class="meta">{}</span>'
    assert counted.format(0) in page(client, cast)
    add_entry(actor=cast.person, circle=cast.circle, section="conditions", name="Asthma")
    assert counted.format(1) in page(client, cast)


class CacheCalls:
    """The calls the fragments module makes to the cache (the real one), by method and keys."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[tuple[str, list[str]]] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        def call(keys: Any, *args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, sorted(keys) if isinstance(keys, (list, dict)) else [keys]))
            return method(keys, *args, **kwargs)

        return call

    def named(self, name: str) -> list[list[str]]:
        return [keys for method, keys in self.calls if method == name]


@pytest.fixture
def cache_calls(monkeypatch: pytest.MonkeyPatch) -> CacheCalls:
    from django.core.cache import cache

    from carecircle.circles import fragments

    calls = CacheCalls(cache)
    monkeypatch.setattr(fragments, "cache", calls)
    return calls


@pytest.mark.parametrize("name", ["person", "organiser", "helper", "paid_carer", "professional", "well_wisher"])
def test_the_home_reads_every_kept_section_in_one_round_trip(cast: Cast, cache_calls: CacheCalls, name: str) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    client = client_for(cast.user(name))
    first = page(client, cast)
    # Drawn once, then written together: one read and one write, none one by one. The read has the
    # circle's tasks version too, for those who see the tasks section; the section itself, its key
    # known only once the version was read, is drawn and written with the others.
    assert [method for method, _ in cache_calls.calls] == ["get_many", "set_many"]
    [read], [written] = cache_calls.named("get_many"), cache_calls.named("set_many")
    sees_tasks = access_circle(user=cast.user(name), circle_id=cast.circle.pk).can("tasks.view")
    assert [key for key in read if key.startswith("tasks:version:")] == (
        [f"tasks:version:{cast.circle.pk}"] if sees_tasks else []
    )
    # What was written: the sections read (and missing), the tasks section, and the tasks list it was
    # drawn from, worked out on this first page and written in the same round trip.
    lists = [key for key in written if key.startswith("tasks:occurrences:")]
    assert len(lists) == sees_tasks
    assert len(fragments(written)) == len(fragments(read)) + sees_tasks
    assert set(fragments(read)) <= set(written)
    cache_calls.calls.clear()

    again = page(client, cast)

    [read_again] = cache_calls.named("get_many")
    assert cache_calls.calls == [("get_many", read_again)]
    assert fragments(read_again) == fragments(written)
    assert without_secrets(again) == without_secrets(first)


def fragments(keys: list[str]) -> list[str]:
    """The kept sections' keys among the keys read (not the tasks version)."""
    return [key for key in keys if key.startswith("fragment:")]


def without_secrets(text: str) -> str:
    """The page without what differs on every request: the CSP nonces and CSRF tokens."""
    return re.sub(r'(nonce|value|content)="[A-Za-z0-9_-]{20,}"', "", text)


def test_a_section_read_ahead_is_fresh_after_a_change(cast: Cast, second_helper: User, cache_calls: CacheCalls) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    helper = client_for(cast.helper)
    page(helper, cast)
    page(client_for(second_helper), cast)
    [before, _] = cache_calls.named("get_many")
    cache_calls.calls.clear()

    make_task(actor=cast.organiser, circle=cast.circle, title="Meals on Friday", start_date=soon(4))
    text = page(helper, cast)

    assert "Meals on Friday" in text
    [after] = cache_calls.named("get_many")
    assert not set(fragments(after)) & set(fragments(before))
    [written] = cache_calls.named("set_many")
    # Everything read was drawn again, and the tasks section, whose version changed, as well.
    assert set(fragments(after)) < set(written)


def test_a_section_read_ahead_is_never_served_to_someone_who_lost_access(
    cast: Cast, second_helper: User, cache_calls: CacheCalls
) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    client = client_for(cast.helper)
    assert "Lift to the dentist" in page(client, cast)
    [helper_keys] = cache_calls.named("get_many")

    membership_change(actor=cast.organiser, member=cast.membership("helper"), role=Role.WELL_WISHER)
    # Another helper keeps the sections in place under the new sequence: none of them is the well-wisher's.
    assert "Lift to the dentist" in page(client_for(second_helper), cast)
    after = page(client, cast)

    assert "Lift to the dentist" not in after
    assert "organiser@example.org" not in after
    [_, helper_again, well_wisher_keys] = cache_calls.named("get_many")
    assert not set(well_wisher_keys) & (set(helper_keys) | set(helper_again))
    membership_remove(actor=cast.organiser, member=cast.membership("helper"))
    cache_calls.calls.clear()
    assert client.get(home(cast)).status_code == 404
    assert cache_calls.calls == []


def test_a_section_read_ahead_with_a_per_request_secret_is_never_kept(cast: Cast) -> None:
    access = access_circle(user=cast.helper, circle_id=cast.circle.pk)
    made: list[int] = []

    def render() -> str:
        made.append(1)
        return '<form><input type="hidden" name="csrfmiddlewaretoken" value="secret"></form>'

    for _ in range(2):
        kept = KeptRegions(access)
        kept.read([("test", [])])
        assert "secret" in kept.region("test", [], render)
        kept.write()

    assert len(made) == 2


class Unreachable:
    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("Redis is down")

        return call


def test_the_home_is_drawn_when_the_cache_is_unreachable(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    from carecircle.circles import fragments

    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    monkeypatch.setattr(fragments, "cache", Unreachable())

    text = page(client_for(cast.organiser), cast)

    assert "Lift to the dentist" in text
    assert "<strong>Helper</strong>" in text


@pytest.mark.parametrize("name", ["person", "organiser", "helper", "paid_carer", "professional", "well_wisher"])
def test_the_keys_worked_out_once_a_page_hold_everything_a_sections_key_holds(cast: Cast, name: str) -> None:
    """A page works its regions' keys out once (`KeptRegions.key`): they are `region_key`'s, in every setting."""
    from django.utils import timezone, translation

    from carecircle.circles.fragments import region_key

    access = access_circle(user=cast.user(name), circle_id=cast.circle.pk)
    seen: set[str] = set()
    for language, zone in [("en", "Europe/London"), ("cy", "Europe/London"), ("pl", "Europe/Warsaw")]:
        with translation.override(language), timezone.override(zone):
            kept = KeptRegions(access)
            for region, parts in [("records:home", []), ("conversations:home", [str(access.user_id), "1"])]:
                assert kept.key(region, parts) == region_key(access, region, parts)
                seen.add(kept.key(region, parts))
    # A key for each language and time zone, and for each section.
    assert len(seen) == 6


def test_a_capability_change_changes_the_keys_worked_out_once_a_page(cast: Cast) -> None:
    """The capability set is in the key itself, not only through the event the change records."""
    import dataclasses

    helper = access_circle(user=cast.helper, circle_id=cast.circle.pk)
    before = KeptRegions(helper).key("records:home", [])
    fewer = dataclasses.replace(helper, capabilities=helper.capabilities - {"members.view"})
    assert KeptRegions(fewer).key("records:home", []) != before

    grants = default_consent()
    grants[Role.HELPER] = [capability for capability in grants[Role.HELPER] if capability != "members.view"]
    consent_update(actor=cast.person, circle=cast.circle, grants=grants)
    after = access_circle(user=cast.helper, circle_id=cast.circle.pk)
    assert after.capabilities == fewer.capabilities
    assert KeptRegions(after).key("records:home", []) not in {before, KeptRegions(fewer).key("records:home", [])}


def test_a_page_whose_date_moves_on_while_it_is_drawn_keeps_nothing_and_has_no_etag(
    cast: Cast, drawn: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keys hold the reader's settings as the page began: past midnight, its sections aren't kept.

    Nor does the page get the circle's ETag (worked out under the new date, it would stand for the
    sections drawn under the old one): only the ETag of its very body (web/conditional_pages.py).
    """
    from carecircle.circles import conditional

    real = conditional.reader_settings
    calls: list[int] = []

    def next_day_after_the_first_call() -> list[str]:
        calls.append(1)
        zone, language, day = real()
        return [zone, language, day] if len(calls) == 1 else [zone, language, "next-day"]

    etags: list[object] = []
    real_with_etag = conditional.with_etag

    def with_etag(*args: Any, **kwargs: Any) -> Any:
        etags.append(1)
        return real_with_etag(*args, **kwargs)

    monkeypatch.setattr("carecircle.circles.views.with_etag", with_etag)
    client = client_for(cast.helper)
    monkeypatch.setattr("carecircle.circles.fragments.reader_settings", next_day_after_the_first_call)
    page(client, cast)
    assert etags == []
    drawn_first = drawn.count("drawn")
    assert drawn_first > 0
    monkeypatch.setattr("carecircle.circles.fragments.reader_settings", real)

    # Nothing was kept: every section is drawn again, and this page has the circle's ETag.
    page(client, cast)
    assert drawn.count("drawn") - drawn_first == drawn_first
    assert etags == [1]
