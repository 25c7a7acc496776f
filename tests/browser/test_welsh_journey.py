"""A member changes to Welsh on their profile and volunteers for a task in Welsh; a visitor picks Polish.

In Chromium, through the real forms: the profile's language choice, the task page's "I'll do it"
("Fe wna i e") and the footer's one-click switcher a visitor sees. axe checks every page, in the
language it is shown in (a page in Welsh must say so with lang="cy").
"""

from __future__ import annotations

import datetime

from playwright.sync_api import Browser, expect

from carecircle.accounts.models import User
from carecircle.tasks.models import Assignment
from tests.browser.conftest import make_checked, sign_in
from tests.cast import build_cast
from tests.tasks.conftest import circle_today, make_task


def test_a_member_switches_to_welsh_and_volunteers_in_welsh(server: str, browser: Browser) -> None:
    cast = build_cast()
    day = circle_today() + datetime.timedelta(days=2)
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Siopa", start_date=day)
    context = browser.new_context()
    sign_in(context, server, cast.helper)
    checked = make_checked(context)
    page = checked.page

    page.goto(f"{server}/account/")
    expect(page.locator("html")).to_have_attribute("lang", "en-gb")
    page.get_by_label("Language").select_option("cy")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", name="Eich manylion")).to_be_visible()
    checked.check("profile, now in Welsh")
    assert User.objects.get(pk=cast.helper.pk).language == "cy"

    page.goto(f"{server}/circles/{cast.circle.pk}/tasks/{task.pk}/?on={day.isoformat()}")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    # The scripts speak Welsh too (web/script_words.py): the live line once the socket is open.
    live_line = "Yn fyw: mae newidiadau'n ymddangos wrth iddyn nhw ddigwydd."
    expect(page.locator("[data-live-status]").first).to_have_text(live_line)
    checked.check("a task's day in Welsh")
    page.get_by_role("button", name="Fe wna i e").click()
    expect(page.locator(".messages")).to_contain_text("Diolch. Rydych chi ar y rhestr ar gyfer “Siopa”.")
    expect(page.get_by_role("button", name="Fe wna i e")).to_have_count(0)
    checked.check("after volunteering in Welsh")
    assert Assignment.objects.filter(task=task, user=cast.helper, withdrawn_at__isnull=True).count() == 1

    # The choice belongs to the account: another device, signed in afresh, is in Welsh too.
    other = browser.new_context()
    sign_in(other, server, cast.helper)
    elsewhere = other.new_page()
    elsewhere.goto(f"{server}/circles/{cast.circle.pk}/")
    expect(elsewhere.locator("html")).to_have_attribute("lang", "cy")
    for each in (context, other):
        each.close()


def test_a_visitor_picks_polish_from_the_footer_without_javascript(server: str, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    axe_context = browser.new_context()
    checked = make_checked(context, axe_page=axe_context.new_page())
    page = checked.page
    page.goto(f"{server}/account/sign-in/")
    expect(page.locator("html")).to_have_attribute("lang", "en-gb")
    page.get_by_role("button", name="Polski").click()
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    # Back on the page the visitor was on, now in Polish, with English one click away.
    assert page.url.endswith("/account/sign-in/")
    expect(page.get_by_role("button", name="English")).to_be_visible()
    checked.check("sign-in page in Polish")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en-gb")
    for each in (context, axe_context):
        each.close()


def test_a_welsh_speaking_coordinator_triages_a_referral_in_welsh(server: str, browser: Browser) -> None:
    from django.urls import reverse

    from carecircle.orgs.models import OrganisationStaff, Referral
    from tests.orgs.conftest import make_referral

    cast = build_cast()
    User.objects.filter(pk=cast.org_staff.pk).update(language="cy")
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    referral = make_referral(organisation)
    context = browser.new_context()
    sign_in(context, server, cast.org_staff)
    checked = make_checked(context)
    page = checked.page
    page.goto(
        server + reverse("orgs:referral", kwargs={"organisation_id": organisation.pk, "referral_id": referral.pk})
    )
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", name="Nodiadau a hanes")).to_be_visible()  # "Notes and history"
    checked.check("a referral in Welsh")
    page.get_by_role("button", name="Nodi ei fod wedi'i frysbennu").click()  # "Mark as triaged"
    expect(page.locator(".messages")).to_contain_text(f"Cyflwr {referral.reference} nawr: wedi'i frysbennu.")
    checked.check("after triaging in Welsh")
    assert Referral.objects.get(pk=referral.pk).status == "triaged"
    context.close()
