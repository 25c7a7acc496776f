"""The organisation's report in Chromium: a coordinator chooses months, reads volunteer activity, downloads the CSV.

With and without JavaScript, and a mistyped month told what to type (400). A commissioner's report
of the same area takes the same months form and CSV link and shows no volunteer activity (it is the
organisation's own). axe checks every page. No person's name appears in what is shown or downloaded.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, expect

from carecircle.accounts.models import User
from carecircle.orgs.access import access_organisation
from carecircle.orgs.follow_ups import follow_up_add, follow_up_done, uk_today
from carecircle.orgs.models import Organisation, OrganisationStaff, StaffRole
from carecircle.orgs.referral_services import referral_assign, referral_move
from carecircle.orgs.reports import LONDON
from carecircle.orgs.services import commissioner_add, organisation_staff_add
from tests.browser.conftest import make_checked, sign_in
from tests.cast import build_cast, make_user, signed_in_session_key
from tests.orgs.conftest import make_referral


def _volunteers_at_work(organisation: Organisation, coordinator: User) -> list[str]:
    """Six volunteers each given a referral and marking its follow-up done, now; returns the names."""
    access = access_organisation(user=coordinator, organisation_id=organisation.pk)
    names = []
    for number in range(6):
        volunteer = make_user(f"volunteer{number}", display_name=f"Vera Number{number}")
        organisation_staff_add(actor=None, organisation=organisation, user=volunteer, role=StaffRole.VOLUNTEER)
        referral = make_referral(organisation, person_name=f"Person Number{number}")
        referral = referral_move(access=access, referral=referral, to="accepted")
        referral = referral_assign(access=access, referral=referral, assignee=volunteer)
        own = access_organisation(user=volunteer, organisation_id=organisation.pk)
        follow_up, _ = follow_up_add(access=own, referral=referral, text="Ring back", due_on=uk_today(), assignee=None)
        follow_up_done(access=own, follow_up=follow_up)
        names += [volunteer.display_name, referral.person_name]
    return names


def test_a_coordinator_chooses_months_and_downloads_the_report(server: str, browser: Browser) -> None:
    cast = build_cast()
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    organisation.area = "Wrexham"
    organisation.save(update_fields=["area"])
    month = timezone.localtime(timezone.now(), LONDON).date().replace(day=1)
    # The work is dated at the start of the month asked for, not now: a run across the month's last
    # midnight would otherwise find it in the month before.
    with time_machine.travel(datetime.datetime.combine(month, datetime.time(), tzinfo=LONDON)):
        names = _volunteers_at_work(organisation, cast.org_staff)
    label = f"{month:%b %Y}"
    address = server + reverse("orgs:reports", kwargs={"organisation_id": organisation.pk})
    session_key = signed_in_session_key(cast.org_staff)

    context = browser.new_context(accept_downloads=True)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": server}])
    checked = make_checked(context)
    page = checked.page
    page.goto(address)
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    checked.check("the organisation's report")

    page.get_by_label("From (month)").fill(f"{month:%Y-%m}")
    page.get_by_label("To (month)").fill(f"{month:%Y-%m}")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{address}?from={month:%Y-%m}&to={month:%Y-%m}")
    expect(page.get_by_text(f"Referrals received {month:%B %Y} to {month:%B %Y}")).to_be_visible()
    given = page.get_by_role("table", name="Referrals given to volunteers each month")
    expect(given.get_by_role("row", name=f"{label} 6")).to_be_visible()
    done = page.get_by_role("table", name="Follow-ups volunteers marked done each month")
    expect(done.get_by_role("row", name=f"{label} 6")).to_be_visible()
    expect(page.get_by_text("Different volunteers active in these months: 6.")).to_be_visible()
    checked.check("the organisation's report, this month")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    assert download.value.suggested_filename.endswith(f"-referrals-{month:%Y-%m}-to-{month:%Y-%m}.csv")
    csv = Path(download.value.path()).read_text(encoding="utf-8")
    assert f"Referrals received each month,{label},6" in csv
    assert f"Referrals given to volunteers each month,{label},6" in csv
    assert f"Follow-ups volunteers marked done each month,{label},6" in csv
    for name in names:
        assert name not in csv
        assert name not in page.content()

    response = page.goto(f"{address}?from={month:%Y-%m}&to=2020-01")
    assert response is not None
    assert response.status == 400
    expect(page.get_by_role("alert")).to_have_text(
        "The end month is before the start month: choose an end on or after the start."
    )
    expect(page.get_by_label("To (month)")).to_have_value("2020-01")
    checked.check("the organisation's report with a mistyped month")
    context.close()

    # Without JavaScript: the months form is a plain GET form.
    no_js = browser.new_context(java_script_enabled=False)
    no_js.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": server}])
    axe_context = browser.new_context()
    plain = make_checked(no_js, axe_page=axe_context.new_page())
    page = plain.page
    page.goto(address)
    page.get_by_label("From (month)").fill(f"{month:%Y-%m}")
    page.get_by_label("To (month)").fill(f"{month:%Y-%m}")
    page.get_by_role("button", name="Show").click()
    given = page.get_by_role("table", name="Referrals given to volunteers each month")
    expect(given.get_by_role("row", name=f"{label} 6")).to_be_visible()
    expect(page.get_by_role("link", name="Download as CSV")).to_have_attribute(
        "href", f"?from={month:%Y-%m}&to={month:%Y-%m}&format=csv"
    )
    plain.check("the organisation's report without JavaScript")
    no_js.close()
    axe_context.close()

    # The commissioner of the area: the same months form and CSV, totals of referrals, no volunteers.
    commissioner = make_user("commissioner", display_name="Cara Commissioner")
    commissioner_add(actor=None, user=commissioner, area="Wrexham", body="Wrexham Council")
    council = browser.new_context(accept_downloads=True)
    sign_in(council, server, commissioner)
    area = make_checked(council)
    page = area.page
    page.goto(f"{server}/commissioning/")
    area.check("the commissioner's report")
    page.get_by_label("From (month)").fill(f"{month:%Y-%m}")
    page.get_by_label("To (month)").fill(f"{month:%Y-%m}")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{server}/commissioning/?from={month:%Y-%m}&to={month:%Y-%m}")
    received = page.get_by_role("table", name="Referrals received each month")
    expect(received.get_by_role("row", name=f"{label} 6")).to_be_visible()
    expect(page.get_by_role("heading", name="Volunteer activity")).to_have_count(0)
    area.check("the commissioner's report, this month")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    csv = Path(download.value.path()).read_text(encoding="utf-8")
    assert f"Referrals received each month,{label},6" in csv
    assert "Referrals given to volunteers" not in csv
    for name in names:
        assert name not in csv
        assert name not in page.content()
    council.close()
