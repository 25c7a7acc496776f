"""Journey 7 (PRODUCT.md): a council commissioner sees how many circles are active, how much help was
given, and how referrals ended, as charts and CSV, with small numbers suppressed.

The commissioner reads the area's page with JavaScript, changes the months, mistypes a month and
is told what to type, and downloads the CSV; then the same without JavaScript. axe checks every
page. No person's name appears anywhere.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Browser, expect

from carecircle.orgs.access import access_organisation
from carecircle.orgs.models import OrganisationStaff, Referral
from carecircle.orgs.referral_services import ReferralInput, referral_create, referral_move
from carecircle.orgs.reports import LONDON
from carecircle.orgs.services import commissioner_add
from carecircle.tasks.services import task_volunteer
from tests.browser.conftest import make_checked
from tests.cast import Cast, build_cast, make_user, signed_in_session_key
from tests.circles.conftest import add_members
from tests.tasks.conftest import make_task


def _today() -> datetime.date:
    return timezone.localtime(timezone.now(), LONDON).date()


def _area(cast: Cast) -> list[str]:
    """Twelve referrals of the cast's organisation in Wrexham, Dad's circle linked to one; returns names."""
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    organisation.area = "Wrexham"
    organisation.save(update_fields=["area"])
    access = access_organisation(user=cast.org_staff, organisation_id=organisation.pk)
    names = []
    for number in range(12):
        name = f"Person Number{number}"
        names.append(name)
        referral, _ = referral_create(
            actor=None,
            organisation=organisation,
            data=ReferralInput(
                person_name=name,
                consent_given_by="person",
                consent_to="Being contacted",
                needs=["loneliness"] if number % 2 else ["money"],
                source="gp",
            ),
            via="in a test",
        )
        if number < 7:
            referral = referral_move(access=access, referral=referral, to="declined", reason="Out of area")
        elif number == 7:
            referral = referral_move(access=access, referral=referral, to="triaged")
        if number == 11:
            Referral.objects.filter(pk=referral.pk).update(circle=cast.circle)
    helpers = [membership.user for membership in add_members(circle=cast.circle, actor=cast.organiser, how_many=6)]
    task = make_task(actor=cast.organiser, circle=cast.circle, people_needed=10, start_date=_today())
    for helper in helpers:
        task_volunteer(actor=helper, task=task, occurrence_date=task.start_date)
        names.append(helper.display_name)
    return [*names, cast.organiser.display_name, cast.helper.display_name]


def test_journey_7_a_commissioner_sees_the_evidence_as_charts_and_csv(server: str, browser: Browser) -> None:
    cast = build_cast()
    names = _area(cast)
    commissioner = make_user("commissioner", display_name="Cara Commissioner")
    commissioner_add(actor=None, user=commissioner, area="Wrexham", body="Wrexham Council")
    session_key = signed_in_session_key(commissioner)

    # With JavaScript: the area's page, other months, a mistyped month, and the CSV.
    context = browser.new_context(accept_downloads=True)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": server}])
    council = make_checked(context)
    page = council.page
    page.goto(f"{server}/")
    expect(page).to_have_url(f"{server}/commissioning/")
    council.check("the commissioner's area")
    expect(page.get_by_role("heading", name="Family circles linked to the organisations")).to_be_visible()
    expect(page.get_by_role("heading", name="Help given")).to_be_visible()
    expect(page.get_by_role("heading", name="How closed referrals ended")).to_be_visible()
    expect(page.get_by_role("heading", name="Local support offered")).to_be_visible()
    expect(page.get_by_role("heading", name="What became of those private offers")).to_be_visible()
    states = page.get_by_role("table", name="Where those referrals are now")
    expect(states.get_by_role("row", name="Declined 7")).to_be_visible()
    # 4 new and 1 triaged: both hidden, so neither can be worked out from the total of 12.
    expect(states.get_by_role("row", name="New not shown")).to_be_visible()
    expect(states.get_by_role("row", name="Triaged not shown")).to_be_visible()
    expect(page.locator("svg[role=img]").first).to_be_visible()
    content = page.content()
    for name in names:
        assert name not in content

    this_month = _today().replace(day=1)
    page.get_by_label("From (month)").fill(f"{this_month:%Y-%m}")
    page.get_by_label("To (month)").fill(f"{this_month:%Y-%m}")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{server}/commissioning/?from={this_month:%Y-%m}&to={this_month:%Y-%m}")
    council.check("the area, this month")

    response = page.goto(f"{server}/commissioning/?from={this_month:%Y-%m}&to=2020-01")
    assert response is not None
    assert response.status == 400
    expect(page.get_by_role("alert")).to_have_text(
        "The end month is before the start month: choose an end on or after the start."
    )
    council.check("a mistyped month")

    page.goto(f"{server}/commissioning/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    csv = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Family circles linked to the organisations" in csv
    assert "Where those referrals are now,Declined,7" in csv
    for name in names:
        assert name not in csv
    context.close()

    # Without JavaScript: the same page and the months form.
    no_js = browser.new_context(java_script_enabled=False)
    no_js.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": server}])
    axe_context = browser.new_context()
    plain = make_checked(no_js, axe_page=axe_context.new_page())
    page = plain.page
    page.goto(f"{server}/commissioning/")
    plain.check("the commissioner's area without JavaScript")
    page.get_by_label("From (month)").fill(f"{this_month:%Y-%m}")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text(f"Referrals received {this_month:%B %Y} to {this_month:%B %Y}")).to_be_visible()
    plain.check("this month without JavaScript")
    for name in names:
        assert name not in page.content()
    no_js.close()
    axe_context.close()
