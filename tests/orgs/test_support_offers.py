"""The private offer of support to someone whose logged help passed the threshold (orgs/support_offers.py)."""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.accounts.data_rights import account_erase, subject_access_members
from carecircle.accounts.models import User
from carecircle.circles.access import access_circle
from carecircle.circles.models import Circle
from carecircle.circles.permissions import effective_consent
from carecircle.circles.registries import record_address_for
from carecircle.circles.services import circle_update, consent_update
from carecircle.lib.postcodes import district_in
from carecircle.orgs.models import Referral, SupportOffer
from carecircle.orgs.support_offers import (
    LATER_WEEKS,
    support_offer_answer,
    support_offers_refresh,
    uk_today,
    weeks_looked_at,
)
from carecircle.records.sections import SECTION_BY_KEY
from carecircle.records.services import entry_create
from carecircle.tasks.services import occurrence_done, task_volunteer
from tests.bursts import at_once
from tests.cast import Cast, build_cast, invite_and_join
from tests.orgs.conftest import Org, make_referral
from tests.orgs.test_directory import directory  # noqa: F401  (the fixture: a few Wrexham services)
from tests.tasks.conftest import make_task, on_the_day

OFFER = "given a lot of help lately"


def give_help(*, circle: Circle, organiser: User, helper: User, days: list[datetime.date], hours: int = 24) -> None:
    """`hours` of help from `helper` on each day, as a task they went to and marked done that day."""
    for day in days:
        with on_the_day(day):
            if hours % 24 == 0:
                task = make_task(actor=organiser, circle=circle, title="Staying over", start_date=day, start_time=None)
                assert task.duration_minutes == 24 * 60
            else:
                task = make_task(
                    actor=organiser,
                    circle=circle,
                    title="Sitting with Dad",
                    start_date=day,
                    start_time=datetime.time(0, 30),
                    duration_minutes=hours * 60,
                )
            task_volunteer(actor=helper, task=task, occurrence_date=day)
            occurrence_done(actor=helper, task=task, occurrence_date=day)


def weeks() -> list[datetime.date]:
    """The Mondays of the four complete weeks before this one, by the code's clock."""
    return weeks_looked_at(uk_today())


def home(client: Client, cast: Cast) -> str:
    response = client.get(reverse("circles:home", kwargs={"circle_id": cast.circle.pk}))
    assert response.status_code == 200
    return response.content.decode()


def answer(client: Client, cast: Cast, value: str) -> Any:
    return client.post(reverse("orgs:support_offer", kwargs={"circle_id": cast.circle.pk}), {"answer": value})


@pytest.mark.usefixtures("directory")
def test_help_in_three_of_the_last_four_weeks_offers_support_to_that_member_only(
    cast: Cast, org: Org, as_user: Any
) -> None:
    referral = make_referral(org.organisation, person_name="Dad")
    Referral.objects.filter(pk=referral.pk).update(circle=cast.circle, person_postcode="LL11 1AA")
    first, _, third, fourth = weeks()
    give_help(circle=cast.circle, organiser=cast.organiser, helper=cast.helper, days=[first, third, fourth])

    assert support_offers_refresh().offered == 1
    offer = SupportOffer.objects.get()
    assert (offer.user, offer.circle, offer.district, offer.weeks_over, offer.due) == (
        cast.helper,
        cast.circle,
        "LL11",
        3,
        True,
    )
    page = home(as_user(cast.helper), cast)
    assert OFFER in page
    assert "a break or a carer's assessment from your council" in page
    assert "Carers centre" in page  # the directory's service for people who help, in LL11
    assert "Near befriending" not in page
    assert f"{reverse('orgs:find_support')}?need=carer&amp;place=LL11" in page
    assert "You are a carer" not in page
    assert "As a carer" not in page
    for someone_else in (cast.organiser, cast.person, cast.paid_carer, cast.professional, cast.well_wisher):
        assert OFFER not in home(as_user(someone_else), cast)
    search = as_user(cast.helper).get(reverse("orgs:find_support"), {"need": "carer", "place": "LL11"})
    assert "Carers centre" in search.content.decode()
    # The organisation sees nothing of it: not on the linked referral's page.
    referral_page = as_user(org.coordinator).get(
        reverse("orgs:referral", kwargs={"organisation_id": org.organisation.pk, "referral_id": referral.pk})
    )
    assert OFFER not in referral_page.content.decode()
    assert "Support for you" not in referral_page.content.decode()


@pytest.mark.usefixtures("directory")
def test_a_circle_with_no_referral_finds_support_near_the_district_its_organiser_gave(
    cast: Cast, org: Org, as_user: Any
) -> None:
    first, _, third, fourth = weeks()
    give_help(circle=cast.circle, organiser=cast.organiser, helper=cast.helper, days=[first, third, fourth])
    circle_update(
        actor=cast.organiser, circle=cast.circle, person_name="Dad", person_date_of_birth=None, person_district="LL11"
    )

    assert support_offers_refresh().offered == 1
    assert SupportOffer.objects.get().district == "LL11"
    page = home(as_user(cast.helper), cast)
    assert "Carers centre" in page  # the directory's service for people who help, in LL11
    assert f"{reverse('orgs:find_support')}?need=carer&amp;place=LL11" in page


@pytest.mark.usefixtures("directory")
def test_the_district_the_circle_gave_comes_before_an_older_referrals(cast: Cast, org: Org) -> None:
    referral = make_referral(org.organisation, person_name="Dad")
    Referral.objects.filter(pk=referral.pk).update(circle=cast.circle, person_postcode="CF10 1AA")
    first, _, third, fourth = weeks()
    give_help(circle=cast.circle, organiser=cast.organiser, helper=cast.helper, days=[first, third, fourth])
    circle_update(
        actor=cast.organiser, circle=cast.circle, person_name="Dad", person_date_of_birth=None, person_district="LL11"
    )

    support_offers_refresh()
    assert SupportOffer.objects.get().district == "LL11"


def test_two_weeks_over_or_fewer_than_twenty_hours_a_week_offers_nothing(cast: Cast, as_user: Any) -> None:
    first, second, third, _ = weeks()
    give_help(circle=cast.circle, organiser=cast.organiser, helper=cast.helper, days=[first, third])
    give_help(
        circle=cast.circle, organiser=cast.organiser, helper=cast.organiser, days=[first, second, third], hours=19
    )
    # Help this week doesn't count yet: the week isn't over.
    give_help(circle=cast.circle, organiser=cast.organiser, helper=cast.helper, days=[uk_today()])

    assert support_offers_refresh().offered == 0
    assert not SupportOffer.objects.exists()
    assert OFFER not in home(as_user(cast.helper), cast)


def test_help_counts_as_twenty_hours_from_a_few_tasks_in_a_week(cast: Cast) -> None:
    for monday in weeks()[1:]:
        days = [monday, monday + datetime.timedelta(days=2), monday + datetime.timedelta(days=4)]
        give_help(circle=cast.circle, organiser=cast.organiser, helper=cast.organiser, days=days, hours=7)

    support_offers_refresh()
    assert SupportOffer.objects.get(due=True).user == cast.organiser  # 21 hours in each of three weeks


def test_paid_work_and_organisation_staff_are_not_offered_support(cast: Cast, org: Org) -> None:
    invite_and_join(inviter=cast.organiser, circle=cast.circle, user=org.volunteer, role="helper")
    referral = make_referral(org.organisation, person_name="Dad")
    Referral.objects.filter(pk=referral.pk).update(circle=cast.circle)
    days = weeks()
    give_help(circle=cast.circle, organiser=cast.organiser, helper=cast.paid_carer, days=days)
    give_help(circle=cast.circle, organiser=cast.organiser, helper=org.volunteer, days=days)

    assert support_offers_refresh().offered == 0
    assert not SupportOffer.objects.exists()


def test_an_offer_goes_when_the_help_drops_below_the_threshold(cast: Cast, as_user: Any) -> None:
    give_help(circle=cast.circle, organiser=cast.organiser, helper=cast.helper, days=weeks()[1:])
    support_offers_refresh()
    assert OFFER in home(as_user(cast.helper), cast)

    report = support_offers_refresh(today=uk_today() + datetime.timedelta(weeks=2))
    assert (report.offered, report.withdrawn) == (0, 1)
    assert OFFER not in home(as_user(cast.helper), cast)


def test_not_now_hides_the_offer_for_some_weeks(cast: Cast, as_user: Any) -> None:
    give_help(circle=cast.circle, organiser=cast.organiser, helper=cast.helper, days=weeks()[1:])
    support_offers_refresh()
    helper = as_user(cast.helper)

    response = answer(helper, cast, "later")
    assert response.status_code == 302
    assert response.url == reverse("circles:home", kwargs={"circle_id": cast.circle.pk})
    assert f"It&#x27;s hidden for {LATER_WEEKS} weeks." in helper.get(response.url).content.decode()
    assert OFFER not in home(helper, cast)
    support_offers_refresh()
    assert OFFER not in home(helper, cast)
    with on_the_day(uk_today() + datetime.timedelta(weeks=LATER_WEEKS)):
        assert OFFER in home(as_user(cast.helper), cast)


def test_dont_show_this_again_is_for_good(cast: Cast, as_user: Any) -> None:
    give_help(circle=cast.circle, organiser=cast.organiser, helper=cast.helper, days=weeks()[1:])
    support_offers_refresh()
    helper = as_user(cast.helper)

    assert answer(helper, cast, "never").status_code == 302
    assert OFFER not in home(helper, cast)
    dismissed_at = SupportOffer.objects.get().dismissed_at
    assert dismissed_at is not None
    support_offers_refresh()
    assert answer(helper, cast, "later").status_code == 302
    assert SupportOffer.objects.get().dismissed_at == dismissed_at
    with on_the_day(uk_today() + datetime.timedelta(weeks=52)):
        assert OFFER not in home(as_user(cast.helper), cast)


def test_a_wrong_answer_or_someone_not_offered_it_is_refused(cast: Cast, as_user: Any) -> None:
    bad = answer(as_user(cast.helper), cast, "maybe")
    assert bad.status_code == 400
    assert "Choose &quot;Not now&quot; or &quot;Don&#x27;t show this again&quot;." in bad.content.decode()
    assert answer(as_user(cast.person), cast, "never").status_code == 403
    assert answer(as_user(cast.paid_carer), cast, "never").status_code == 403
    assert answer(as_user(cast.outsider), cast, "never").status_code == 404
    assert not SupportOffer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_the_same_answer_keeps_one_answer() -> None:
    cast = build_cast()
    access = access_circle(user=cast.helper, circle_id=cast.circle.pk)
    at_once([partial(support_offer_answer, actor=cast.helper, access=access, answer="never") for _ in range(6)])
    offer = SupportOffer.objects.get()
    assert offer.dismissed_at is not None
    first = offer.dismissed_at
    at_once(
        [
            partial(support_offer_answer, actor=cast.helper, access=access, answer=value)
            for value in ["never", "later"] * 3
        ]
    )
    assert SupportOffer.objects.get().dismissed_at == first
    assert SupportOffer.objects.count() == 1


@pytest.mark.usefixtures("directory")
def test_the_home_page_reads_the_offer_without_more_queries(cast: Cast, org: Org, as_user: Any, settings: Any) -> None:
    settings.FRAGMENT_CACHE_SECONDS = 0
    helper = as_user(cast.helper)
    url = reverse("circles:home", kwargs={"circle_id": cast.circle.pk})

    def queries() -> int:
        helper.get(url)  # Fill the caches the page keeps (the tasks lists), so only drawing it counts.
        with CaptureQueriesContext(connection) as captured:
            assert helper.get(url).status_code == 200
        return len(captured)

    referral = make_referral(org.organisation, person_name="Dad")
    Referral.objects.filter(pk=referral.pk).update(circle=cast.circle, person_postcode="LL11 1AA")
    give_help(circle=cast.circle, organiser=cast.organiser, helper=cast.helper, days=weeks())
    without = queries()
    support_offers_refresh()
    shown = queries()
    assert OFFER in home(helper, cast)
    assert shown == without + 2  # the directory's services (district, then area), only while it shows
    # Others offered support, in this circle and elsewhere, cost this page nothing more.
    others = [
        invite_and_join(
            inviter=cast.organiser,
            circle=cast.circle,
            user=User.objects.create_user(email=f"h{n}@example.org", password=None, display_name=f"H {n}"),
            role="helper",
        )
        for n in range(5)
    ]
    for membership in others:
        give_help(circle=cast.circle, organiser=cast.organiser, helper=membership.user, days=weeks()[1:])
    support_offers_refresh()
    assert SupportOffer.objects.filter(due=True).count() == 6
    grown_shown = queries()
    answer(helper, cast, "never")
    assert OFFER not in home(helper, cast)
    assert (grown_shown, queries()) == (shown, without)


def test_the_offer_is_in_the_members_data_and_goes_with_their_account(cast: Cast) -> None:
    give_help(circle=cast.circle, organiser=cast.organiser, helper=cast.helper, days=weeks()[1:])
    support_offers_refresh()

    parts = {
        name: chunks().read() if callable(chunks) else b"".join(chunks)
        for name, chunks in subject_access_members(cast.helper)
    }
    exported = parts["support_offers.csv"].decode()
    assert "circle,postcode district,offered now,weeks over" in exported
    assert cast.circle.person_name in exported
    helper_id = cast.helper.pk
    account_erase(actor=cast.helper)
    assert not SupportOffer.objects.filter(user_id=helper_id).exists()


def _about_me(cast: Cast, *, address: str, audience: str = "everyone") -> None:
    entry_create(
        actor=cast.person,
        circle=cast.circle,
        section=SECTION_BY_KEY["about"],
        values={"full_name": "Tom Jones", "address": address},
        audience=audience,
    )


@pytest.mark.usefixtures("directory")
def test_with_no_district_of_its_own_the_circle_uses_the_postcode_in_the_records_address(
    cast: Cast, org: Org, as_user: Any
) -> None:
    referral = make_referral(org.organisation, person_name="Dad")
    Referral.objects.filter(pk=referral.pk).update(circle=cast.circle, person_postcode="CF10 1AA")
    _about_me(cast, address="12 High Street\nWrexham ll11 1aa")
    first, _, third, fourth = weeks()
    give_help(circle=cast.circle, organiser=cast.organiser, helper=cast.helper, days=[first, third, fourth])

    support_offers_refresh()
    offer = SupportOffer.objects.get()
    assert offer.district == "LL11"  # the record's, before the older referral's CF10
    page = home(as_user(cast.helper), cast)
    assert "Carers centre" in page
    assert "High Street" not in page  # only the district is kept and shown, never the address
    assert "High Street" not in str(SupportOffer.objects.values().get())


@pytest.mark.usefixtures("directory")
def test_the_circles_own_district_still_comes_before_the_records_address(cast: Cast) -> None:
    _about_me(cast, address="1 Queen Street, Cardiff CF10 1AA")
    circle_update(
        actor=cast.organiser, circle=cast.circle, person_name="Dad", person_date_of_birth=None, person_district="LL11"
    )
    first, _, third, fourth = weeks()
    give_help(circle=cast.circle, organiser=cast.organiser, helper=cast.helper, days=[first, third, fourth])

    support_offers_refresh()
    assert SupportOffer.objects.get().district == "LL11"


@pytest.mark.usefixtures("directory")
def test_someone_who_may_not_read_the_address_gets_the_referrals_district_not_the_records(cast: Cast, org: Org) -> None:
    """Organisers-only About me: the helper offered support never learns the district from it."""
    referral = make_referral(org.organisation, person_name="Dad")
    Referral.objects.filter(pk=referral.pk).update(circle=cast.circle, person_postcode="CF10 1AA")
    _about_me(cast, address="12 High Street, Wrexham LL11 1AA", audience="owners")
    first, _, third, fourth = weeks()
    give_help(circle=cast.circle, organiser=cast.organiser, helper=cast.helper, days=[first, third, fourth])

    support_offers_refresh()
    assert SupportOffer.objects.get().district == "CF10"


@pytest.mark.usefixtures("directory")
def test_consent_withdrawn_from_about_me_leaves_the_offer_without_the_records_district(cast: Cast) -> None:
    _about_me(cast, address="12 High Street, Wrexham LL11 1AA")
    consent = effective_consent(cast.circle.consent)
    consent["helper"] = [key for key in consent["helper"] if key != "records.read.about"]
    consent_update(actor=cast.person, circle=cast.circle, grants=consent)
    first, _, third, fourth = weeks()
    give_help(circle=cast.circle, organiser=cast.organiser, helper=cast.helper, days=[first, third, fourth])

    support_offers_refresh()
    assert SupportOffer.objects.get().district == ""


def test_the_records_address_is_given_only_to_members_who_may_read_it(cast: Cast) -> None:
    _about_me(cast, address="12 High Street, Wrexham LL11 1AA", audience="carers")

    def address(user: User) -> str:
        return record_address_for(access_circle(user=user, circle_id=cast.circle.pk))

    for reader in (cast.person, cast.organiser, cast.helper, cast.paid_carer):
        assert address(reader) == "12 High Street, Wrexham LL11 1AA"
    # Professionals read About me, but this entry is for helpers and carers; well-wishers never read it.
    assert address(cast.professional) == ""
    assert address(cast.well_wisher) == ""


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("12 High St, Wrexham LL11 1AA", "LL11"),
        ("Flat 2\nsw1a1aa", "SW1A"),
        ("Old address B1 1AA, now CH7 2AB", "CH7"),
        ("12 High Street, Wrexham", ""),
        ("LL11", ""),  # a district alone isn't a postcode found in an address
        ("XLL11 1AAX", ""),
    ],
)
def test_the_district_is_read_from_a_whole_postcode_in_an_address(text: str, district: str) -> None:
    assert district_in(text) == district
