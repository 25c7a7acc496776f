"""Live updates for staff: a referral sent through the API appears on the open board without a reload,
and a referral's own page shows what a colleague does to it, keeping what its reader is typing.

Without JavaScript the board and the referral are the same pages and show the change on the next load.
"""

from __future__ import annotations

import json
import urllib.request

from playwright.sync_api import Browser, expect

from carecircle.accounts.models import User
from carecircle.accounts.services import api_token_create
from carecircle.orgs.access import access_organisation
from carecircle.orgs.models import OrganisationStaff, StaffRole
from carecircle.orgs.referral_services import ReferralInput, referral_assign, referral_create, referral_move
from carecircle.orgs.services import organisation_staff_add
from tests.browser.conftest import make_checked, sign_in, signed_in_without_javascript
from tests.cast import build_cast


def send_referral(server: str, organisation_id: int, secret: str, name: str) -> int:
    """What a GP system does: POST the referral with its token."""
    body = {"person_name": name, "consent_given_by": "person", "consent_to": "Being contacted", "needs": ["shopping"]}
    request = urllib.request.Request(
        f"{server}/api/v1/organisations/{organisation_id}/referrals",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        return int(response.status)


def test_a_referral_sent_through_the_api_shows_on_an_open_board(server: str, browser: Browser) -> None:
    cast = build_cast()
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    _, secret = api_token_create(actor=cast.org_staff, name="GP system")

    board = make_checked(sign_in(browser.new_context(), server, cast.org_staff))
    page = board.page
    page.goto(f"{server}/organisations/{organisation.pk}/referrals/board")
    board.check("the referrals board")
    new_column = page.get_by_role("region", name="New")
    expect(new_column.get_by_text("None")).to_be_visible()
    expect(page.locator("[data-live-status]")).to_have_text("Live: changes appear as they happen.")
    list_page = board.page.context.new_page()
    list_page.goto(f"{server}/organisations/{organisation.pk}/referrals/")
    expect(list_page.locator("[data-live-status]")).to_have_text("Live: changes appear as they happen.")

    assert send_referral(server, organisation.pk, secret, "Edna Hughes") == 201

    # No reload: the board's columns and the list refetch themselves through the same views.
    expect(new_column.get_by_role("link", name="Edna Hughes")).to_be_visible()
    expect(new_column.get_by_role("heading")).to_contain_text("(1)")
    expect(list_page.get_by_role("link", name="Edna Hughes")).to_be_visible()
    board.check("the board after a referral arrived live")
    board.close()

    # Without JavaScript: the same board, with what arrived, on the next load.
    plain = signed_in_without_javascript(browser, server, cast.org_staff)
    assert send_referral(server, organisation.pk, secret, "Owen Price") == 201
    plain.page.goto(f"{server}/organisations/{organisation.pk}/referrals/board")
    expect(plain.page.get_by_role("link", name="Owen Price")).to_be_visible()
    expect(plain.page.get_by_role("link", name="Edna Hughes")).to_be_visible()
    plain.check("the board without JavaScript")
    plain.close()


def test_a_colleagues_changes_show_on_an_open_referral_without_losing_a_half_written_note(
    server: str, browser: Browser
) -> None:
    cast = build_cast()
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    colleague = User.objects.create_user(email="cerys@example.org", password=None, display_name="Cerys Coordinator")
    organisation_staff_add(actor=None, organisation=organisation, user=colleague, role=StaffRole.COORDINATOR)
    referral, _ = referral_create(
        actor=None,
        organisation=organisation,
        data=ReferralInput(person_name="Edna Hughes", consent_given_by="person", consent_to="Being contacted"),
        via="through the API",
    )
    address = f"{server}/organisations/{organisation.pk}/referrals/{referral.pk}/"

    reader = make_checked(sign_in(browser.new_context(), server, cast.org_staff))
    page = reader.page
    page.goto(address)
    reader.check("a referral, open for live changes")
    expect(page.locator("[data-live-status]")).to_have_text("Live: changes appear as they happen.")
    page.evaluate("window.stillTheSamePage = true")
    decline_reason = page.get_by_label("Why decline it? The referrer is told.")
    decline_reason.fill("Out of our area")
    note = page.get_by_label("Add a note")
    note.fill("Rang her daughter, who")

    # A colleague, in their own browser, triages the referral and adds a note.
    other = make_checked(sign_in(browser.new_context(), server, colleague))
    other.page.goto(address)
    other.page.get_by_role("button", name="Mark as triaged").click()
    expect(other.page.locator("p.lead")).to_contain_text("Triaged")
    other.page.get_by_label("Add a note").fill("Spoke to the GP.")
    other.page.get_by_role("button", name="Add the note").click()
    expect(other.page.get_by_text("Spoke to the GP.")).to_be_visible()
    other.close()

    # The reader sees both without a reload, and what they were typing is still there, in focus.
    expect(page.locator("p.lead")).to_contain_text("Triaged")
    expect(page.locator(".history")).to_contain_text("Spoke to the GP.")
    expect(page.get_by_role("button", name="Mark as triaged")).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage") is True
    expect(note).to_have_value("Rang her daughter, who")
    expect(note).to_be_focused()
    expect(decline_reason).to_have_value("Out of our area")
    page.keyboard.type(" will call back.")
    page.get_by_role("button", name="Add the note").click()
    expect(page.locator(".history")).to_contain_text("Rang her daughter, who will call back.")
    reader.check("the referral after a colleague's changes arrived live")
    reader.close()

    # Without JavaScript: the same page, with both changes, on the next load.
    plain = signed_in_without_javascript(browser, server, cast.org_staff)
    plain.page.goto(address)
    expect(plain.page.locator("p.lead")).to_contain_text("Triaged")
    expect(plain.page.locator(".history")).to_contain_text("Spoke to the GP.")
    plain.check("the referral without JavaScript")
    plain.close()


def test_a_volunteers_referral_given_to_someone_else_leaves_their_open_pages(server: str, browser: Browser) -> None:
    cast = build_cast()
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    val = User.objects.create_user(email="val@example.org", password=None, display_name="Val Volunteer")
    wyn = User.objects.create_user(email="wyn@example.org", password=None, display_name="Wyn Volunteer")
    for person in (val, wyn):
        organisation_staff_add(actor=None, organisation=organisation, user=person, role=StaffRole.VOLUNTEER)
    access = access_organisation(user=cast.org_staff, organisation_id=organisation.pk)
    given = {}
    for name in ("Edna Hughes", "Owen Price"):
        referral, _ = referral_create(
            actor=None,
            organisation=organisation,
            data=ReferralInput(person_name=name, consent_given_by="person", consent_to="Being contacted"),
            via="through the API",
        )
        referral = referral_move(access=access, referral=referral, to="accepted")
        given[name] = referral_assign(access=access, referral=referral, assignee=val)
    edna = given["Edna Hughes"]
    base = f"{server}/organisations/{organisation.pk}/referrals"

    # Val has her list, her board and Edna's referral open.
    volunteer = make_checked(sign_in(browser.new_context(), server, val))
    list_page = volunteer.page
    list_page.goto(f"{base}/")
    volunteer.check("a volunteer's referral list")
    expect(list_page.locator("[data-live-status]")).to_have_text("Live: changes appear as they happen.")
    list_page.evaluate("window.stillTheSamePage = true")
    board_page = list_page.context.new_page()
    board_page.goto(f"{base}/board")
    referral_page = list_page.context.new_page()
    referral_page.goto(f"{base}/{edna.pk}/")
    for page in (board_page, referral_page):
        expect(page.locator("[data-live-status]")).to_have_text("Live: changes appear as they happen.")
    for page in (list_page, board_page):
        expect(page.get_by_role("link", name="Edna Hughes")).to_be_visible()

    # The coordinator, in their own browser, gives Edna's referral to Wyn.
    coordinator = make_checked(sign_in(browser.new_context(), server, cast.org_staff))
    coordinator.page.goto(f"{base}/{edna.pk}/")
    coordinator.page.get_by_label("Reassign to").select_option(label="Wyn Volunteer (volunteer)")
    coordinator.page.get_by_role("button", name="Assign").click()
    expect(coordinator.page.locator("p.lead")).to_contain_text("with Wyn Volunteer")
    coordinator.close()

    # Edna leaves Val's list and board without a reload; Owen, still hers, stays; her open copy of
    # Edna's referral reloads into "Page not found".
    for page in (list_page, board_page):
        expect(page.get_by_role("link", name="Edna Hughes")).to_have_count(0)
        expect(page.get_by_role("link", name="Owen Price")).to_be_visible()
    assert list_page.evaluate("window.stillTheSamePage") is True
    expect(referral_page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(referral_page.get_by_text("Edna Hughes")).to_have_count(0)
    volunteer.check("a volunteer's list after a referral was given to someone else")
    volunteer.close()

    # Without JavaScript: her list, reloaded, has only Owen.
    plain = signed_in_without_javascript(browser, server, val)
    plain.page.goto(f"{base}/")
    expect(plain.page.get_by_role("link", name="Owen Price")).to_be_visible()
    expect(plain.page.get_by_role("link", name="Edna Hughes")).to_have_count(0)
    plain.check("a volunteer's list without JavaScript")
    plain.close()
